/// A Lisp object. Immediates (fixnums, floats, characters) are stored inline; everything else is a
/// reference to a `final class` payload. `NIL` — both the symbol and the empty list — is the
/// dedicated case `.null` so that the hottest test in the interpreter, "is this false?", is a tag
/// compare. Code that needs the NIL *symbol* object uses `Value.asSymbol` which maps `.null` to it.
///
/// `.box` is internal plumbing of the compiler (a captured, mutable lexical variable living in a
/// frame slot); it never escapes into user-visible values.
public enum Value {
    case null
    case fixnum(Int)
    case single(Float)
    case double(Double)
    case character(Unicode.Scalar)
    case cons(Cons)
    case symbol(Symbol)
    case string(LispString)
    case vector(LispVector)
    case bytes(ByteVector)
    case function(LispFunction)
    case bignum(LispBignum)
    case ratio(LispRatio)
    case object(LispObject)
    case box(Box)
}

/// A heap cell holding a captured lexical variable, shared by every closure that captured it.
public final class Box {
    public var value: Value
    public init(_ value: Value) { self.value = value }
}

extension Value {
    /// The symbol `T`.
    public static var t: Value { .symbol(Symbol.T) }

    /// CL generalized boolean.
    @inline(__always) public static func bool(_ b: Bool) -> Value { b ? .symbol(Symbol.T) : .null }

    /// True for everything except NIL.
    @inline(__always) public var isTrue: Bool {
        if case .null = self { return false }
        return true
    }
    @inline(__always) public var isNil: Bool {
        if case .null = self { return true }
        return false
    }

    /// The symbol this value is, with NIL mapped to the NIL symbol object; nil for non-symbols.
    public var asSymbol: Symbol? {
        switch self {
        case .symbol(let s): return s
        case .null: return Symbol.NIL
        default: return nil
        }
    }

    /// Wrap a symbol as a value (the NIL symbol becomes `.null`).
    @inline(__always) public init(_ s: Symbol) { self = s === Symbol.NIL ? .null : .symbol(s) }

    public init(_ string: String) { self = .string(LispString(string)) }

    public var isList: Bool {
        switch self {
        case .null, .cons: return true
        default: return false
        }
    }
    public var isNumber: Bool {
        switch self {
        case .fixnum, .single, .double, .bignum, .ratio: return true
        default: return false
        }
    }
    public var isInteger: Bool {
        switch self {
        case .fixnum, .bignum: return true
        default: return false
        }
    }

    /// `(cons car cdr)`
    @inline(__always) public static func cons(_ a: Value, _ d: Value) -> Value { .cons(Cons.make(a, d)) }
}

/// Build a proper list from Swift values.
public func list(_ items: Value...) -> Value { listFrom(items) }

/// A two-element list, without the variadic array (the reader's `'x`, `` `x`` and `,x`).
public func list(_ a: Value, _ b: Value) -> Value { .cons(Cons.make(a, .cons(Cons.make(b, .null)))) }

/// Build a proper list from a Swift collection, optionally with a non-NIL tail.
public func listFrom<C: BidirectionalCollection>(_ items: C, tail: Value = .null) -> Value where C.Element == Value {
    var result = tail
    for v in items.reversed() { result = .cons(Cons.make(v, result)) }
    return result
}

extension UnsafeMutablePointer where Pointee == Value {
    /// Store `v` into this stack slot. When the old value is an immediate (NIL, fixnum, float,
    /// character) it is simply overwritten, skipping the generic enum destroy: the hot path of
    /// argument passing and variable assignment.
    @inline(__always) public func store(_ v: __owned Value) {
        switch pointee {
        case .null, .fixnum, .single, .double, .character: initialize(to: consume v)
        default: pointee = consume v
        }
    }

    /// Assign `v` to the lexical variable in this frame slot: into its box when a closure has
    /// captured it (the slot then holds the shared `Box`), else into the slot itself.
    @inline(__always) public func setVariable(_ v: __owned Value) {
        if case .box(let b) = pointee { b.value = v } else { store(v) }
    }
}

/// Drop a value that is not needed (the result of a statement evaluated for effect). Immediates
/// are recognised inline, so only references pay for the generic enum destroy.
@inline(__always) public func discard(_ v: __owned Value, _ rt: Runtime) {
    var trivial: Bool
    switch v {
    case .null, .fixnum, .single, .double, .character: trivial = true
    default: trivial = false
    }
    // Moving an immediate into the scratch slot ends its lifetime without the outlined enum
    // destroy (the slot is never deinitialized; immediates own nothing).
    if trivial { rt.discardSlot.initialize(to: v) }
}
