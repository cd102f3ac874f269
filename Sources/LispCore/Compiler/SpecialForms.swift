/// The special operators of CLHS 3.1.2.1.2.1, each compiled by one method.
extension Compiler {
    func registerSpecialForms() {
        func add(_ name: String, _ f: @escaping SpecialForm) {
            specialForms[ObjectIdentifier(World.shared.cl.internExternal(name))] = SpecialFormEntry(compile: f)
        }
        add("QUOTE") { c, form, _, _, mv throws(Unwind) in
            try c.checkArgs(form, 1, 1)
            return c.constant(form.cadr, mv: mv)
        }
        add("FUNCTION") { c, form, env, fs, mv throws(Unwind) in
            try c.checkArgs(form, 1, 1)
            return c.single(try c.compileFunctionForm(form.cadr, env, fs), mv: mv)
        }
        add("IF") { c, form, env, fs, mv throws(Unwind) in try c.compileIf(form, env, fs, mv) }
        add("PROGN") { c, form, env, fs, mv throws(Unwind) in try c.compileBody(form.cdr, env, fs, mv: mv) }
        add("LET") { c, form, env, fs, mv throws(Unwind) in try c.compileLet(form, env, fs, mv, sequential: false) }
        add("LET*") { c, form, env, fs, mv throws(Unwind) in try c.compileLet(form, env, fs, mv, sequential: true) }
        add("SETQ") { c, form, env, fs, mv throws(Unwind) in try c.compileSetq(form, env, fs, mv) }
        add("FLET") { c, form, env, fs, mv throws(Unwind) in try c.compileFlet(form, env, fs, mv, recursive: false) }
        add("LABELS") { c, form, env, fs, mv throws(Unwind) in try c.compileFlet(form, env, fs, mv, recursive: true) }
        add("MACROLET") { c, form, env, fs, mv throws(Unwind) in try c.compileMacrolet(form, env, fs, mv) }
        add("SYMBOL-MACROLET") { c, form, env, fs, mv throws(Unwind) in try c.compileSymbolMacrolet(form, env, fs, mv) }
        add("BLOCK") { c, form, env, fs, mv throws(Unwind) in try c.compileBlock(form, env, fs, mv) }
        add("RETURN-FROM") { c, form, env, fs, mv throws(Unwind) in try c.compileReturnFrom(form, env, fs) }
        add("TAGBODY") { c, form, env, fs, mv throws(Unwind) in try c.compileTagbody(form, env, fs, mv) }
        add("GO") { c, form, env, fs, mv throws(Unwind) in try c.compileGo(form, env, fs) }
        add("CATCH") { c, form, env, fs, mv throws(Unwind) in try c.compileCatch(form, env, fs, mv) }
        add("THROW") { c, form, env, fs, mv throws(Unwind) in try c.compileThrow(form, env, fs) }
        add("UNWIND-PROTECT") { c, form, env, fs, mv throws(Unwind) in try c.compileUnwindProtect(form, env, fs, mv) }
        add("MULTIPLE-VALUE-CALL") { c, form, env, fs, mv throws(Unwind) in
            if let code = try c.compileMultipleValueBind(form, env, fs, mv) { return code }
            return try c.compileMultipleValueCall(form, env, fs)
        }
        add("MULTIPLE-VALUE-PROG1") { c, form, env, fs, mv throws(Unwind) in try c.compileMultipleValueProg1(form, env, fs, mv) }
        add("THE") { c, form, env, fs, mv throws(Unwind) in
            try c.checkArgs(form, 2, 2)
            return try c.compile(form.caddr, env, fs, mv: mv)
        }
        add("LOCALLY") { c, form, env, fs, mv throws(Unwind) in
            let (decls, body) = c.parseBody(form.cdr, allowDoc: false)
            return try c.compileBody(body, c.addFreeSpecials(decls, env, bound: []), fs, mv: mv)
        }
        add("EVAL-WHEN") { c, form, env, fs, mv throws(Unwind) in
            let situations = form.cadr.listArray.compactMap { $0.asSymbol?.name }
            if situations.contains("EXECUTE") || situations.contains("EVAL") {
                return try c.compileBody(form.cddr, env, fs, mv: mv)
            }
            return c.constant(.null, mv: mv)
        }
        add("LOAD-TIME-VALUE") { c, form, _, _, mv throws(Unwind) in
            let v = try c.rt.eval(form.cadr)
            return c.constant(v, mv: mv)
        }
        add("PROGV") { c, form, env, fs, mv throws(Unwind) in try c.compileProgv(form, env, fs, mv) }
        // Internal: the iteration of dotimes / dolist (CountedLoops.swift), setf through a setf function (SetfCall.swift).
        func addInternal(_ name: String, _ f: @escaping SpecialForm) {
            specialForms[ObjectIdentifier(World.shared.system.internExternal(name))] = SpecialFormEntry(compile: f)
        }
        addInternal("%DOTIMES-LOOP") { c, form, env, fs, mv throws(Unwind) in try c.compileDotimesLoop(form, env, fs, mv) }
        addInternal("%DOLIST-LOOP") { c, form, env, fs, mv throws(Unwind) in try c.compileDolistLoop(form, env, fs, mv) }
        addInternal("%SETF-CALL") { c, form, env, fs, mv throws(Unwind) in try c.compileSetfCall(form, env, fs, mv) }
    }

