/// A mutable cons cell. Conses are classes (not `indirect` enum payloads) because Common Lisp
/// needs `rplaca`, identity (`eq`) and shared or circular structure.
public final class Cons {
    public var car: Value
    public var cdr: Value
    @inline(__always) public init(_ car: __owned Value, _ cdr: __owned Value) {
        self.car = car
        self.cdr = cdr
    }

    /// Free a list's spine iteratively. The default deinit would release `cdr`, whose deinit
    /// releases its `cdr`, and so on: one native stack frame per element, which overflows the
    /// stack on long lists and is slow. Here each uniquely owned successor is unlinked first,
    /// so it dies with a NIL `cdr` and no recursion.
    deinit {
        guard case .cons(var next) = cdr else { return }
        cdr = .null
        while isKnownUniquelyReferenced(&next) {
            guard case .cons(let after) = next.cdr else { return }
            next.cdr = .null
            next = after
        }
    }
}

extension Value {
    /// Iterate the elements of a proper (or dotted: the tail is ignored) list.
    public var listElements: ListSequence { ListSequence(start: self) }

    /// The elements of a list as an array (dotted tail ignored).
    public var listArray: [Value] {
        var out: [Value] = []
        var p = self
        while case .cons(let c) = p { out.append(c.car); p = c.cdr }
        return out
    }

    @inline(__always) public var car: Value {
        if case .cons(let c) = self { return c.car }
        return .null
    }
    @inline(__always) public var cdr: Value {
        if case .cons(let c) = self { return c.cdr }
        return .null
    }
    public var cadr: Value { cdr.car }
    public var cddr: Value { cdr.cdr }
    public var caddr: Value { cdr.cdr.car }
}

/// `for x in list.listElements` over the cars of a list.
public struct ListSequence: Sequence, IteratorProtocol {
    var current: Value
    init(start: Value) { current = start }
    public mutating func next() -> Value? {
        if case .cons(let c) = current {
            current = c.cdr
            return c.car
        }
        return nil
    }
}
