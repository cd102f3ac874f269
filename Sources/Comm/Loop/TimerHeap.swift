import Glibc

/// Monotonic clock in nanoseconds (CLOCK_MONOTONIC, immune to wall-clock changes).
@inline(__always)
public func monotonicNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

/// Seconds (a Lisp real) to nanoseconds, clamped so huge timeouts cannot overflow.
@inline(__always)
func nanos(fromSeconds s: Double) -> UInt64 {
    if s <= 0 { return 0 }
    if s > 1e9 { return 1_000_000_000 * 1_000_000_000 }
    return UInt64(s * 1e9)
}

/// One scheduled action. The object is reusable: an async-io-state keeps one per direction and
/// re-arms it, so arming a timeout allocates nothing. `heapIndex` lets `cancel` remove it in
/// O(log n) without tombstones.
public final class LoopTimer {
    public internal(set) var deadline: UInt64 = 0
    var heapIndex: Int = -1
    /// Runs on the loop thread when the deadline passes. Cleared by the owner on close so
    /// closures capturing the owner do not keep a cycle alive.
    var action: (() -> Void)?

    public init(_ action: (() -> Void)? = nil) { self.action = action }

    public var isScheduled: Bool { heapIndex >= 0 }
}

/// Binary min-heap of `LoopTimer`s ordered by deadline (ties: insertion order is not
/// guaranteed, which the API never promises).
public struct TimerHeap {
    private var heap: [LoopTimer] = []

    public init() {}

    public var count: Int { heap.count }
    public var isEmpty: Bool { heap.isEmpty }
    public var nextDeadline: UInt64? { heap.first?.deadline }

    /// Adds `t` at `deadline`, or moves it there when already scheduled.
    public mutating func schedule(_ t: LoopTimer, at deadline: UInt64) {
        if t.heapIndex >= 0 {
            let old = t.deadline
            t.deadline = deadline
            if deadline < old { siftUp(t.heapIndex) } else { siftDown(t.heapIndex) }
            return
        }
        t.deadline = deadline
        t.heapIndex = heap.count
        heap.append(t)
        siftUp(heap.count - 1)
    }

    /// Removes `t` if scheduled; a no-op otherwise (idempotent).
    public mutating func cancel(_ t: LoopTimer) {
        let i = t.heapIndex
        guard i >= 0, i < heap.count, heap[i] === t else { return }
        let last = heap.count - 1
        if i != last {
            heap.swapAt(i, last)
            heap[i].heapIndex = i
        }
        heap.removeLast()
        t.heapIndex = -1
        if i < heap.count {
            siftDown(i)
            siftUp(i)
        }
    }

    /// Pops the earliest timer if its deadline is <= now.
    public mutating func popDue(now: UInt64) -> LoopTimer? {
        guard let first = heap.first, first.deadline <= now else { return nil }
        cancel(first)
        return first
    }

    /// Unschedules everything (collection close).
    public mutating func removeAll() {
        for t in heap { t.heapIndex = -1 }
        heap.removeAll()
    }

    private mutating func siftUp(_ start: Int) {
        var i = start
        while i > 0 {
            let parent = (i - 1) / 2
            if heap[parent].deadline <= heap[i].deadline { break }
            heap.swapAt(parent, i)
            heap[parent].heapIndex = parent
            heap[i].heapIndex = i
            i = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var i = start
        let n = heap.count
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < n && heap[l].deadline < heap[m].deadline { m = l }
            if r < n && heap[r].deadline < heap[m].deadline { m = r }
            if m == i { return }
            heap.swapAt(m, i)
            heap[m].heapIndex = m
            heap[i].heapIndex = i
            i = m
        }
    }
}
