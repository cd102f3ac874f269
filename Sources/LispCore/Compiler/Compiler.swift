/// Compiles macroexpanded Lisp forms into trees of Swift closures (`Code`). Lexical variables
/// are resolved at compile time to frame slots; global functions are reached through their
/// symbol's function cell at call time (so redefinition works).
///
/// Multiple values: every form is compiled with a flag `mv`. In an mv context the generated code
/// leaves `rt.nvals` valid (1 for ordinary forms); function bodies are compiled in mv context so a
/// call always leaves `nvals` valid for its caller.
public final class Compiler {
    unowned let rt: Runtime
    typealias SpecialForm = (Compiler, Value, LexEnv, FunctionScope, Bool) throws(Unwind) -> Code
    /// Wrapped in a struct: a function stored directly in a Dictionary is kept at maximal
    /// abstraction, and the `Code` it returns would come back wrapped in reabstraction thunks.
    struct SpecialFormEntry { let compile: SpecialForm }
    var specialForms: [ObjectIdentifier: SpecialFormEntry] = [:]
    /// > 0 while a lambda body is compiled: only there are compile errors put off until run
    /// time (`DeferredCompileErrors.swift`); a form evaluated directly reports them at once.
    var deferErrorsDepth = 0
    /// How many compile errors have been put off (`compile` reports failure when it grows).
    public var deferredErrorCount = 0
    /// Inline expansions of hot CL functions (arithmetic, car/cdr...) keyed by symbol.
    var inliners: [ObjectIdentifier: InlinerEntry] = [:]
    var testInliners: [ObjectIdentifier: TestInlinerEntry] = [:]
    var fusedIfs: [ObjectIdentifier: FusedIfEntry] = [:]
    var fusedCallArgs: [ObjectIdentifier: FusedArgEntry] = [:]
    var setqInliners: [ObjectIdentifier: SetqInlinerEntry] = [:]
    /// How many assignments of lexical variables have been compiled. A call whose argument
    /// forms compiled none may lend its variable arguments to a native instead of copying them
    /// (`PreparsedKeywordCalls.swift`): nothing evaluated after a variable is read can then
    /// change it. Counted where the code that writes an existing variable's slot is made:
    /// `writeSlot`, `setqCode` (every fused setq), `pushCode`, `%dolist-loop`; a new builder of
    /// such code must count too.
    var localAssignmentsCompiled = 0

    init(runtime: Runtime) {
        rt = runtime
        registerSpecialForms()
        registerInliners()
    }

    public func isSpecialOperator(_ s: Symbol) -> Bool { specialForms[ObjectIdentifier(s)] != nil }

    // MARK: entry points

    /// Compile a top-level form into a thunk that allocates its own frame.
    public func compileTopLevel(_ form: Value, env: LexEnv = .empty) throws(Unwind) -> (Runtime) throws(Unwind) -> Value {
        // `eval` from inside an expander being run for a lambda body reports its own errors
        // directly, like any top-level form (the body's compile then defers them once).
        let savedDepth = deferErrorsDepth
        deferErrorsDepth = 0
        defer { deferErrorsDepth = savedDepth }
        let fs = FunctionScope(parent: nil)
        let code = try compile(form, env, fs, mv: true)
        let (frameSize, captureSlots) = fs.finishCaptures()
        precondition(captureSlots.isEmpty, "top-level form cannot capture")
        return { (rt: Runtime) throws(Unwind) -> Value in
            let fp = rt.sp
            if fp + frameSize >= rt.stackLimit { try rt.stackExhausted() }
            rt.sp = fp + frameSize
            defer { rt.sp = fp }
            return try code(rt, fp)
        }
    }

    // MARK: dispatch

    func compile(_ form: Value, _ env: LexEnv, _ fs: FunctionScope, mv: Bool) throws(Unwind) -> Code {
        switch form {
        case .symbol(let s):
            return try compileSymbol(s, env, fs, mv: mv)
        case .cons(let c):
            return try compileCons(form, c, env, fs, mv: mv)
        default:
            return constant(form, mv: mv)
        }
    }

