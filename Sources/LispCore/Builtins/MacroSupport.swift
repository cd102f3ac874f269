/// Expansion helpers the prelude macros call (`do`, `case`, `typecase`), `proclaim`, and small
/// run-time helpers for `check-type`, `remf`, string streams.
enum MacroSupport {
    static func cl(_ n: String) -> Value { .symbol(World.shared.cl.internExternal(n)) }

    static func register(_ rt: Runtime) {
        let sys = rt.world.system
        // (%do-expansion let-op set-op varlist endlist body)
        rt.defN("%DO-EXPANSION", 5, 5, in: sys) { rt, args throws(Unwind) in
            let letOp = args[0], setOp = args[1]
            var bindings: [Value] = []
            var steps: [Value] = []
            for v in try rt.listItems(args[2]) {
                if let s = v.asSymbol { bindings.append(Value(s)); continue }
                bindings.append(list(v.car, v.cadr))
                if case .cons(let step) = v.cddr { steps.append(v.car); steps.append(step.car) }
            }
            let end = args[3]
            let (decls, body) = splitDecls(args[4])
            let top = Value.symbol(Symbol(name: "TOP")), done = Value.symbol(Symbol(name: "END"))
            var tb: [Value] = [top, list(cl("IF"), end.car, list(cl("GO"), done))]
            if body.listArray.allSatisfy({ if case .cons = $0 { return true } else { return false } }) {
                tb.append(contentsOf: body.listArray)
            } else {
                tb.append(.cons(cl("TAGBODY"), body))
            }
            // One stepped variable needs no parallel assignment (and psetq may not exist yet).
            if !steps.isEmpty { tb.append(.cons(steps.count == 2 ? cl("SETQ") : setOp, listFrom(steps))) }
            tb.append(list(cl("GO"), top))
            tb.append(done)
            let resultForms = end.cdr
            return list(cl("BLOCK"), .null,
                        .cons(letOp, .cons(listFrom(bindings), listFrom(decls + [.cons(cl("TAGBODY"), listFrom(tb)),
                                                                                  .cons(cl("PROGN"), resultForms)]))))
        }
        rt.defN("%CASE-EXPANSION", 3, 3, in: sys) { rt, args throws(Unwind) in
            let key = Value.symbol(Symbol(name: "KEY"))
            var clauses: [Value] = []
            var allKeys: [Value] = []
            for c in try rt.listItems(args[1]) {
                let keys = c.car
                let body = c.cdr.isNil ? list(.null) : c.cdr
                if let s = keys.asSymbol, (s === Symbol.T || s.name == "OTHERWISE"), !keys.isNil {
                    clauses.append(.cons(.t, body))
                    continue
                }
                let keyList = keys.isList ? keys.listArray : [keys]
                allKeys.append(contentsOf: keyList)
                let test: Value = keyList.count == 1
                    ? list(cl("EQL"), key, list(.symbol(Sym.quote), keyList[0]))
                    : list(cl("MEMBER"), key, list(.symbol(Sym.quote), listFrom(keyList)))
                clauses.append(.cons(test, body))
            }
            if !args[2].isNil {
                clauses.append(list(.t, list(.symbol(World.shared.system.internExternal("%CASE-FAILURE")), key,
                                             list(.symbol(Sym.quote), listFrom(allKeys)), list(.symbol(Sym.quote), args[2]))))
            }
            return list(cl("LET"), list(list(key, args[0])), .cons(cl("COND"), listFrom(clauses)))
        }
        rt.defN("%TYPECASE-EXPANSION", 3, 3, in: sys) { rt, args throws(Unwind) in
            let key = Value.symbol(Symbol(name: "KEY"))
            var clauses: [Value] = []
            var types: [Value] = []
            for c in try rt.listItems(args[1]) {
                let body = c.cdr.isNil ? list(.null) : c.cdr
                if let s = c.car.asSymbol, s === Symbol.T || s.name == "OTHERWISE" {
                    clauses.append(.cons(.t, body))
                    continue
                }
                types.append(c.car)
                clauses.append(.cons(list(cl("TYPEP"), key, list(.symbol(Sym.quote), c.car)), body))
            }
            if !args[2].isNil {
                clauses.append(list(.t, list(.symbol(World.shared.system.internExternal("%TYPECASE-FAILURE")), key,
                                             list(.symbol(Sym.quote), .cons(cl("OR"), listFrom(types))))))
            }
            return list(cl("LET"), list(list(key, args[0])), .cons(cl("COND"), listFrom(clauses)))
        }
        rt.defN("%CASE-FAILURE", 3, 3, in: sys) { rt, args throws(Unwind) in
            let spec = Value.cons(cl("MEMBER"), args[1])
            let c = rt.typeErrorCondition(args[0], spec)
            c.slots[World.shared.system.internExternal("FORMAT-CONTROL")] =
                Value("\(rt.printString(args[0])) fell through \(rt.printString(args[2])) expression; wanted one of \(rt.printString(args[1]))")
            try rt.signalError(c)
        }
        rt.def2("%TYPECASE-FAILURE", in: sys) { rt, v, spec throws(Unwind) in
            try rt.typeError(v, spec: spec)
        }
        rt.defN("%SPLIT-DECLARATIONS", 1, 1, in: sys, mv: true) { rt, args throws(Unwind) in
            let (decls, forms) = splitDecls(args[0])
            return rt.values2(listFrom(decls), forms)
        }
        // Body forms of dotimes/dolist/do: spliced straight into the loop's tagbody when they
        // contain no tags (saves a nested tagbody per iteration), else wrapped in their own.
        rt.def1("%TAGBODY-BODY", in: sys) { rt, forms throws(Unwind) in
            let items = try rt.listItems(forms)
            if items.allSatisfy({ if case .cons = $0 { return true } else { return false } }) { return forms }
            return list(.cons(cl("TAGBODY"), forms))
        }
        rt.def1("PROCLAIM") { rt, spec throws(Unwind) in
            guard let head = spec.car.asSymbol else { return .null }
            if head === Sym.special {
                for s in spec.cdr.listArray { try rt.symbol(s).isSpecial = true }
            }
            return .null
        }
        rt.def2("%DEFINE-SYMBOL-MACRO", in: sys) { rt, name, exp throws(Unwind) in
            try rt.symbol(name).symbolMacro = exp
            return name
        }
        rt.defN("%CHECK-TYPE-ERROR", 4, 4, in: sys) { rt, args throws(Unwind) in
            // Signal a correctable type-error; STORE-VALUE supplies a new value.
            let c = rt.typeErrorCondition(args[1], args[2])
            let desc = args[3].isNil ? rt.printString(args[2]) : rt.princString(args[3])
            c.slots[World.shared.system.internExternal("FORMAT-CONTROL")] =
                Value("The value of \(rt.printString(args[0])) is \(rt.printString(args[1])), which is not \(desc).")
            var newValue: Value = .null
            let id = rt.newDynamicID()
            let fn = LispFunction(name: .null, kind: .nativeN({ _, a throws(Unwind) in
                newValue = a.get(0)
                throw .toBlock(id, .null)
            }, min: 0, max: 1, mv: false))
            let r = Restart(name: Value(World.shared.cl.internExternal("STORE-VALUE")), function: fn)
            r.report = Value("Supply a new value for \(rt.printString(args[0])).")
            rt.restarts.append(r)
            let depth = rt.restarts.count
            defer { rt.restarts.removeSubrange((depth - 1)...) }
            let sp = rt.sp
            do throws(Unwind) {
                try rt.signalError(c)
            } catch {
                if case .toBlock(let t, _) = error, t == id { rt.sp = sp; return newValue }
                throw error
            }
        }
        rt.defN("%REMF", 2, 2, in: sys, mv: true) { rt, args throws(Unwind) in
            var prev: Cons? = nil
            var p = args[0]
            while case .cons(let c) = p, case .cons(let v) = c.cdr {
                if eq(c.car, args[1]) {
                    if let pr = prev { pr.cdr = v.cdr; return rt.values2(args[0], .t) }
                    return rt.values2(v.cdr, .t)
                }
                prev = v
                p = v.cdr
            }
            return rt.values2(args[0], .null)
        }
        rt.def1("%MAKE-FILL-POINTER-OUTPUT-STREAM", in: sys) { rt, s throws(Unwind) in
            .object(StringOutputStream(target: try rt.lispString(s)))
        }
        rt.def1("%STRING-INPUT-POSITION", in: sys) { rt, s throws(Unwind) in
            guard case .object(let o) = s, let sis = o as? StringInputStream else { try rt.typeError(s, "STRING-STREAM") }
            return .fixnum(sis.position)
        }
    }

    static func splitDecls(_ body: Value) -> ([Value], Value) {
        var decls: [Value] = []
        var p = body
        while case .cons(let c) = p, case .cons(let d) = c.car, d.car.asSymbol === Sym.declare {
            decls.append(c.car)
            p = c.cdr
        }
        return (decls, p)
    }
}
