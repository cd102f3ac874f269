/// A mutable cons cell. Conses are classes (not `indirect` enum payloads) because Common Lisp
/// needs `rplaca`, identity (`eq`) and shared or circular structure.
public final class Cons {
    public var car: Value
    public var cdr: Value
    @inline(__always) public init(_ car: __owned Value, _ cdr: __owned Value) {
        self.car = car
        self.cdr = cdr
    }

    /// Byte offsets of `car` and `cdr` in a cons object: Swift's heap-object header (metadata
    /// pointer and reference counts, 16 bytes) comes first, then the stored properties in
    /// declaration order. A unit test checks them against the addresses Swift gives the fields.
    @inline(__always) static var carOffset: Int { 16 }
    @inline(__always) static var cdrOffset: Int { 16 + MemoryLayout<Value>.stride }

    /// The address of `cell`'s field at `offset` (`carOffset` or `cdrOffset`), for the pool's
    /// in-place stores: written as property accesses, they made the compiler retain and release
    /// the cell around them.
    @inline(__always) static func field(_ cell: Cons, _ offset: Int) -> UnsafeMutablePointer<Value> {
        (UnsafeMutableRawPointer(Unmanaged.passUnretained(cell).toOpaque()) + offset).assumingMemoryBound(to: Value.self)
    }

    /// A cons of `car` and `cdr`, reusing a cell from `ConsPool` when one is there. Hot paths
    /// (CONS, LIST, PUSH, REVERSE, the list builders) make their cells with this; `Cons(_:_:)`
    /// remains correct everywhere, it only skips the reuse.
    @inline(__always) public static func make(_ car: __owned Value, _ cdr: __owned Value) -> Cons {
        guard let cell = ConsPool.take() else { return Cons(car, cdr) }
        // A pooled cell holds NIL in both fields (trivial values), so they are initialised in
        // place, without destroying the old contents.
        field(cell, carOffset).initialize(to: car)
        field(cell, cdrOffset).initialize(to: cdr)
        return cell
    }

    /// Free a list's spine iteratively. The default deinit would release `cdr`, whose deinit
    /// releases its `cdr`, and so on: one native stack frame per element, which overflows the
    /// stack on long lists and is slow. Here each uniquely owned successor is unlinked first,
    /// so it dies with a NIL `cdr` and no recursion. The successors are moved out with `swap`
    /// (not copied and then overwritten), so unlinking a cell costs no retain and no release.
    /// Unlinked successors go to `ConsPool` for reuse instead of back to the allocator: that
    /// skips Swift's whole release/deinit/deallocate path for them, and the next cons made
    /// skips allocation (list-ops: about a third of its instructions).
    deinit {
        guard case .cons = cdr else { return }
        var rest = Value.null
        swap(&rest, &cdr)
        while case .cons(var next) = consume rest {
            guard isKnownUniquelyReferenced(&next) else { return }
            rest = .null
            swap(&rest, &next.cdr)
            ConsPool.recycle(consume next)
        }
    }
}

/// Cons cells freed by list deinitialisation and kept for reuse by `Cons.make`, like CPython's
/// free lists. A bounded stack of owned references: a cell in it is referenced by nothing else
/// and holds NIL in both fields. Only the Lisp thread makes and frees conses (LispCore is
/// compiled single-threaded), so there is no locking. Memory kept here is what the allocator
/// would have kept anyway (CSmallAlloc never returns pages to the system).
@usableFromInline enum ConsPool {
    /// The cells (strong references, moved in and out so that pooling costs no reference
    /// counting; `Unmanaged` here made the compiler retain and release each cell taken).
    /// Allocated on first use.
    @usableFromInline static var cells: UnsafeMutablePointer<Cons>? = nil
    @usableFromInline static var count = 0
    /// At most this many cells wait for reuse (1M cells: 8 MiB of pointers at most, allocated
    /// lazily; the cells themselves are ~48 bytes each). Beyond it cells are freed as usual.
    @usableFromInline static let capacity = 1 << 20

    /// A pooled cell, now owned by the caller, or nil when the pool is empty.
    @inline(__always) @usableFromInline static func take() -> Cons? {
        let n = count
        guard n > 0 else { return nil }
        count = n - 1
        return (cells.unsafelyUnwrapped + (n - 1)).move()
    }

    /// Keep `cell` (uniquely referenced, NIL cdr) for reuse, or free it when the pool is full.
    @inline(__always) static func recycle(_ cell: __owned Cons) {
        // Clear the car first. An immediate car is simply overwritten; releasing any other may
        // free another list, whose deinit recycles into the pool too, so the pool's count is
        // read only afterwards.
        Cons.field(cell, Cons.carOffset).store(.null)
        let n = count
        guard n < capacity else { return }
        if n == 0 && cells == nil {
            cells = UnsafeMutablePointer<Cons>.allocate(capacity: capacity)
        }
        (cells.unsafelyUnwrapped + n).initialize(to: consume cell)
        count = n + 1
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
