/// Open-coded versions of the hottest CL functions, with fixnum fast paths and a fall back to
/// the generic operation. CL functions may not be redefined (CLHS 11.1.2.1.2), so inlining is
/// safe.
extension Compiler {
    func registerInliners() {
        func add(_ name: String, _ f: @escaping (Compiler, [Code], Bool) -> Code?) {
            inliners[ObjectIdentifier(World.shared.cl.internExternal(name))] = f
        }
        add("+") { c, args, mv in
            guard args.count == 2 else { return nil }
            let a = args[0], b = args[1]
            return c.single({ (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
                let x = try a(rt, fp), y = try b(rt, fp)
                if case .fixnum(let i) = x, case .fixnum(let j) = y {
                    let (r, o) = i.addingReportingOverflow(j)
                    if !o { return .fixnum(r) }
                }
                return try Numeric.add(rt, x, y)
            }, mv: mv)
        }
        add("-") { c, args, mv in
            guard args.count == 2 else { return nil }
            let a = args[0], b = args[1]
            return c.single({ (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
                let x = try a(rt, fp), y = try b(rt, fp)
                if case .fixnum(let i) = x, case .fixnum(let j) = y {
                    let (r, o) = i.subtractingReportingOverflow(j)
                    if !o { return .fixnum(r) }
                }
                return try Numeric.sub(rt, x, y)
            }, mv: mv)
        }
        add("1+") { c, args, mv in
            guard args.count == 1 else { return nil }
            let a = args[0]
            return c.single({ (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
                let x = try a(rt, fp)
                if case .fixnum(let i) = x, i < Int.max { return .fixnum(i + 1) }
                return try Numeric.add(rt, x, .fixnum(1))
            }, mv: mv)
        }
        add("1-") { c, args, mv in
            guard args.count == 1 else { return nil }
            let a = args[0]
            return c.single({ (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
                let x = try a(rt, fp)
                if case .fixnum(let i) = x, i > Int.min { return .fixnum(i - 1) }
                return try Numeric.sub(rt, x, .fixnum(1))
            }, mv: mv)
        }
        func compare(_ name: String, _ fast: @escaping (Int, Int) -> Bool, _ slow: @escaping (Int) -> Bool) {
            add(name) { c, args, mv in
                guard args.count == 2 else { return nil }
                let a = args[0], b = args[1]
                return c.single({ (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
                    let x = try a(rt, fp), y = try b(rt, fp)
                    if case .fixnum(let i) = x, case .fixnum(let j) = y { return fast(i, j) ? .t : .null }
                    if !x.isNumber { try rt.typeError(x, "REAL") }
                    if !y.isNumber { try rt.typeError(y, "REAL") }
                    return slow(try Numeric.compare(rt, x, y)) ? .t : .null
                }, mv: mv)
            }
        }
        compare("<", { $0 < $1 }, { $0 < 0 })
        compare(">", { $0 > $1 }, { $0 > 0 })
        compare("<=", { $0 <= $1 }, { $0 <= 0 })
        compare(">=", { $0 >= $1 }, { $0 >= 0 })
        compare("=", { $0 == $1 }, { $0 == 0 })
        add("CAR") { c, args, mv in
            guard args.count == 1 else { return nil }
            let a = args[0]
            return c.single({ (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
                let x = try a(rt, fp)
                if case .cons(let cell) = x { return cell.car }
                return try rt.car(x)
            }, mv: mv)
        }
        add("CDR") { c, args, mv in
            guard args.count == 1 else { return nil }
            let a = args[0]
            return c.single({ (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
                let x = try a(rt, fp)
                if case .cons(let cell) = x { return cell.cdr }
                return try rt.cdr(x)
            }, mv: mv)
        }
        add("CONS") { c, args, mv in
            guard args.count == 2 else { return nil }
            let a = args[0], b = args[1]
            return c.single({ (rt: Runtime, fp: Frame) throws(Unwind) -> Value in .cons(Cons(try a(rt, fp), try b(rt, fp))) }, mv: mv)
        }
        add("EQ") { c, args, mv in
            guard args.count == 2 else { return nil }
            let a = args[0], b = args[1]
            return c.single({ (rt: Runtime, fp: Frame) throws(Unwind) -> Value in eq(try a(rt, fp), try b(rt, fp)) ? .t : .null }, mv: mv)
        }
        for name in ["NOT", "NULL"] {
            add(name) { c, args, mv in
                guard args.count == 1 else { return nil }
                let a = args[0]
                return c.single({ (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
                    if case .null = try a(rt, fp) { return .t }
                    return .null
                }, mv: mv)
            }
        }
    }
}