    func constant(_ v: Value, mv: Bool) -> Code {
        if mv { return { rt, _ in rt.nvals = 1; return v } }
        return { _, _ in v }
    }

    /// Wrap single-valued code so that it sets `nvals` in an mv context.
    @inline(__always) func single(_ code: @escaping Code, mv: Bool) -> Code {
        if !mv { return code }
        return { (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
            let v = try code(rt, fp)
            rt.nvals = 1
            return v
        }
    }

    /// Compile a body; with `effect` its value is not needed, so even the last form is compiled
    /// for effect.
    func compileBody(_ forms: Value, _ env: LexEnv, _ fs: FunctionScope, mv: Bool,
                     effect: Bool = false) throws(Unwind) -> Code {
        let list = forms.listArray
        if list.isEmpty { return constant(.null, mv: mv) }
        if list.count == 1 {
            return effect ? try compileForEffect(list[0], env, fs) : try compile(list[0], env, fs, mv: mv)
        }
        var codes: [Op] = []
        for (i, f) in list.enumerated() {
            if i < list.count - 1 || effect {
                codes.append(Op(try compileForEffect(f, env, fs)))
            } else {
                codes.append(Op(try compile(f, env, fs, mv: mv)))
            }
        }
        if codes.count == 2 {
            let a = codes[0].run, b = codes[1].run
            return { rt, fp in discard(try a(rt, fp), rt); return try b(rt, fp) }
        }
        if codes.count == 3 {
            let a = codes[0].run, b = codes[1].run, c = codes[2].run
            return { rt, fp in discard(try a(rt, fp), rt); discard(try b(rt, fp), rt); return try c(rt, fp) }
        }
        let leading = Array(codes.dropLast()), last = codes.last!.run
        return { (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
            for c in leading { discard(try c.run(rt, fp), rt) }
            return try last(rt, fp)
        }
    }

    /// Compile a form whose value is discarded. `(setq local value)` then stores without
    /// copying the value out again.
    func compileForEffect(_ original: Value, _ env: LexEnv, _ fs: FunctionScope) throws(Unwind) -> Code {
        let form = try expandDeferringErrors(original, env)
        guard case .cons = form else { return try compileExpandedForEffect(form, env, fs) }
        return try deferringErrors(form) { () throws(Unwind) -> Code in try compileExpandedForEffect(form, env, fs) }
    }

    private func compileExpandedForEffect(_ form: Value, _ env: LexEnv, _ fs: FunctionScope) throws(Unwind) -> Code {
        if case .cons(let c) = form, case .symbol(let op) = c.car, op.package === rt.world.cl,
           env.lookupFunction(op) == nil {
            // `(if test a b)` and `(progn ...)` for effect: their parts are for effect too.
            if op === Sym.if_, case .cons(let t) = c.cdr, case .cons(let th) = t.cdr, th.cdr.isList,
               th.cdr.isNil || th.cdr.cdr.isNil {
                let test = try compileTest(t.car, env, fs)
                let then = try compileForEffect(th.car, env, fs)
                if case .cons(let el) = th.cdr {
                    let els = try compileForEffect(el.car, env, fs)
                    return { (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
                        if try test(rt, fp) { discard(try then(rt, fp), rt) } else { discard(try els(rt, fp), rt) }
                        return .null
                    }
                }
                return { (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
                    if try test(rt, fp) { discard(try then(rt, fp), rt) }
                    return .null
                }
            }
            if op === Sym.let_ || op === Sym.letStar, c.cdr.isList {
                return try compileLet(form, env, fs, false, sequential: op === Sym.letStar, effect: true)
            }
            if op === Sym.progn, c.cdr.isList, !c.cdr.isNil {
                let parts = try c.cdr.listArray.map { (f: Value) throws(Unwind) -> Op in Op(try compileForEffect(f, env, fs)) }
                if let seq = sequence(parts[...]) {
                    return { (rt: Runtime, fp: Frame) throws(Unwind) -> Value in try seq(rt, fp); return .null }
                }
            }
        }
        if case .cons(let c) = form, c.car.asSymbol === Sym.setq, case .cons(let a) = c.cdr,
           case .symbol(let s) = a.car, case .cons(let b) = a.cdr, b.cdr.isNil,
           case .variable(_, let binding)? = env.lookupVariable(s), binding.scope === fs {
            let i = binding.slot
            // (setq var (op ...)) with op open-coded: computed and stored in one closure.
            if case .cons(let vc) = b.car, case .symbol(let op) = vc.car, op.package === rt.world.cl,
               let entry = setqInliners[ObjectIdentifier(op)], env.lookupFunction(op) == nil, vc.cdr.isList,
               vc.cdr.listArray.count == entry.arity {
                return entry.build(self, i, try compileOperands(vc.cdr, env, fs))
            }
            return setqCode(i, CodeRead(code: try compile(b.car, env, fs, mv: false)))
        }
        return try compile(form, env, fs, mv: false)
    }

    // MARK: variables

    func compileSymbol(_ s: Symbol, _ env: LexEnv, _ fs: FunctionScope, mv: Bool) throws(Unwind) -> Code {
        if s.isKeyword || s === Symbol.T { return constant(.symbol(s), mv: mv) }
        if s === Symbol.NIL { return constant(.null, mv: mv) }
        switch env.lookupVariable(s) {
        case .variable(_, let b)?:
            return readSlot(fs.reference(to: b), mv: mv)
        case .symbolMacro(_, let expansion)?:
            return try compile(expansion, env, fs, mv: mv)
        case .special?:
            return single(readSpecial(s), mv: mv)
        default:
            if let exp = s.symbolMacro { return try compile(exp, env, fs, mv: mv) }
            if s.isConstant, let v = s.value { return constant(v, mv: mv) }
            return single(readSpecial(s), mv: mv)
        }
    }

    func readSlot(_ ref: SlotRef, mv: Bool = false) -> Code {
        switch ref {
        case .local(let i):
            if mv {
                return { rt, fp in
                    rt.nvals = 1
                    let v = fp[i]
                    if case .box(let b) = v { return b.value }
                    return v
                }
            }
            return { _, fp in
                let v = fp[i]
                if case .box(let b) = v { return b.value }
                return v
            }
        case .captured(let r):
            return { rt, fp in
                if mv { rt.nvals = 1 }
                if case .box(let b) = fp[r.slot] { return b.value }
                return fp[r.slot]
            }
        }
    }

    func writeSlot(_ ref: SlotRef, _ value: @escaping Code) -> Code {
        localAssignmentsCompiled += 1
        switch ref {
        case .local(let i):
            return { (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
                let v = try value(rt, fp)
                (fp + i).setVariable(v)
                return v
            }
        case .captured(let r):
            return { (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
                let v = try value(rt, fp)
                (fp + r.slot).setVariable(v)
                return v
            }
        }
    }

    func readSpecial(_ s: Symbol) -> Code {
        return { rt, _ in
            if let v = s.value { return v }
            try rt.signalError(rt.unboundVariableCondition(s))
        }
    }

    // MARK: forms

    /// A compound form; inside a lambda body a compile error in it becomes code that signals the
    /// error when the form runs (`deferringErrors`), so only the innermost failing form is lost.
    func compileCons(_ form: Value, _ c: Cons, _ env: LexEnv, _ fs: FunctionScope, mv: Bool) throws(Unwind) -> Code {
        // Nested forms count against the call-depth limit like calls (an anonymous frame in the
        // backtrace), so a macro whose expansion contains itself forever is a storage-condition,
        // not a native stack overflow.
        let d = rt.depth + 1
        if d > rt.maxDepth { try rt.stackExhausted() }
        rt.depth = d
        rt.callStack[d] = nil
        defer { rt.depth = d - 1 }
        return try deferringErrors(form) { () throws(Unwind) -> Code in try compileConsForm(form, c, env, fs, mv: mv) }
    }

    private func compileConsForm(_ form: Value, _ c: Cons, _ env: LexEnv, _ fs: FunctionScope, mv: Bool) throws(Unwind) -> Code {
        if case .symbol(let op) = c.car {
            if let sf = specialForms[ObjectIdentifier(op)] {
                return try sf.compile(self, form, env, fs, mv)
            }
            switch env.lookupFunction(op) {
            case .function(_, let b)?:
                let fnCode = readSlot(fs.reference(to: b))
                let args = try compileArgs(c.cdr, env, fs)
                return funcallCode(fnCode, args, name: op)
            case .macro(_, let expander)?:
                let expansion = try rt.funcall(expander, form, .object(EnvironmentObject(env)))
                return try compile(expansion, env, fs, mv: mv)
            default:
                if let m = op.macro {
                    let expansion = try rt.funcall(m, form, .object(EnvironmentObject(env)))
                    return try compile(expansion, env, fs, mv: mv)
                }
                if let inl = inliners[ObjectIdentifier(op)], op.package === rt.world.cl || op.package === rt.world.system {
                    let operands = try compileOperands(c.cdr, env, fs)
                    if let code = inl.expand(self, operands, mv) { return code }
                    return globalCall(op, operands: operands, mv: mv)
                }
                // (f (op var constant)): the argument's open-coded operation runs inside the call.
                if case .cons(let argList) = c.cdr, argList.cdr.isNil, case .cons(let arg) = argList.car,
                   case .symbol(let argOp) = arg.car, argOp.package === rt.world.cl,
                   let fused = fusedCallArgs[ObjectIdentifier(argOp)], env.lookupFunction(argOp) == nil {
                    let operands = try compileOperands(arg.cdr, env, fs)
                    if let code = fused.build(self, op, operands) { return code }
                    let single = inliners[ObjectIdentifier(argOp)]?.expand(self, operands, false)
                        ?? globalCall(argOp, operands: operands, mv: false)
                    return globalCall(op, [Op(single)], mv: mv)
                }
                let assignmentsBefore = localAssignmentsCompiled
                let operands = try compileOperands(c.cdr, env, fs)
                if operands.count == 1, let g = guardedUnaryInlines[ObjectIdentifier(op)] {
                    return guardedUnaryCall(op, g, operands[0])
                }
                if let p = preparsedKeywordCalls[ObjectIdentifier(op)],
                   let code = preparsedKeywordCall(op, p, operands, lendVariables: localAssignmentsCompiled == assignmentsBefore) {
                    return code
                }
                return globalCall(op, operands: operands, mv: mv)
            }
        }
        if case .cons(let lc) = c.car, lc.car.asSymbol === Sym.lambda {
            let fnCode = try compileFunctionForm(c.car, env, fs)
            let args = try compileArgs(c.cdr, env, fs)
            return funcallCode(fnCode, args, name: Sym.lambda)
        }
        try rt.signalError(rt.programError("illegal function call: \(rt.printString(form))"))
    }

    func compileArgs(_ args: Value, _ env: LexEnv, _ fs: FunctionScope) throws(Unwind) -> [Op] {
        var out: [Op] = []
        var p = args
        while case .cons(let c) = p {
            out.append(Op(try compile(c.car, env, fs, mv: false)))
            p = c.cdr
        }
        if !p.isNil { try rt.signalError(rt.programError("dotted argument list in a call")) }
        return out
    }

    /// A call through a symbol's global function cell, specialised by argument count. The cell is
    /// read unretained (`Symbol.functionCell`), so the call does no reference counting.
    func globalCall(_ sym: Symbol, _ args: [Op], mv: Bool) -> Code {
        switch args.count {
        case 0:
            return { rt, _ in
                guard let cell = sym.functionCell else { try rt.undefinedFunction(sym) }
                return try cell.callGuaranteed(rt, rt.sp, 0)
            }
        case 1: return globalCall1(sym, CodeRead(code: args[0].run))
        case 2: return globalCall2(sym, CodeRead(code: args[0].run), CodeRead(code: args[1].run))
        case 3:
            let a0 = args[0].run, a1 = args[1].run, a2 = args[2].run
            return { (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
                let x = try a0(rt, fp)
                let y = try a1(rt, fp)
                let z = try a2(rt, fp)
                guard let cell = sym.functionCell else { try rt.undefinedFunction(sym) }
                let base = rt.sp
                (base + 0).store(consume x)
                (base + 1).store(consume y)
                (base + 2).store(consume z)
                return try cell.callGuaranteed(rt, base, 3)
            }
        case 4...8:
            // Calls with one to three keyword pairs (the COMM functions' usual shape). The
            // closures are captured lets: calling one taken from an array retains and releases
            // its context per call (callgrind: 3 reference-count calls per argument).
            let a0 = args[0].run, a1 = args[1].run, a2 = args[2].run, a3 = args[3].run
            let n = args.count
            let a4 = n >= 5 ? args[4].run : a3, a5 = n >= 6 ? args[5].run : a3
            let a6 = n >= 7 ? args[6].run : a3, a7 = n == 8 ? args[7].run : a3
            return { (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
                let base = rt.sp
                if base + n >= rt.stackLimit { try rt.stackExhausted() }
                // Each argument is parked above the caller's frame before the next is computed.
                (base + 0).store(try a0(rt, fp)); rt.sp = base + 1
                (base + 1).store(try a1(rt, fp)); rt.sp = base + 2
                (base + 2).store(try a2(rt, fp)); rt.sp = base + 3
                (base + 3).store(try a3(rt, fp))
                if n >= 5 {
                    rt.sp = base + 4; (base + 4).store(try a4(rt, fp))
                    if n >= 6 {
                        rt.sp = base + 5; (base + 5).store(try a5(rt, fp))
                        if n >= 7 {
                            rt.sp = base + 6; (base + 6).store(try a6(rt, fp))
                            if n == 8 { rt.sp = base + 7; (base + 7).store(try a7(rt, fp)) }
                        }
                    }
                }
                rt.sp = base
                guard let cell = sym.functionCell else { try rt.undefinedFunction(sym) }
                return try cell.callGuaranteed(rt, base, n)
            }
        default:
            return { (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
                let base = rt.sp
                if base + args.count >= rt.stackLimit { try rt.stackExhausted() }
                for (i, a) in args.enumerated() {
                    let v = try a.run(rt, fp)
                    (base + i).store(consume v)
                    rt.sp = base + i + 1
                }
                rt.sp = base
                guard let cell = sym.functionCell else { try rt.undefinedFunction(sym) }
                return try cell.callGuaranteed(rt, base, args.count)
            }
        }
    }

    /// A global call of classified arguments (`compileOperands`): with one or two, local
    /// variables and constants are read in place by the call itself, not through a closure each.
    func globalCall(_ sym: Symbol, operands: [Operand], mv: Bool) -> Code {
        switch operands.count {
        case 1: return globalCall1(sym, operands[0])
        case 2: return globalCall2(sym, operands[0], operands[1])
        default: return globalCall(sym, operands.map { Op(operandCode($0)) }, mv: mv)
        }
    }

    func globalCall1(_ sym: Symbol, _ a: Operand) -> Code {
        switch a {
        case .slot(let i): return globalCall1(sym, SlotRead(slot: i))
        case .constant(let v): return globalCall1(sym, ConstantRead(value: v))
        case .code, .test: return globalCall1(sym, CodeRead(code: operandCode(a)))
        }
    }

    func globalCall2(_ sym: Symbol, _ a: Operand, _ b: Operand) -> Code {
        switch a {
        case .slot(let i): return globalCall2(sym, SlotRead(slot: i), b)
        case .constant(let v): return globalCall2(sym, ConstantRead(value: v), b)
        case .code, .test: return globalCall2(sym, CodeRead(code: operandCode(a)), b)
        }
    }

    private func globalCall2<A: OperandRead>(_ sym: Symbol, _ a: A, _ b: Operand) -> Code {
        switch b {
        case .slot(let i): return globalCall2(sym, a, SlotRead(slot: i))
        case .constant(let v): return globalCall2(sym, a, ConstantRead(value: v))
        case .code, .test: return globalCall2(sym, a, CodeRead(code: operandCode(b)))
        }
    }

    /// A two-argument global call with its arguments read in place (see `globalCall1`).
    private func globalCall2<A: OperandRead, B: OperandRead>(_ sym: Symbol, _ a: A, _ b: B) -> Code {
        return { (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
            let x = try a.read(rt, fp)
            let y = try b.read(rt, fp)
            guard let cell = sym.functionCell else { try rt.undefinedFunction(sym) }
            let base = rt.sp
            (base + 0).store(consume x)
            (base + 1).store(consume y)
            return try cell.callGuaranteed(rt, base, 2)
        }
    }

    /// A one-argument global call whose argument is read by `a` (an open-coded operation).
    func globalCall1<A: OperandRead>(_ sym: Symbol, _ a: A) -> Code {
        return { (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
            let x = try a.read(rt, fp)
            guard let cell = sym.functionCell else { try rt.undefinedFunction(sym) }
            let base = rt.sp
            base.store(consume x)
            return try cell.callGuaranteed(rt, base, 1)
        }
    }

    /// A call of a function value computed by `fnCode` (local functions, lambda forms, funcall).
    func funcallCode(_ fnCode: @escaping Code, _ args: [Op], name: Symbol) -> Code {
        return { (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
            let f = try fnCode(rt, fp)
            let base = rt.sp
            if base + args.count >= rt.stackLimit { try rt.stackExhausted() }
            for (i, a) in args.enumerated() {
                let v = try a.run(rt, fp)
                base[i] = v
                rt.sp = base + i + 1
            }
            rt.sp = base
            guard case .function(let fn) = f else { try rt.typeError(f, "FUNCTION") }
            return try rt.invoke(fn, base, args.count)
        }
    }

    // MARK: macroexpansion

    /// `macroexpand-1` in a compile-time environment.
    public func macroexpand1(_ form: Value, _ env: LexEnv) throws(Unwind) -> (Value, Bool) {
        switch form {
        case .cons(let c):
            guard case .symbol(let op) = c.car else { return (form, false) }
            switch env.lookupFunction(op) {
            case .macro(_, let f)?:
                return (try rt.funcall(f, form, .object(EnvironmentObject(env))), true)
            case .function?:
                return (form, false)
            default:
                if let m = op.macro, specialForms[ObjectIdentifier(op)] == nil {
                    return (try rt.funcall(m, form, .object(EnvironmentObject(env))), true)
                }
                return (form, false)
            }
        case .symbol(let s):
            switch env.lookupVariable(s) {
            case .symbolMacro(_, let e)?: return (e, true)
            case .variable?, .special?: return (form, false)
            default:
                if let e = s.symbolMacro { return (e, true) }
                return (form, false)
            }
        default:
            return (form, false)
        }
    }

    public func macroexpand(_ form: Value, _ env: LexEnv) throws(Unwind) -> (Value, Bool) {
        var f = form
        var expanded = false
        while true {
            let (e, did) = try macroexpand1(f, env)
            if !did { return (f, expanded) }
            expanded = true
            f = e
        }
    }
}

extension Runtime {
    public func undefinedFunction(_ s: Symbol) throws(Unwind) -> Never {
        let c = makeCondition(StandardConditions.undefinedFunction, message: "The function \(printString(.symbol(s))) is undefined.")
        c.slots[World.shared.system.internExternal("NAME")] = Value(s)
        try signalError(c)
    }

    public func unboundVariableCondition(_ s: Symbol) -> LispCondition {
        let c = makeCondition(StandardConditions.unboundVariable, message: "The variable \(printString(Value(s))) is unbound.")
        c.slots[World.shared.system.internExternal("NAME")] = Value(s)
        return c
    }

    /// Evaluate a form in the null lexical environment.
    public func eval(_ form: Value) throws(Unwind) -> Value {
        let thunk = try compiler.compileTopLevel(form)
        return try thunk(self)
    }
}
