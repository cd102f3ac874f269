/// Symbols: names, values, property lists, gensym.
enum SymbolBuiltins {
    static func register(_ rt: Runtime) {
        rt.def1("SYMBOL-NAME") { rt, x throws(Unwind) in Value(try rt.symbol(x).name) }
        rt.def1("SYMBOL-PACKAGE") { rt, x throws(Unwind) in
            guard let p = try rt.symbol(x).package else { return .null }
            return .object(p)
        }
        rt.def1("SYMBOL-VALUE") { rt, x throws(Unwind) in
            let s = try rt.symbol(x)
            if s === Symbol.NIL { return .null }
            guard let v = s.value else { try rt.signalError(rt.unboundVariableCondition(s)) }
            return v
        }
        rt.defSetf("SYMBOL-VALUE", 2, 2) { rt, args throws(Unwind) in try set(rt, args[1], args[0]) }
        rt.def2("SET") { rt, s, v throws(Unwind) in try set(rt, s, v) }
        rt.def1("BOUNDP") { rt, x throws(Unwind) in
            let s = try rt.symbol(x)
            return .bool(s === Symbol.NIL || s.value != nil)
        }
        rt.def1("MAKUNBOUND") { rt, x throws(Unwind) in
            let s = try rt.symbol(x)
            if s.isConstant { try rt.signalError(rt.programError("cannot make constant \(s.name) unbound")) }
            s.value = nil
            return x
        }
        rt.def1("SYMBOL-PLIST") { rt, x throws(Unwind) in try rt.symbol(x).plist }
        rt.defSetf("SYMBOL-PLIST", 2, 2) { rt, args throws(Unwind) in
            try rt.symbol(args[1]).plist = args[0]
            return args[0]
        }
        rt.defN("GET", 2, 3) { rt, args throws(Unwind) in
            var p = try rt.symbol(args[0]).plist
            while case .cons(let c) = p, case .cons(let v) = c.cdr {
                if eq(c.car, args[1]) { return v.car }
                p = v.cdr
            }
            return args.get(2)
        }
        rt.defSetf("GET", 3, 4) { rt, args throws(Unwind) in
            let s = try rt.symbol(args[1])
            var p = s.plist
            while case .cons(let c) = p, case .cons(let v) = c.cdr {
                if eq(c.car, args[2]) { v.car = args[0]; return args[0] }
                p = v.cdr
            }
            s.plist = .cons(args[2], .cons(args[0], s.plist))
            return args[0]
        }
        rt.def2("REMPROP") { rt, sym, ind throws(Unwind) in
            let s = try rt.symbol(sym)
            var prev: Cons? = nil
            var p = s.plist
            while case .cons(let c) = p, case .cons(let v) = c.cdr {
                if eq(c.car, ind) {
                    if let pr = prev { pr.cdr = v.cdr } else { s.plist = v.cdr }
                    return .t
                }
                prev = v
                p = v.cdr
            }
            return .null
        }
        rt.def1("MAKE-SYMBOL") { rt, n throws(Unwind) in .symbol(Symbol(name: try rt.lispString(n).string)) }
        rt.defN("COPY-SYMBOL", 1, 2) { rt, args throws(Unwind) in
            let s = try rt.symbol(args[0])
            let n = Symbol(name: s.name)
            if args.get(1).isTrue {
                n.value = s.value
                n.function = s.function
                n.plist = listFrom(s.plist.listArray)
            }
            return .symbol(n)
        }
        rt.defN("GENSYM", 0, 1) { rt, args throws(Unwind) in
            var prefix = "G"
            var n: Int
            let counter = (try? rt.fixnum(Sym.gensymCounter.value ?? .fixnum(0))) ?? 0
            if args.count > 0, case .fixnum(let k) = args[0] {
                n = k
            } else {
                if args.count > 0 { prefix = try rt.lispString(args[0]).string }
                n = counter
                Sym.gensymCounter.value = .fixnum(counter + 1)
            }
            return .symbol(Symbol(name: prefix + String(n)))
        }
        rt.defN("GENTEMP", 0, 2) { rt, args throws(Unwind) in
            let prefix = args.count > 0 ? try rt.stringDesignator(args[0]) : "T"
            let pkg = args.count > 1 ? try rt.package(args[1]) : rt.currentPackage
            while true {
                gentempCounter += 1
                let name = prefix + String(gentempCounter)
                if pkg.find(name) == nil { return Value(pkg.intern(name).0) }
            }
        }
    }

    nonisolated(unsafe) static var gentempCounter = 0

    static func set(_ rt: Runtime, _ sym: Value, _ v: Value) throws(Unwind) -> Value {
        let s = try rt.symbol(sym)
        if s.isConstant { try rt.signalError(rt.programError("cannot set constant \(s.name)")) }
        s.value = v
        return v
    }
}
