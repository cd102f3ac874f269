/// Generalized references (CLHS 5.1): `get-setf-expansion`, `setf`, `psetf`'s building block,
/// `defsetf` short form and `define-setf-expander`. Places without an expander are written
/// through their `(setf NAME)` function, which the library defines natively for standard
/// accessors.
enum SetfRegistry {
    /// Expander functions taking (place env) and returning the five expansion values.
    nonisolated(unsafe) static var expanders: [Symbol: LispFunction] = [:]
    /// Short-form `defsetf`: accessor -> update function name.
    nonisolated(unsafe) static var updaters: [Symbol: Value] = [:]
}

/// The five values of a setf expansion.
struct SetfExpansion {
    var temps: [Value]
    var vals: [Value]
    var stores: [Value]
    var store: Value
    var access: Value
    /// Set when storing is a plain call on the place's argument forms followed by the new value
    /// (these forms are the call's head and leading arguments): a short-form `defsetf` updater,
    /// or `sys::%setf-call` for a `(setf accessor)` function (Compiler/SetfCall.swift). `setf`
    /// then writes that call directly, without binding temporaries: arguments are evaluated left
    /// to right, the order the temporaries would give.
    var directStore: [Value]? = nil
}

extension CoreMacros {
    static func gensym(_ base: String) -> Value { .symbol(Symbol(name: base)) }

    static func setfExpansion(_ rt: Runtime, _ place: Value, _ env: Value) throws(Unwind) -> SetfExpansion {
        let lexEnv = EvaluatorBuiltins.envFrom(env)
        switch place {
        case .symbol, .null:
            let (exp, did) = try rt.compiler.macroexpand1(place, lexEnv)
            if did { return try setfExpansion(rt, exp, env) }
            let s = gensym("NEW")
            return SetfExpansion(temps: [], vals: [], stores: [s], store: list(cl("SETQ"), place, s), access: place)
        case .cons(let c):
            guard let op = c.car.asSymbol else { break }
            if let f = SetfRegistry.expanders[op] {
                let r = try rt.funcall(f, place, env)
                let vals = rt.collectValues(r)
                guard vals.count == 5 else { try rt.signalError(rt.simpleError("setf expander for \(op.name) did not return 5 values")) }
                return SetfExpansion(temps: vals[0].listArray, vals: vals[1].listArray, stores: vals[2].listArray,
                                     store: vals[3], access: vals[4])
            }
            let args = c.cdr.listArray
            let temps = args.map { _ in gensym("G") }
            let new = gensym("NEW")
            if let upd = SetfRegistry.updaters[op] {
                // An updater that is a macro may evaluate its arguments otherwise: no direct call.
                var direct: [Value]? = nil
                if let us = upd.asSymbol, us.macro == nil { direct = [upd] + args }
                return SetfExpansion(temps: temps, vals: args, stores: [new],
                                     store: .cons(upd, listFrom(temps + [new])), access: .cons(c.car, listFrom(temps)),
                                     directStore: direct)
            }
            switch op.package === rt.world.cl ? op.name : "" {
            case "THE":
                return try setfExpansion(rt, c.cdr.cdr.car, env)
            case "VALUES":
                var e = SetfExpansion(temps: [], vals: [], stores: [], store: .null, access: .null)
                var storeForms: [Value] = []
                var accessForms: [Value] = []
                for sub in args {
                    let x = try setfExpansion(rt, sub, env)
                    e.temps += x.temps
                    e.vals += x.vals
                    e.stores.append(x.stores.first ?? gensym("IGNORE"))
                    storeForms.append(x.store)
                    accessForms.append(x.access)
                }
                e.store = .cons(cl("VALUES"), listFrom(storeForms))
                e.access = .cons(cl("VALUES"), listFrom(accessForms))
                return e
            case "GETF":
                let inner = try setfExpansion(rt, args[0], env)
                let ind = gensym("IND"), def = gensym("DEF")
                let innerStore = inner.stores.first ?? gensym("S")
                let store = list(cl("LET*"), list(list(innerStore, list(sys("%PUTF"), inner.access, ind, new))),
                                 inner.store, new)
                return SetfExpansion(temps: inner.temps + [ind, def], vals: inner.vals + [args[1], args.count > 2 ? args[2] : .null],
                                     stores: [new], store: store, access: list(cl("GETF"), inner.access, ind, def))
            case "LDB", "MASK-FIELD":
                let inner = try setfExpansion(rt, args[1], env)
                let bs = gensym("BYTE")
                let innerStore = inner.stores.first ?? gensym("S")
                let deposit = op.name == "LDB" ? "DPB" : "DEPOSIT-FIELD"
                let store = list(cl("LET*"), list(list(innerStore, list(cl(deposit), new, bs, inner.access))),
                                 inner.store, new)
                return SetfExpansion(temps: inner.temps + [bs], vals: inner.vals + [args[0]], stores: [new],
                                     store: store, access: list(cl(op.name), bs, inner.access))
            default: break
            }
            // A macro without its own setf definition: expand and retry.
            if op.setfFunction == nil {
                let (exp, did) = try rt.compiler.macroexpand1(place, lexEnv)
                if did { return try setfExpansion(rt, exp, env) }
            }
            let setter = list(.symbol(Sym.function), list(.symbol(Sym.setf), c.car))
            return SetfExpansion(temps: temps, vals: args, stores: [new],
                                 store: .cons(cl("FUNCALL"), .cons(setter, listFrom([new] + temps))),
                                 access: .cons(c.car, listFrom(temps)), directStore: [sys("%SETF-CALL"), c.car] + args)
        default: break
        }
        try rt.signalError(rt.programError("\(rt.printString(place)) is not a valid place"))
    }

