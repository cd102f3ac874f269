/// `dotimes` and `dolist` loops run by a Swift `while` loop instead of a `tagbody`.
///
/// The macros bind their variables with an ordinary `let` (so declarations, closures capturing
/// the variable and the result form behave as before) and then hand the iteration itself to one
/// of two internal special forms:
///
///     (sys::%dotimes-loop VAR COUNT-VAR . STATEMENTS)   ; while VAR < COUNT: STATEMENTS, VAR := VAR + 1
///     (sys::%dolist-loop VAR LIST-VAR . STATEMENTS)     ; while LIST-VAR is a cons: VAR := its car,
///                                                       ;   LIST-VAR := its cdr, STATEMENTS
///
/// Compiled here, a `dotimes` iteration costs its statements, one compare and one add on the
/// fixnums in the frame, and a `dolist` iteration its statements plus a car and a cdr: the test,
/// the step and the jump back, each a closure call in the `tagbody` form, cost nothing extra.
/// Anything unusual — a special variable, a non-fixnum count, a variable the body rebound to a
/// non-fixnum, a dotted list — takes the general path, which is exactly the `tagbody` the macros
/// used to produce (`(if (>= var n) (go end))`, `(setq var (1+ var))`, `endp`), so errors and
/// results are unchanged. STATEMENTS contain no tags (the macros wrap a body with tags in its
/// own `tagbody`).
extension Compiler {
    /// The frame slot of `s` if it is a lexical variable of the current function.
    private func localSlot(_ s: Value, _ env: LexEnv, _ fs: FunctionScope) -> Int? {
        guard case .symbol(let sym) = s, case .variable(_, let b)? = env.lookupVariable(sym), b.scope === fs else {
            return nil
        }
        return b.slot
    }

    /// The equivalent `tagbody`, for the cases the fast loops do not take.
    private func loopAsTagbody(test: Value, step: [Value], body: Value, _ env: LexEnv, _ fs: FunctionScope,
                               _ mv: Bool) throws(Unwind) -> Code {
        let top = Value.symbol(Symbol(name: "TOP")), end = Value.symbol(Symbol(name: "END"))
        let exitTest = list(.symbol(Sym.if_), test, list(.symbol(Symbol.cl("GO")), end))
        let forms = [top, exitTest] + body.listArray + step + [list(.symbol(Symbol.cl("GO")), top), end]
        return try compile(.cons(Cons.make(.symbol(Symbol.cl("TAGBODY")), listFrom(forms))), env, fs, mv: mv)
    }

    func compileDotimesLoop(_ form: Value, _ env: LexEnv, _ fs: FunctionScope, _ mv: Bool) throws(Unwind) -> Code {
        try checkArgs(form, 2, -1)
        let v = form.cadr, n = form.caddr, body = form.cddr.cdr
        let test = list(.symbol(Symbol.cl(">=")), v, n)
        let increment = list(.symbol(Sym.setq), v, list(.symbol(Symbol.cl("1+")), v))
        let integerCheck = list(.symbol(Symbol.cl("CHECK-TYPE")), n, .symbol(Symbol.cl("INTEGER")))
        guard let vs = localSlot(v, env, fs), let ns = localSlot(n, env, fs) else {
            let loop = try loopAsTagbody(test: test, step: [increment], body: body, env, fs, mv)
            let check = try compileForEffect(integerCheck, env, fs)
            return { (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
                discard(try check(rt, fp), rt)
                return try loop(rt, fp)
            }
        }
        let statements = try compileBody(body, env, fs, mv: false, effect: true)
        let generalTest = try compileTest(test, env, fs)
        let integerType = Value.symbol(Symbol.cl("INTEGER"))
        let generalIncrement = try compileForEffect(increment, env, fs)
        return { (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
            switch fp[ns] {
            case .fixnum, .bignum: break
            default: try rt.typeError(fp[ns], spec: integerType)     // as SBCL: the count must be an integer
            }
            while true {
                if case .fixnum(let i) = fp[vs], case .fixnum(let k) = fp[ns] {
                    if i >= k { break }
                } else if try generalTest(rt, fp) {
                    break
                }
                discard(try statements(rt, fp), rt)
                if case .fixnum(let i) = fp[vs], i < Int.max {
                    (fp + vs).initialize(to: .fixnum(i + 1))     // the old value is a fixnum: nothing to release
                } else {
                    discard(try generalIncrement(rt, fp), rt)
                }
                if rt.interruptRequested { try rt.checkInterrupt() }
            }
            if mv { rt.nvals = 1 }
            return .null
        }
    }

    func compileDolistLoop(_ form: Value, _ env: LexEnv, _ fs: FunctionScope, _ mv: Bool) throws(Unwind) -> Code {
        try checkArgs(form, 2, -1)
        let v = form.cadr, p = form.caddr, body = form.cddr.cdr
        guard let vs = localSlot(v, env, fs), let ps = localSlot(p, env, fs) else {
            let test = list(.symbol(Symbol.cl("ENDP")), p)
            let setVar = list(.symbol(Sym.setq), v, list(.symbol(Symbol.cl("CAR")), p))
            let advance = list(.symbol(Sym.setq), p, list(.symbol(Symbol.cl("CDR")), p))
            // Both steps come before the body (see below).
            return try loopAsTagbody(test: test, step: [], body: .cons(Cons.make(setVar, .cons(Cons.make(advance, body)))), env, fs, mv)
        }
        // The loop assigns both variables in place (not through setq): counted as assignments
        // for the calls whose arguments it may appear in (`localAssignmentsCompiled`).
        localAssignmentsCompiled += 1
        let statements = try compileBody(body, env, fs, mv: false, effect: true)
        let endp = Symbol.cl("ENDP")
        /// The step when the slot does not hold a cons: false at the end of the list (or after
        /// signalling the type-error of a dotted list).
        @inline(never) func stepGeneral(_ rt: Runtime, _ fp: Frame) throws(Unwind) -> Bool {
            switch fp[ps] {
            case .null: return false
            case .box(let b):
                // Only if the list variable were captured (the macros' is a fresh gensym).
                guard case .cons(let c) = b.value else {
                    _ = try rt.callBuiltin(endp, b.value)     // NIL, or the type-error of a dotted list
                    return false
                }
                (fp + vs).store(c.car)
                b.value = c.cdr
                return true
            default:
                _ = try rt.callBuiltin(endp, fp[ps])     // signals the type-error of a dotted list
                return false
            }
        }
        return { (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
            let list = fp + ps
            while true {
                if case .cons = list.pointee {
                    // The common case, a cons in the slot itself. The slot's reference to the
                    // cell is moved out and the cdr moved in: one retain (of the next cell) and
                    // one release (of this one) per step, no copies of the cell reference.
                    let taken = list.move()
                    guard case .cons(let cell) = consume taken else { preconditionFailure("not a cons") }
                    // The step is taken before the body, as SBCL does: a body that cuts the list
                    // after the current element still sees the elements it had.
                    list.initialize(to: cell.cdr)
                    // A fresh binding each iteration, as SBCL does: a closure made in an earlier
                    // iteration keeps its own box, so the slot is overwritten, not the box.
                    if case .fixnum(let n) = cell.car { (fp + vs).store(.fixnum(n)) } else { (fp + vs).store(cell.car) }
                } else if try !stepGeneral(rt, fp) {
                    if mv { rt.nvals = 1 }
                    return .null
                }
                discard(try statements(rt, fp), rt)
                if rt.interruptRequested { try rt.checkInterrupt() }
            }
        }
    }
}
