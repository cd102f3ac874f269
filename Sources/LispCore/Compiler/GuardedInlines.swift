/// Fast paths for one-argument builtins outside CL, registered by the module that defines them
/// (COMM's state readers, called once or twice per echoed message). CL functions are open-coded
/// unconditionally because they cannot be redefined; these can be, so each call first checks
/// that the symbol still holds the builtin the fast path belongs to, and otherwise (or when the
/// fast path declines, e.g. for an argument of the wrong type) makes the ordinary call.
public struct GuardedUnaryInline {
    /// The builtin, compared by identity.
    let builtin: Unmanaged<LispFunction>
    /// The result for `x`, or nil to leave the call to the builtin (which signals its errors).
    let fast: (Runtime, Value) throws(Unwind) -> Value?
}

/// By symbol identity. Filled while builtins are registered, before any user code compiles.
nonisolated(unsafe) var guardedUnaryInlines: [ObjectIdentifier: GuardedUnaryInline] = [:]

/// Open-code calls of `sym`'s current (builtin) function with one argument as `fast`, as long as
/// `sym` keeps that function. `fast` must agree with the builtin on every value it answers.
public func registerGuardedUnaryInline(_ sym: Symbol, _ fast: @escaping (Runtime, Value) throws(Unwind) -> Value?) {
    guard let f = sym.function else { preconditionFailure("\(sym.name) has no function to guard") }
    // Natives are never freed, so the identity stays valid for the process.
    guardedUnaryInlines[ObjectIdentifier(sym)] = GuardedUnaryInline(builtin: Unmanaged.passUnretained(f), fast: fast)
}

extension Compiler {
    /// `(sym a)` through a registered fast path (see `GuardedUnaryInline`).
    func guardedUnaryCall(_ sym: Symbol, _ g: GuardedUnaryInline, _ a: Operand) -> Code {
        switch a {
        case .slot(let i): return guardedUnaryCall(sym, g, SlotRead(slot: i))
        case .constant(let v): return guardedUnaryCall(sym, g, ConstantRead(value: v))
        case .code, .test: return guardedUnaryCall(sym, g, CodeRead(code: operandCode(a)))
        }
    }

    private func guardedUnaryCall<A: OperandRead>(_ sym: Symbol, _ g: GuardedUnaryInline, _ a: A) -> Code {
        let builtin = g.builtin.toOpaque(), fast = g.fast
        return { (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
            let x = try a.read(rt, fp)
            guard let cell = sym.functionCell else { try rt.undefinedFunction(sym) }
            if cell.toOpaque() == builtin, let r = try fast(rt, x) {
                rt.nvals = 1
                return r
            }
            let base = rt.sp
            base.store(consume x)
            return try cell.callGuaranteed(rt, base, 1)
        }
    }
}