    static func registerSetf(_ rt: Runtime) {
        rt.defN("GET-SETF-EXPANSION", 1, 2, mv: true) { rt, args throws(Unwind) in
            let e = try setfExpansion(rt, args[0], args.get(1))
            return try rt.values([listFrom(e.temps), listFrom(e.vals), listFrom(e.stores), e.store, e.access])
        }
        rt.defMacro("SETF") { rt, form, env throws(Unwind) in
            let args = form.cdr.listArray
            if args.count % 2 != 0 { try rt.signalError(rt.programError("odd number of arguments to SETF")) }
            var forms: [Value] = []
            var i = 0
            while i < args.count {
                forms.append(try setOne(rt, args[i], args[i + 1], env))
                i += 2
            }
            if forms.count == 1 { return forms[0] }
            return .cons(cl("PROGN"), listFrom(forms))
        }
        rt.defN("%DEFSETF-SHORT", 2, 2, in: rt.world.system) { rt, args throws(Unwind) in
            SetfRegistry.updaters[try rt.symbol(args[0])] = args[1]
            return args[0]
        }
        rt.defN("%DEFINE-SETF-EXPANDER", 2, 2, in: rt.world.system) { rt, args throws(Unwind) in
            SetfRegistry.expanders[try rt.symbol(args[0])] = try rt.coerceToFunction(args[1])
            return args[0]
        }
        rt.defMacro("DEFINE-SETF-EXPANDER") { rt, form, _ throws(Unwind) in
            let name = try rt.symbol(form.cadr)
            return list(sys("%DEFINE-SETF-EXPANDER"), quote(Value(name)),
                        list(sys("%MAKE-MACRO"), quote(Value(name)), quote(form.caddr), quote(form.cddr.cdr)))
        }
        rt.defN("%PUTF", 3, 3, in: rt.world.system) { rt, args throws(Unwind) in
            // Non-destructive-at-head property update returning the new plist.
            var p = args[0]
            while case .cons(let c) = p {
                if eq(c.car, args[1]) {
                    guard case .cons(let v) = c.cdr else { try rt.typeError(args[0], "LIST") }
                    v.car = args[2]
                    return args[0]
                }
                guard case .cons(let v) = c.cdr else { break }
                p = v.cdr
            }
            return .cons(args[1], .cons(args[2], args[0]))
        }
    }

    /// One `(setf place value)`.
    static func setOne(_ rt: Runtime, _ place: Value, _ value: Value, _ env: Value) throws(Unwind) -> Value {
        if let s = place.asSymbol {
            let (exp, did) = try rt.compiler.macroexpand1(place, EvaluatorBuiltins.envFrom(env))
            if did && !eq(exp, place) { return try setOne(rt, exp, value, env) }
            return list(cl("SETQ"), Value(s), value)
        }
        let e = try setfExpansion(rt, place, env)
        if let call = e.directStore { return listFrom(call + [value]) }
        var bindings = zip(e.temps, e.vals).map { list($0, $1) }
        if e.stores.count == 1 {
            bindings.append(list(e.stores[0], value))
            return list(cl("LET*"), listFrom(bindings), e.store)
        }
        return list(cl("LET*"), listFrom(bindings),
                    list(cl("MULTIPLE-VALUE-BIND"), listFrom(e.stores), value, e.store))
    }
}
