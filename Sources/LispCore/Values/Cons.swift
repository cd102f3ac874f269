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
    /// so it dies with a NIL `cdr` and no recursion. The successors are moved out with `swap`
    /// (not copied and then overwritten), so unlinking a cell costs no retain and no release:
    /// the only reference count operation per cell is the release that frees it.
    deinit {
        // Most cells dying are ones the loop below unlinked (NIL cdr): leave them unwritten, as
        // a store to `cdr` just before the generated code reads it back to destroy it stalls
        // (a store-to-load forwarding failure: one-byte tag store, wider load).
        guard case .cons = cdr else { return }
        var rest = Value.null
        swap(&rest, &cdr)
        // For the same reason an unlinked cell is freed one step later (when `dying` is
        // overwritten), not at once: by then the write of its `cdr` has left the store buffer.
        // (Measured: reverse micro benchmark -15%; a delay of two steps gains nothing more.)
        var dying: Cons? = nil
        while case .cons(var next) = consume rest {
            guard isKnownUniquelyReferenced(&next) else { return }
            rest = .null
            swap(&rest, &next.cdr)
            dying = consume next
        }
        _ = dying
    }
}

/// A position on a list's spine that holds no reference: moving along the list and reading a
/// cell cost no retain and no release. Valid only while the cells are kept alive by someone else
/// (the caller holds the list's head) and the spine is not cut meanwhile, so walks with a cursor
/// must not run user code; loops that do (dolist, mapcar, :test functions) keep a strong reference
/// to the cell they are on instead.
struct ConsCursor {
    private var cell: Unmanaged<Cons>

    /// A cursor on `list`'s first cons, or nil when `list` is not a cons.
    @inline(__always) init?(_ list: __shared Value) {
        guard case .cons(let c) = list else { return nil }
        cell = Unmanaged.passUnretained(c)
    }

    /// Move to the next cons. At the end of the conses (a NIL or dotted tail) the cursor stays on
    /// the last cons and the result is false.
    @inline(__always) mutating func advance() -> Bool {
        guard let next = cell._withUnsafeGuaranteedRef({ ConsCursor($0.cdr) }) else { return false }
        self = next
        return true
    }

    /// The current cons's car. A fixnum is rebuilt from its payload, skipping the generic
    /// (outlined) enum copy.
    @inline(__always) var car: Value {
        cell._withUnsafeGuaranteedRef { c in
            if case .fixnum(let n) = c.car { return .fixnum(n) }
            return c.car
        }
    }

    /// The current cons's cdr.
    @inline(__always) var cdr: Value { cell._withUnsafeGuaranteedRef { $0.cdr } }

    /// Whether the current cons's cdr is NIL (at the end: whether the list is proper).
    @inline(__always) var cdrIsNil: Bool { cell._withUnsafeGuaranteedRef { $0.cdr.isNil } }

    /// The current cons as a list value (retained: the result is a strong reference).
    @inline(__always) var value: Value { .cons(cell.takeUnretainedValue()) }

    /// Run `body` on the current cons, borrowed (no retain).
    @inline(__always) func withCell<R>(_ body: (Cons) -> R) -> R { cell._withUnsafeGuaranteedRef(body) }
}

extension Value {
    /// Iterate the elements of a proper (or dotted: the tail is ignored) list.
    public var listElements: ListSequence { ListSequence(start: self) }

    /// The elements of a list as an array (dotted tail ignored).
    public var listArray: [Value] {
        var out: [Value] = []
        guard var cur = ConsCursor(self) else { return out }
        repeat { out.append(cur.car) } while cur.advance()
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
