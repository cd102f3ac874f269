/// `function`, lambda expressions and closures, `flet`/`labels`, `macrolet`, `symbol-macrolet`.
extension Compiler {
    /// Code producing the function named or described by `spec` (the argument of `function`).
    func compileFunctionForm(_ spec: Value, _ env: LexEnv, _ fs: FunctionScope) throws(Unwind) -> Code {
        switch spec {
        case .symbol(let s):
            switch env.lookupFunction(s) {
            case .function(_, let b)?: return readSlot(fs.reference(to: b))
            case .macro?: try rt.signalError(rt.programError("FUNCTION of a local macro \(s.name)"))
            default:
                // `#'name` is evaluated once or twice per message by servers passing callbacks;
                // the error path is kept out of line so the closure stays a load and a retain.
                return { rt, _ in
                    if let f = s.function { return .function(f) }
                    try Compiler.functionOfUnboundName(rt, s)
                }
            }
        case .cons(let c):
            if let op = c.car.asSymbol {
                if op === Sym.lambda {
                    return try compileClosure(name: Value(op), lambdaList: c.cdr.car, body: c.cdr.cdr, env, fs)
                }
                if op === Sym.namedLambda {
                    return try compileClosure(name: c.cdr.car, lambdaList: c.cdr.cdr.car, body: c.cdr.cdr.cdr, env, fs)
                }
                if op === Sym.setf, case .cons(let n) = c.cdr, let name = n.car.asSymbol {
                    if case .function(_, let b)? = env.lookupFunction(setfLocalName(name)) {
                        return readSlot(fs.reference(to: b))
                    }
                    return { rt, _ in
                        guard let f = name.setfFunction else {
                            try rt.signalError(rt.makeCondition(StandardConditions.undefinedFunction,
                                message: "The function (SETF \(name.name)) is undefined.", slots: ["NAME": spec]))
                        }
                        return .function(f)
                    }
                }
            }
            fallthrough
        default:
            try rt.signalError(rt.programError("invalid function name \(rt.printString(spec))"))
        }
    }

    /// `#'name` for a name without a global function: UNDEFINED-FUNCTION.
    @inline(never)
    static func functionOfUnboundName(_ rt: Runtime, _ s: Symbol) throws(Unwind) -> Never {
        if s.macro != nil || rt.compiler.isSpecialOperator(s) {
            try rt.signalError(rt.makeCondition(StandardConditions.undefinedFunction,
                message: "\(s.name) names a macro or special operator, not a function",
                slots: ["NAME": Value(s)]))
        }
        try rt.undefinedFunction(s)
    }

    /// Local functions named `(setf foo)` are kept in the environment under a private symbol.
    func setfLocalName(_ s: Symbol) -> Symbol {
        World.shared.system.intern("(SETF \(s.package?.name ?? ""):\(s.name))").0
    }

    /// Compile a lambda and return code that makes a closure over the current frame.
    func compileClosure(name: Value, lambdaList: Value, body: Value, _ env: LexEnv, _ fs: FunctionScope) throws(Unwind) -> Code {
        let (lam, inner) = try compileLambda(name: name, lambdaList: lambdaList, body: body, env: env, parent: fs)
        if inner.captures.isEmpty {
            let fn = LispFunction(name: name, kind: .lambda(lam, captures: []))
            return { _, _ in .function(fn) }
        }
        let sources = inner.captures.map { fs.reference(to: $0.binding) }
        return { _, fp in
            var boxes: [Box] = []
            boxes.reserveCapacity(sources.count)
            for src in sources {
                switch src {
                case .local(let i):
                    if case .box(let b) = fp[i] { boxes.append(b) } else {
                        let b = Box(fp[i])
                        fp[i] = .box(b)
                        boxes.append(b)
                    }
                case .captured(let r):
                    if case .box(let b) = fp[r.slot] { boxes.append(b) } else {
                        let b = Box(fp[r.slot])
                        fp[r.slot] = .box(b)
                        boxes.append(b)
                    }
                }
            }
            return .function(LispFunction(name: name, kind: .lambda(lam, captures: boxes)))
        }
    }