    func checkArgs(_ form: Value, _ min: Int, _ max: Int) throws(Unwind) {
        var n = 0
        var p = form.cdr
        while case .cons(let c) = p { n += 1; p = c.cdr }
        if n < min || (max >= 0 && n > max) {
            try rt.signalError(rt.programError("wrong number of arguments in \(rt.printString(form))"))
        }
    }

    // MARK: if

    func compileIf(_ form: Value, _ env: LexEnv, _ fs: FunctionScope, _ mv: Bool) throws(Unwind) -> Code {
        try checkArgs(form, 2, 3)
        if case .cons(let t) = form.cadr, case .symbol(let op) = t.car, op.package === rt.world.cl,
           let fused = fusedIfs[ObjectIdentifier(op)], let testEntry = testInliners[ObjectIdentifier(op)],
           env.lookupFunction(op) == nil, t.cdr.listArray.count == testEntry.arity {
            let operands = try compileOperands(t.cdr, env, fs)
            let then = try operand(form.caddr, env, fs, mv: mv)
            let els = try operand(form.cddr.cdr.car, env, fs, mv: mv)
            if let code = fused.build(self, operands, then, els, mv) { return code }
            // Not the fused shape (operands other than a variable and a constant).
            let test = testEntry.expand(self, operands)
                ?? truthTest(globalCall(op, operands: operands, mv: false))
            return ifCode(test, then, els, mv: mv)
        }
        let test = try compileTest(form.cadr, env, fs)
        let then = try operand(form.caddr, env, fs, mv: mv)
        let els = try operand(form.cddr.cdr.car, env, fs, mv: mv)
        return ifCode(test, then, els, mv: mv)
    }

    // MARK: declarations and bodies

    /// Split a body into declarations and forms (skipping a docstring when `allowDoc`).
    func parseBody(_ body: Value, allowDoc: Bool) -> (decls: [Value], body: Value) {
        var decls: [Value] = []
        var p = body
        while case .cons(let c) = p {
            if case .cons(let d) = c.car, d.car.asSymbol === Sym.declare {
                decls.append(contentsOf: d.cdr.listArray)
            } else if allowDoc, case .string = c.car, !c.cdr.isNil {
                // docstring
            } else {
                break
            }
            p = c.cdr
        }
        return (decls, p)
    }

