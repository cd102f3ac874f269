/// `(or a b ...)` and `(and a b ...)` compiled for their truth value only, as the short-circuit
/// of their operands' tests. The macro expansion of OR binds each value to a fresh variable
/// (`(let ((#:g a)) (if #:g #:g (or b ...)))`) because OR must return it; a test needs only
/// the truth, so `(when (or (null out) (< (length out) n)) ...)` costs two tests instead of a
/// LET frame, a slot store and a closure call per operand. Evaluation order and short-circuit
/// are those of the macros.
///
/// A lexical variable as a test (`(if out ...)`, `(null out)`) looks at its slot in place: no
/// copy of the value (a retain and a release for an object) just to compare it with NIL.
extension Compiler {
    /// The in-place truth test of a lexical variable, or nil when `form` is not one.
    func variableTest(_ form: Value, _ env: LexEnv, _ fs: FunctionScope) -> TestCode? {
        guard case .symbol(let s) = form, case .variable(_, let b)? = env.lookupVariable(s) else { return nil }
        switch fs.reference(to: b) {
        case .local(let slot):
            return { (_: Runtime, fp: Frame) throws(Unwind) -> Bool in slotIsTrue(fp, slot) }
        case .captured(let r):
            // The captured slot's index is fixed only when the frame is laid out: read it then.
            return { (_: Runtime, fp: Frame) throws(Unwind) -> Bool in slotIsTrue(fp, r.slot) }
        }
    }

    /// The test for an OR/AND form, or nil when `form` is not one (or OR/AND is shadowed by a
    /// local macro or function, or the argument list is dotted: the macro reports that).
    func connectiveTest(_ form: Value, _ env: LexEnv, _ fs: FunctionScope) throws(Unwind) -> TestCode? {
        guard case .cons(let c) = form, case .symbol(let op) = c.car,
              op === Sym.or || op === Sym.and, op.macro != nil, env.lookupFunction(op) == nil
        else { return nil }
        var p = c.cdr
        while case .cons(let arg) = p { p = arg.cdr }
        guard p.isNil else { return nil }
        return try chainTest(c.cdr, isOr: op === Sym.or, env, fs)
    }

    /// The operands' tests chained from the first: OR stops at a true one, AND at a false one.
    /// Built as nested closures rather than a loop over an array: a closure taken out of an
    /// array is called through a reabstraction thunk.
    private func chainTest(_ operands: Value, isOr: Bool, _ env: LexEnv, _ fs: FunctionScope) throws(Unwind) -> TestCode {
        guard case .cons(let c) = operands else {
            return isOr ? { _, _ in false } : { _, _ in true }
        }
        let first = try compileTest(c.car, env, fs)
        if c.cdr.isNil { return first }
        let rest = try chainTest(c.cdr, isOr: isOr, env, fs)
        if isOr {
            return { (rt: Runtime, fp: Frame) throws(Unwind) -> Bool in
                if try first(rt, fp) { return true }
                return try rest(rt, fp)
            }
        }
        return { (rt: Runtime, fp: Frame) throws(Unwind) -> Bool in
            if try first(rt, fp) { return try rest(rt, fp) }
            return false
        }
    }
}

/// Whether a variable's slot holds a true value, looking through a closure box, without copying it.
@inline(__always)
private func slotIsTrue(_ fp: Frame, _ slot: Int) -> Bool {
    switch fp[slot] {
    case .null: return false
    case .box(let box): return box.value.isTrue
    default: return true
    }
}