    /// Compile a lambda expression's parameters and body in a new function scope.
    func compileLambda(name: Value, lambdaList: Value, body: Value, env: LexEnv,
                       parent: FunctionScope?) throws(Unwind) -> (CompiledLambda, FunctionScope) {
        deferErrorsDepth += 1
        defer { deferErrorsDepth -= 1 }
        let fs = FunctionScope(parent: parent)
        let (decls, forms) = parseBody(body, allowDoc: true)
        let declared = declaredSpecials(decls)
        var e = env
        var nReq = 0
        var optionals: [CompiledLambda.OptionalParam] = []
        var restSlot: Int? = nil
        var keys: [CompiledLambda.KeyParam] = []
        var hasKeys = false
        var allowOther = false
        var aux: [CompiledLambda.AuxParam] = []
        var specialParams: [(Symbol, Int)] = []
        var boundNames: [Symbol] = []

        func bind(_ s: Symbol) throws(Unwind) -> Int {
            if s.isConstant || s === Symbol.T { try rt.signalError(rt.programError("cannot bind constant \(s.name) as a parameter")) }
            let slot = fs.allocate()
            e = e.adding(.variable(s, VarBinding(name: s, scope: fs, slot: slot)))
            if s.isSpecial || declared.contains(where: { $0 === s }) { specialParams.append((s, slot)) }
            boundNames.append(s)
            return slot
        }
        func bad(_ why: String) throws(Unwind) -> Never {
            try rt.signalError(rt.programError("malformed lambda list \(rt.printString(lambdaList)): \(why)"))
        }

        enum Mode { case req, opt, rest, key, aux, done }
        var mode = Mode.req
        var p = lambdaList
        while case .cons(let c) = p {
            let item = c.car
            p = c.cdr
            if let s = item.asSymbol, s.name.hasPrefix("&") {
                switch s {
                case Sym.optional: mode = .opt
                case Sym.rest, Sym.body: mode = .rest
                case Sym.key: mode = .key; hasKeys = true
                case Sym.allowOtherKeys: allowOther = true
                case Sym.aux: mode = .aux
                default: try bad("unknown lambda-list keyword \(s.name)")
                }
                continue
            }
            switch mode {
            case .req:
                guard let s = item.asSymbol else { try bad("required parameter is not a symbol") }
                _ = try bind(s)
                nReq += 1
            case .opt:
                let (s, initForm, sv) = try parseParam(item, bad)
                let initCode = initForm.isNil ? nil : Op(try compile(initForm, e, fs, mv: false))
                let slot = try bind(s)
                let svSlot = try sv.map { (x: Symbol) throws(Unwind) -> Int in try bind(x) }
                optionals.append(.init(slot: slot, initCode: initCode, suppliedSlot: svSlot))
            case .rest:
                guard let s = item.asSymbol else { try bad("&rest parameter is not a symbol") }
                restSlot = try bind(s)
                mode = .done
            case .key:
                var keyword: Symbol
                var varSpec = item
                if case .cons(let kc) = item, case .cons(let inner) = kc.car {
                    guard let k = inner.car.asSymbol, let v = inner.cdr.car.asSymbol else { try bad("bad ((keyword var))") }
                    keyword = k
                    varSpec = .cons(Cons.make(Value(v), kc.cdr))
                } else {
                    guard let s = (item.asSymbol ?? item.car.asSymbol) else { try bad("bad &key parameter") }
                    keyword = rt.world.keyword(s.name)
                }
                let (s, initForm, sv) = try parseParam(varSpec, bad)
                let initCode = initForm.isNil ? nil : Op(try compile(initForm, e, fs, mv: false))
                let slot = try bind(s)
                let svSlot = try sv.map { (x: Symbol) throws(Unwind) -> Int in try bind(x) }
                keys.append(.init(keyword: keyword, slot: slot, initCode: initCode, suppliedSlot: svSlot))
            case .aux:
                let (s, initForm, _) = try parseParam(item, bad)
                let initCode = initForm.isNil ? nil : Op(try compile(initForm, e, fs, mv: false))
                aux.append(.init(slot: try bind(s), initCode: initCode))
            case .done:
                try bad("parameter after &rest variable")
            }
        }
        if !p.isNil {
            // Dotted lambda list (a b . rest) = &rest.
            guard let s = p.asSymbol else { try bad("dotted tail is not a symbol") }
            restSlot = try bind(s)
        }
        let bodyEnv = addFreeSpecials(decls, e, bound: boundNames)
        var bodyCode = try compileBody(forms, bodyEnv, fs, mv: true)
        if !specialParams.isEmpty {
            // Parameters proclaimed or declared special are bound dynamically from their slots.
            let inner = bodyCode
            let params = specialParams
            bodyCode = { (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
                var saved: [(Symbol, Value?)] = []
                defer { for (s, v) in saved.reversed() { s.value = v } }
                for (s, slot) in params {
                    saved.append((s, s.value))
                    s.value = fp[slot]
                }
                return try inner(rt, fp)
            }
        }
        let lam = CompiledLambda(name: name, lambdaList: lambdaList, nRequired: nReq, optionals: optionals,
                                 restSlot: restSlot, keys: keys, hasKeys: hasKeys, allowOtherKeys: allowOther, aux: aux)
        let (frameSize, captureSlots) = fs.finishCaptures()
        lam.frameSize = frameSize
        lam.captureSlots = captureSlots
        lam.body = bodyCode
        return (lam, fs)
    }

    /// `var`, `(var)`, `(var init)`, `(var init supplied-p)`.
    func parseParam(_ item: Value, _ bad: (String) throws(Unwind) -> Never) throws(Unwind) -> (Symbol, Value, Symbol?) {
        if let s = item.asSymbol { return (s, .null, nil) }
        guard case .cons(let c) = item, let s = c.car.asSymbol else { try bad("bad parameter \(rt.printString(item))") }
        let initForm = c.cdr.car
        let sv = c.cdr.cdr.car.asSymbol
        if !c.cdr.cdr.car.isNil && sv == nil { try bad("supplied-p is not a symbol") }
        return (s, initForm, c.cdr.cdr.car.isNil ? nil : sv)
    }

    // MARK: flet / labels

    func compileFlet(_ form: Value, _ env: LexEnv, _ fs: FunctionScope, _ mv: Bool, recursive: Bool) throws(Unwind) -> Code {
        let defs = form.cadr.listArray
        let (decls, body) = parseBody(form.cddr, allowDoc: false)
        let savedSlot = fs.nextSlot
        defer { fs.nextSlot = savedSlot }
        var names: [Symbol] = []
        var bindings: [VarBinding] = []
        var inner = env
        for d in defs {
            guard case .cons(let c) = d else { try rt.signalError(rt.programError("malformed function binding")) }
            var name: Symbol
            if let s = c.car.asSymbol { name = s } else if c.car.car.asSymbol === Sym.setf, let s = c.car.cadr.asSymbol {
                name = setfLocalName(s)
            } else {
                try rt.signalError(rt.programError("bad local function name \(rt.printString(c.car))"))
            }
            let b = VarBinding(name: name, scope: fs, slot: fs.allocate())
            names.append(name)
            bindings.append(b)
            inner = inner.adding(.function(name, b))
        }
        var makers: [Op] = []
        for (i, d) in defs.enumerated() {
            let blockName: Value = d.car.asSymbol.map { Value($0) } ?? d.car.cadr
            let (fdecls, fbody) = parseBody(d.cddr, allowDoc: true)
            let declForms = fdecls.isEmpty ? Value.null : list(.cons(.symbol(Sym.declare), listFrom(fdecls)))
            let blockBody = Value.cons(.cons(.symbol(Symbol.cl("BLOCK")), .cons(blockName, fbody)), .null)
            let fullBody = listFrom(declForms.listArray, tail: blockBody)
            makers.append(Op(try compileClosure(name: d.car, lambdaList: d.cadr, body: fullBody,
                                                recursive ? inner : env, fs)))
            _ = i
        }
        let bodyCode = try compileBody(body, addFreeSpecials(decls, inner, bound: []), fs, mv: mv)
        let slots = bindings.map { $0.slot }
        if recursive {
            return { (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
                for s in slots { fp[s] = .null }
                var fns: [Value] = []
                for m in makers { fns.append(try m.run(rt, fp)) }
                for (i, s) in slots.enumerated() {
                    (fp + s).setVariable(fns[i])
                }
                return try bodyCode(rt, fp)
            }
        }
        return { (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
            var fns: [Value] = []
            for m in makers { fns.append(try m.run(rt, fp)) }
            for (i, s) in slots.enumerated() { fp[s] = fns[i] }
            return try bodyCode(rt, fp)
        }
    }

    // MARK: macrolet / symbol-macrolet

    func compileMacrolet(_ form: Value, _ env: LexEnv, _ fs: FunctionScope, _ mv: Bool) throws(Unwind) -> Code {
        var inner = env
        for d in form.cadr.listElements {
            guard let name = d.car.asSymbol else { try rt.signalError(rt.programError("bad MACROLET binding")) }
            let expander = try makeMacroFunction(name: name, lambdaList: d.cadr, body: d.cddr, env: env)
            inner = inner.adding(.macro(name, expander))
        }
        let (decls, body) = parseBody(form.cddr, allowDoc: false)
        return try compileBody(body, addFreeSpecials(decls, inner, bound: []), fs, mv: mv)
    }

    func compileSymbolMacrolet(_ form: Value, _ env: LexEnv, _ fs: FunctionScope, _ mv: Bool) throws(Unwind) -> Code {
        var inner = env
        for d in form.cadr.listElements {
            guard let name = d.car.asSymbol else { try rt.signalError(rt.programError("bad SYMBOL-MACROLET binding")) }
            inner = inner.adding(.symbolMacro(name, d.cadr))
        }
        let (decls, body) = parseBody(form.cddr, allowDoc: false)
        return try compileBody(body, addFreeSpecials(decls, inner, bound: []), fs, mv: mv)
    }

    /// Build a macro expander function of (form environment) from a macro lambda list.
    /// Local macro definitions see only the macros (not the variables) of `env`.
    public func makeMacroFunction(name: Symbol, lambdaList: Value, body: Value, env: LexEnv = .empty) throws(Unwind) -> LispFunction {
        let formVar = Value(Symbol(name: "FORM"))
        let envVar = Value(Symbol(name: "ENV"))
        let (decls, forms) = parseBody(body, allowDoc: true)
        let declForm: [Value] = decls.isEmpty ? [] : [.cons(.symbol(Sym.declare), listFrom(decls))]
        let blockForm = Value.cons(.symbol(Symbol.cl("BLOCK")), .cons(Value(name), forms))
        let destructured = try Destructuring.macroLambdaBody(lambdaList, formVar: formVar, envVar: envVar,
                                                             body: listFrom(declForm + [blockForm]), rt: rt)
        let lambda = list(.symbol(Sym.lambda), list(formVar, envVar), destructured)
        let macroEnv = env.onlyMacros()
        let code = try compileFunctionForm(lambda, macroEnv, FunctionScope(parent: nil))
        guard case .function(let f) = try code(rt, rt.sp) else { throw .abortToToplevel }
        f.name = Value(name)
        return f
    }
}

extension LexEnv {
    /// The macro part of an environment (for `macrolet` expanders, which cannot see variables).
    func onlyMacros() -> LexEnv {
        var entries: [Entry] = []
        var e: LexEnv? = self
        while let env = e {
            switch env.entry {
            case .macro, .symbolMacro: entries.append(env.entry)
            default: break
            }
            e = env.parent
        }
        var out = LexEnv.empty
        for en in entries.reversed() { out = out.adding(en) }
        return out
    }
}

extension Sym {
    public static let namedLambda = sys("NAMED-LAMBDA")
}
