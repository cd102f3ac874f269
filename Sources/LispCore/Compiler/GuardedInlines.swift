/// Fast paths for one-argument builtins outside CL, registered by the module that defines them
/// (COMM's state readers, called once or twice per echoed message). CL functions are open-coded
/// unconditionally because they cannot be redefined; these can be, so each call first checks
/// that the symbol still holds the builtin the fast path belongs to, and otherwise (or when the
/// fast path declines, e.g. for an argument of the wrong type) makes the ordinary call.
public struct GuardedUnaryInline {
    /// The builtin, compared by identity.
    let builtin: Unmanaged<LispFunction>
    /// The result for the argument in the slot given, or nil to leave the call to the builtin
    /// (which signals its errors). The slot keeps its value while `fast` runs, so `fast` may
    /// borrow the object in it (`borrowedObject`) instead of copying it out. It may signal
    /// errors (the stack pointer is above the slot), but must not call Lisp functions that
    /// could assign the variable the slot belongs to.
    let fast: GuardedUnaryFast
}

/// A guarded fast path: the builtin's work on the argument in a value slot, or nil.
public typealias GuardedUnaryFast = (Runtime, UnsafeMutablePointer<Value>) throws(Unwind) -> Value?

/// By symbol identity. Filled while builtins are registered, before any user code compiles.
nonisolated(unsafe) var guardedUnaryInlines: [ObjectIdentifier: GuardedUnaryInline] = [:]

/// Open-code calls of `sym`'s current (builtin) function with one argument as `fast`, as long as
/// `sym` keeps that function. `fast` must agree with the builtin on every value it answers.
public func registerGuardedUnaryInline(_ sym: Symbol, _ fast: @escaping GuardedUnaryFast) {
    guard let f = sym.function else { preconditionFailure("\(sym.name) has no function to guard") }
    // Natives are never freed, so the identity stays valid for the process.
    guardedUnaryInlines[ObjectIdentifier(sym)] = GuardedUnaryInline(builtin: Unmanaged.passUnretained(f), fast: fast)
}

extension Compiler {
    /// `(sym a)` through a registered fast path (see `GuardedUnaryInline`).
    func guardedUnaryCall(_ sym: Symbol, _ g: GuardedUnaryInline, _ a: Operand) -> Code {
        switch a {
        case .slot(let i): return guardedUnarySlotCall(sym, g, i)
        case .constant(let v): return guardedUnaryCall(sym, g, ConstantRead(value: v))
        case .code, .test: return guardedUnaryCall(sym, g, CodeRead(code: operandCode(a)))
        }
    }

    /// `(sym variable)`: the fast path reads the variable's own slot, with no copy of its value
    /// (a captured variable's slot holds its box: that takes the ordinary call).
    private func guardedUnarySlotCall(_ sym: Symbol, _ g: GuardedUnaryInline, _ slot: Int) -> Code {
        let builtin = g.builtin.toOpaque(), fast = g.fast
        return { (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
            guard let cell = sym.functionCell else { try rt.undefinedFunction(sym) }
            let p = fp + slot
            if cell.toOpaque() == builtin, !p.holdsBox, let r = try fast(rt, p) {
                rt.nvals = 1
                return r
            }
            let base = rt.sp
            base.store(try SlotRead(slot: slot).read(rt, fp))
            return try cell.callGuaranteed(rt, base, 1)
        }
    }

    /// Any other argument is computed into its place on the value stack, where the fast path
    /// reads it and the ordinary call would find it.
    private func guardedUnaryCall<A: OperandRead>(_ sym: Symbol, _ g: GuardedUnaryInline, _ a: A) -> Code {
        let builtin = g.builtin.toOpaque(), fast = g.fast
        return { (rt: Runtime, fp: Frame) throws(Unwind) -> Value in
            let x = try a.read(rt, fp)
            guard let cell = sym.functionCell else { try rt.undefinedFunction(sym) }
            let base = rt.sp
            base.store(consume x)
            if cell.toOpaque() == builtin {
                // Above the argument while the fast path runs: a handler of an error it signals
                // builds its frames higher up.
                rt.sp = base + 1
                defer { rt.sp = base }
                if let r = try fast(rt, base) {
                    rt.nvals = 1
                    return r
                }
            }
            return try cell.callGuaranteed(rt, base, 1)
        }
    }
}
