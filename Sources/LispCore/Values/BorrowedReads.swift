/// Reading the object inside a stack or frame slot without taking a reference to it.
///
/// `if case .object(let o) = slot.pointee` followed by a call that Swift cannot see into (a
/// method on another class, a closure) copies `o` out of the slot: a retain before the call and
/// an outlined enum destroy after it, ~70 instructions a pair. On the echo server's path that
/// was a dozen pairs per message in the COMM fast paths alone. A slot that keeps its value for
/// the duration of the work (an argument on the value stack, a variable's frame slot while a
/// fast path that runs no Lisp code reads it) can lend its object instead: these accessors
/// return it `Unmanaged`, and `withGuaranteed` hands it to a body as a guaranteed reference,
/// which Swift passes on without counting.
extension UnsafeMutablePointer where Pointee == Value {
    /// The `.object` payload, unretained; nil for any other value.
    @inlinable @inline(__always) public var borrowedObject: Unmanaged<LispObject>? {
        if case .object(let o) = pointee { return .passUnretained(o) }
        return nil
    }

    /// The `.bytes` payload (an `(unsigned-byte 8)` vector), unretained; nil for any other value.
    @inlinable @inline(__always) public var borrowedBytes: Unmanaged<ByteVector>? {
        if case .bytes(let b) = pointee { return .passUnretained(b) }
        return nil
    }

    /// The `.function` payload, unretained; nil for any other value.
    @inlinable @inline(__always) public var borrowedFunction: Unmanaged<LispFunction>? {
        if case .function(let f) = pointee { return .passUnretained(f) }
        return nil
    }

    /// Puts an uncounted copy of the variable in `source` into this stack slot (releasing what
    /// the slot held before) and returns true; returns false, writing nothing, when `source`
    /// holds a captured variable's box. A lent slot must be handed back with `endLoan()`, or
    /// turned into an ordinary counted value with `ownLoan()`, before anything else stores into
    /// it or the call that lent it ends: `store` would release a reference never taken.
    @inline(__always) func lend(from source: UnsafeMutablePointer<Value>) -> Bool {
        if case .box = source.pointee { return false }
        store(.null)
        UnsafeMutableRawPointer(self).copyMemory(from: UnsafeRawPointer(source), byteCount: MemoryLayout<Value>.size)
        return true
    }

    /// Hands a lent slot back: it holds NIL again, and nothing is released.
    @inline(__always) func endLoan() { initialize(to: .null) }

    /// Turns a lent slot into an ordinary one: the value is retained in place.
    @inline(__always) func ownLoan() {
        let counted = pointee
        initialize(to: counted)
    }

    /// Whether the slot holds a captured variable's box (its value is elsewhere).
    @inlinable @inline(__always) public var holdsBox: Bool {
        if case .box = pointee { return true }
        return false
    }
}

/// Runs `body` with the object `u` refers to as a guaranteed (uncounted) reference. The caller
/// must keep the object alive for the call, as the slot it was borrowed from does.
/// (`_withUnsafeGuaranteedRef` only rethrows untyped errors: the typed error is carried out by
/// hand. Inlinable and always inlined, so `E` and `R` are concrete at every use: called
/// unspecialized from another module it looked up generic metadata on every call.)
@inlinable @inline(__always)
public func withGuaranteed<T: AnyObject, R, E: Error>(_ u: Unmanaged<T>, _ body: (T) throws(E) -> R) throws(E) -> R {
    var failure: E? = nil
    let result: R? = u._withUnsafeGuaranteedRef { (t: T) -> R? in
        do throws(E) { return try body(t) } catch { failure = error; return nil }
    }
    if let failure { throw failure }
    return result.unsafelyUnwrapped
}
