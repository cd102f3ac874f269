/// Open-coded versions of the hottest CL functions, with fixnum fast paths and a fall back to
/// the generic operation. CL functions may not be redefined (CLHS 11.1.2.1.2), so inlining is
/// safe.
extension Compiler {
    func registerInliners() {
        func add(_ name: String, _ f: @escaping (Compiler, [Op], Bool) -> Op?) {
            inliners[ObjectIdentifier(World.shared.cl.internExternal(name))] = f
        }
        add("+") { c, args, mv in
            guard args.count == 2 else { return nil }
            let a = args[0].run, b = args[1].run
            return Op({ (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
                if mv { rt.nvals = 1 }
                let x = try a(rt, fp), y = try b(rt, fp)
                if case .fixnum(let i) = x, case .fixnum(let j) = y {
                    let (r, o) = i.addingReportingOverflow(j)
                    if !o { return .fixnum(r) }
                }
                return try Numeric.add(rt, x, y)
            })
        }
        add("-") { c, args, mv in
            guard args.count == 2 else { return nil }
            let a = args[0].run, b = args[1].run
            return Op({ (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
                if mv { rt.nvals = 1 }
                let x = try a(rt, fp), y = try b(rt, fp)
                if case .fixnum(let i) = x, case .fixnum(let j) = y {
                    let (r, o) = i.subtractingReportingOverflow(j)
                    if !o { return .fixnum(r) }
                }
                return try Numeric.sub(rt, x, y)
            })
        }
        add("1+") { c, args, mv in
            guard args.count == 1 else { return nil }
            let a = args[0].run
            return Op({ (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
                if mv { rt.nvals = 1 }
                let x = try a(rt, fp)
                if case .fixnum(let i) = x, i < Int.max { return .fixnum(i + 1) }
                return try Numeric.add(rt, x, .fixnum(1))
            })
        }
        add("1-") { c, args, mv in
            guard args.count == 1 else { return nil }
            let a = args[0].run
            return Op({ (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
                if mv { rt.nvals = 1 }
                let x = try a(rt, fp)
                if case .fixnum(let i) = x, i > Int.min { return .fixnum(i - 1) }
                return try Numeric.sub(rt, x, .fixnum(1))
            })
        }
        func compare(_ name: String, _ fast: @escaping (Int, Int) -> Bool, _ slow: @escaping (Int) -> Bool) {
            add(name) { c, args, mv in
                guard args.count == 2 else { return nil }
                let a = args[0].run, b = args[1].run
                return Op({ (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
                if mv { rt.nvals = 1 }
                    let x = try a(rt, fp), y = try b(rt, fp)
                    if case .fixnum(let i) = x, case .fixnum(let j) = y { return fast(i, j) ? .t : .null }
                    if name == "=" { return try Numeric.numEqual(rt, x, y) ? .t : .null }
                    return slow(try Numeric.compare(rt, x, y)) ? .t : .null
                })
            }
        }
        compare("<", { $0 < $1 }, { $0 < 0 })
        compare(">", { $0 > $1 }, { $0 > 0 })
        compare("<=", { $0 <= $1 }, { $0 <= 0 })
        compare(">=", { $0 >= $1 }, { $0 >= 0 })
        compare("=", { $0 == $1 }, { $0 == 0 })
        add("CAR") { c, args, mv in
            guard args.count == 1 else { return nil }
            let a = args[0].run
            return Op({ (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
                if mv { rt.nvals = 1 }
                let x = try a(rt, fp)
                if case .cons(let cell) = x { return cell.car }
                return try rt.car(x)
            })
        }
        add("CDR") { c, args, mv in
            guard args.count == 1 else { return nil }
            let a = args[0].run
            return Op({ (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
                if mv { rt.nvals = 1 }
                let x = try a(rt, fp)
                if case .cons(let cell) = x { return cell.cdr }
                return try rt.cdr(x)
            })
        }
        add("CONS") { c, args, mv in
            guard args.count == 2 else { return nil }
            let a = args[0].run, b = args[1].run
            return Op({ (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
                if mv { rt.nvals = 1 }
                return .cons(Cons(try a(rt, fp), try b(rt, fp)))
            })
        }
        add("EQ") { c, args, mv in
            guard args.count == 2 else { return nil }
            let a = args[0].run, b = args[1].run
            return Op({ (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
                if mv { rt.nvals = 1 }
                return eq(try a(rt, fp), try b(rt, fp)) ? .t : .null
            })
        }
        for name in ["NOT", "NULL"] {
            add(name) { c, args, mv in
                guard args.count == 1 else { return nil }
                let a = args[0].run
                return Op({ (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
                if mv { rt.nvals = 1 }
                    if case .null = try a(rt, fp) { return .t }
                    return .null
                })
            }
        }
    }
}