    /// Symbols declared special in `decls`.
    func declaredSpecials(_ decls: [Value]) -> [Symbol] {
        var out: [Symbol] = []
        for d in decls where d.car.asSymbol === Sym.special {
            out.append(contentsOf: d.cdr.listArray.compactMap { $0.asSymbol })
        }
        return out
    }

    /// Add special declarations for symbols not bound by the form itself.
    func addFreeSpecials(_ decls: [Value], _ env: LexEnv, bound: [Symbol]) -> LexEnv {
        var e = env
        for s in declaredSpecials(decls) where !bound.contains(where: { $0 === s }) {
            e = e.adding(.special(s))
        }
        return e
    }

    // MARK: let / let*

    func compileLet(_ form: Value, _ env: LexEnv, _ fs: FunctionScope, _ mv: Bool, sequential: Bool,
                    effect: Bool = false) throws(Unwind) -> Code {
        guard form.cdr.isList, form.cadr.isList else {
            try rt.signalError(rt.programError("malformed \(sequential ? "LET*" : "LET"): \(rt.printString(form))"))
        }
        let (decls, body) = parseBody(form.cddr, allowDoc: false)
        let specials = declaredSpecials(decls)
        var bindings: [(Symbol, Value)] = []
        for b in form.cadr.listElements {
            switch b {
            case .symbol(let s): bindings.append((s, .null))
            case .cons(let c):
                guard let s = c.car.asSymbol, c.cdr.cdr.isNil else {
                    try rt.signalError(rt.programError("malformed binding \(rt.printString(b))"))
                }
                bindings.append((s, c.cdr.car))
            default:
                try rt.signalError(rt.programError("malformed binding \(rt.printString(b))"))
            }
        }
        for (s, _) in bindings where s.isConstant {
            try rt.signalError(rt.programError("cannot bind constant \(s.name)"))
        }
        let savedSlot = fs.nextSlot
        defer { fs.nextSlot = savedSlot }
        var inner = env
        // Each step: lexical (slot) or dynamic (symbol) binding with its init code.
        enum Step { case lexical(Int, Code), dynamic(Symbol, Code) }
        var steps: [Step] = []
        var newEnv = env
        for (s, initForm) in bindings {
            let initCode = try compile(initForm, sequential ? inner : env, fs, mv: false)
            if s.isSpecial || specials.contains(where: { $0 === s }) {
                steps.append(.dynamic(s, initCode))
                if sequential { inner = inner.adding(.special(s)) } else { newEnv = newEnv.adding(.special(s)) }
            } else {
                let slot = fs.allocate()
                steps.append(.lexical(slot, initCode))
                let b = VarBinding(name: s, scope: fs, slot: slot)
                if sequential { inner = inner.adding(.variable(s, b)) } else { newEnv = newEnv.adding(.variable(s, b)) }
            }
        }
        let bodyEnv = addFreeSpecials(decls, sequential ? inner : newEnv, bound: bindings.map { $0.0 })
        let bodyCode = try compileBody(body, bodyEnv, fs, mv: mv, effect: effect)
        let hasDynamic = steps.contains { if case .dynamic = $0 { return true } else { return false } }
        if !hasDynamic {
            let slots = steps.map { if case .lexical(let s, _) = $0 { return s } else { return 0 } }
            let inits = steps.map { if case .lexical(_, let c) = $0 { return Op(c) } else { return Op(c0) } }
            if slots.count == 1 {
                let s0 = slots[0], i0 = inits[0].run
                return { (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
                    (fp + s0).store(try i0(rt, fp))
                    return try bodyCode(rt, fp)
                }
            }
            if sequential {
                return { (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
                    for i in 0..<slots.count { (fp + slots[i]).store(try inits[i].run(rt, fp)) }
                    return try bodyCode(rt, fp)
                }
            }
            // Parallel: lexical slots are fresh, so storing as we go is safe (init forms were
            // compiled in the outer environment and cannot see them).
            return { (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
                for i in 0..<slots.count { (fp + slots[i]).store(try inits[i].run(rt, fp)) }
                return try bodyCode(rt, fp)
            }
        }
        return { (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
            var saved: [(Symbol, Value?)] = []
            defer { for (s, v) in saved.reversed() { s.value = v } }
            if sequential {
                for st in steps {
                    switch st {
                    case .lexical(let slot, let c): fp[slot] = try c(rt, fp)
                    case .dynamic(let s, let c):
                        let v = try c(rt, fp)
                        saved.append((s, s.value))
                        s.value = v
                    }
                }
            } else {
                var pending: [(Symbol, Value)] = []
                for st in steps {
                    switch st {
                    case .lexical(let slot, let c): fp[slot] = try c(rt, fp)
                    case .dynamic(let s, let c): pending.append((s, try c(rt, fp)))
                    }
                }
                for (s, v) in pending {
                    saved.append((s, s.value))
                    s.value = v
                }
            }
            return try bodyCode(rt, fp)
        }
    }

    // MARK: setq

    func compileSetq(_ form: Value, _ env: LexEnv, _ fs: FunctionScope, _ mv: Bool) throws(Unwind) -> Code {
        let args = form.cdr.listArray
        if args.count % 2 != 0 { try rt.signalError(rt.programError("odd number of arguments to SETQ")) }
        if args.isEmpty { return constant(.null, mv: mv) }
        var codes: [Op] = []
        var i = 0
        while i < args.count {
            guard let s = args[i].asSymbol else {
                try rt.signalError(rt.programError("SETQ of a non-symbol \(rt.printString(args[i]))"))
            }
            codes.append(Op(try compileAssign(s, args[i + 1], env, fs)))
            i += 2
        }
        if codes.count == 1 { return single(codes[0].run, mv: mv) }
        let all = codes
        return single({ (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
            var v: Value = .null
            for c in all { v = try c.run(rt, fp) }
            return v
        }, mv: mv)
    }

    /// Code assigning the value of `valueForm` to variable `s`.
    func compileAssign(_ s: Symbol, _ valueForm: Value, _ env: LexEnv, _ fs: FunctionScope) throws(Unwind) -> Code {
        switch env.lookupVariable(s) {
        case .variable(_, let b)?:
            return writeSlot(fs.reference(to: b), try compile(valueForm, env, fs, mv: false))
        case .symbolMacro(_, let exp)?:
            return try compile(list(.symbol(Sym.setf), exp, valueForm), env, fs, mv: false)
        default:
            if case nil = env.lookupVariable(s), let exp = s.symbolMacro {
                return try compile(list(.symbol(Sym.setf), exp, valueForm), env, fs, mv: false)
            }
            if s.isConstant || s === Symbol.T || s === Symbol.NIL {
                try rt.signalError(rt.programError("cannot assign to constant \(s.name)"))
            }
            let v = try compile(valueForm, env, fs, mv: false)
            return { (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
                let x = try v(rt, fp)
                s.value = x
                return x
            }
        }
    }

    // MARK: progv

    func compileProgv(_ form: Value, _ env: LexEnv, _ fs: FunctionScope, _ mv: Bool) throws(Unwind) -> Code {
        let symsCode = try compile(form.cadr, env, fs, mv: false)
        let valsCode = try compile(form.caddr, env, fs, mv: false)
        let body = try compileBody(form.cddr.cdr, env, fs, mv: mv)
        return { (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
            let syms = try symsCode(rt, fp).listArray
            let vals = try valsCode(rt, fp).listArray
            var saved: [(Symbol, Value?)] = []
            defer { for (s, v) in saved.reversed() { s.value = v } }
            for (i, sv) in syms.enumerated() {
                guard let s = sv.asSymbol else { try rt.typeError(sv, "SYMBOL") }
                saved.append((s, s.value))
                s.value = i < vals.count ? vals[i] : nil
            }
            return try body(rt, fp)
        }
    }
}

/// Placeholder code (never executed).
let c0: Code = { _, _ in .null }
