import CShims
import Glibc

/// The wait-state-collection: one epoll set, a timer heap, a ready queue of completions, and a
/// locked cross-thread inbox with an eventfd wakeup.
///
/// Threading: everything except `post` and `stopLoop` must be called on the thread that drives
/// the collection (the one Lisp thread). A completion is never delivered from the call that
/// started the operation: it is queued and run by `dispatch()`.
///
/// Driving it from outside: put `pollFD` into your own epoll set (an epoll fd is readable when
/// it has ready events; the inbox eventfd is inside it), sleep at most
/// `millisecondsUntilNextEvent()`, and call `dispatch()` when it is readable, when
/// `hasImmediateWork` is true, or when that timeout elapsed.
public final class EventCollection: @unchecked Sendable {
    /// One unit of the ready queue: a state with pending deliveries, or a closure. The state
    /// is held by a reference taken in `enqueue` and given back when the item is run or
    /// dropped: copying the item in and out of the queue then costs no reference counting.
    enum ReadyItem {
        case state(Unmanaged<AsyncIOState>)
        case work(() -> Void)
    }

    let selector: Selector
    var timers = TimerHeap()
    private let wakeFD: Int32
    private static let wakeID: UInt32 = 1

    private let inboxLock = Lock()
    private var inbox: [() -> Void] = []       // guarded by inboxLock
    private var stopRequested = false          // guarded by inboxLock
    private var wakePending = false            // guarded by inboxLock: coalesces eventfd writes

    private var ready: [ReadyItem] = []
    /// Inside `dispatch`, a write started by a callback is not attempted at once: the states
    /// wait here and their sends go out together at the end of the batch (see
    /// WriteOperations.swift).
    var deferredWriters: [AsyncIOState] = []
    private var flushingWriters: [AsyncIOState] = []
    /// True only while `dispatch` itself flushes the batch's writes (never inside a callback):
    /// a write that completes then runs its callback at once instead of through the ready
    /// queue (see `AsyncIOState.completeLastWriteInline`).
    var completesWritesInline = false
    private var readySpare: [ReadyItem] = []

    /// Open states (strong: a state lives while open even if nobody else holds it).
    private(set) var states: [AsyncIOState] = []
    var acceptors: [AcceptingHandle] = []

    /// Cached monotonic time of the current dispatch (activity stamps for lazy timeouts).
    var now: UInt64 = monotonicNanos()
    /// True inside `dispatch` (which is not re-entered); writes started then are deferred.
    private(set) var dispatching = false
    /// Bumped by `close()` so a ready batch in progress stops delivering.
    private var closeEpoch = 0

    /// For printing (`create-and-run-wait-state-collection`'s name); unused by the engine.
    public var name: Any?
    /// Number of `dispatch()` calls so far (observability; tests check for busy spinning).
    public private(set) var dispatchCount = 0

    public init(name: Any? = nil) throws(SystemError) {
        Posix.ignoreSIGPIPE()
        self.name = name
        selector = try Selector()
        wakeFD = Int32(try syscallBlocking("eventfd") { Int(eventfd(0, CSHIM_EFD_NONBLOCK | CSHIM_EFD_CLOEXEC)) })
        try selector.registerRaw(fd: wakeFD, interest: CSHIM_EPOLLIN, id: EventCollection.wakeID)
    }

    deinit {
        Posix.close(wakeFD)
        for item in ready { if case .state(let s) = item { s.release() } }
    }

    /// The epoll descriptor, for an outer driver's own epoll set.
    public var pollFD: Int32 { selector.epfd }

    /// True when `dispatch()` has something to do without waiting: queued completions, fetched
    /// events not yet handled, or a timer already due.
    public var hasImmediateWork: Bool {
        if !ready.isEmpty || selector.pendingCount > 0 { return true }
        if let d = timers.nextDeadline, d <= monotonicNanos() { return true }
        return false
    }

    /// How long an outer driver may sleep: 0 with immediate work, -1 (forever) with no timers,
    /// else the milliseconds to the next timer, rounded up.
    public func millisecondsUntilNextEvent() -> Int32 {
        if !ready.isEmpty || selector.pendingCount > 0 { return 0 }
        guard let d = timers.nextDeadline else { return -1 }
        let t = monotonicNanos()
        if d <= t { return 0 }
        let ms = (d - t + 999_999) / 1_000_000
        return Int32(min(ms, UInt64(Int32.max)))
    }

    // MARK: waiting and dispatching

    /// wait-for-wait-state-collection: blocks until an fd is ready, a timer is due, work is
    /// queued or another thread posted, or `timeoutSeconds` (nil = no limit) passed. Returns
    /// true when `dispatch()` has something to do. The fetched events are kept for `dispatch`.
    @discardableResult
    public func wait(timeoutSeconds: Double? = nil) -> Bool {
        flushDeferredWrites()  // waiting from inside a callback must not hold back its writes
        if hasImmediateWork { return true }
        var ms = millisecondsUntilNextEvent()
        if let t = timeoutSeconds {
            let userMS = Int32(min(t * 1000, Double(Int32.max)).rounded(.up))
            ms = ms < 0 ? max(userMS, 0) : min(ms, max(userMS, 0))
        }
        let n = (try? selector.poll(timeoutMS: ms)) ?? 0
        return n > 0 || hasImmediateWork
    }

    /// call-wait-state-collection: runs due timers, queued completions, posted work and I/O
    /// readiness, then the completions that I/O produced. Not re-entrant: a nested call (from a
    /// callback) returns at once, since a busy collection is not re-entered.
    public func dispatch() {
        if dispatching { return }
        dispatching = true
        defer {
            flushDeferredWrites()  // also on the starvation bound below
            dispatching = false
        }
        dispatchCount &+= 1
        now = monotonicNanos()
        while let t = timers.popDue(now: now) { t.action?() }
        runReady()
        if selector.pendingCount == 0 { _ = try? selector.poll(timeoutMS: 0) }
        // All ready descriptors are read first, then their callbacks run, then the writes those
        // started go out (flushDeferredWrites): each phase runs back to back with its code
        // warm, instead of alternating kernel and Lisp per connection. (Session 2 ran each
        // event's callbacks before reading the next descriptor, so the first replies left
        // early; with the writes sent at the end of the batch anyway, that order only cost
        // locality: 4-6% of the 100-connection echo rate.)
        selector.deliverPending(raw: { [self] id, _ in
            if id == EventCollection.wakeID { drainInbox() }
        })
        // The callbacks of the events just read, then the completions of the writes they
        // started (flushed at the top of the next pass), then what those start: a few
        // passes save a loop round trip per message; the bound keeps a callback that re-arms
        // an instantly completing operation from starving I/O.
        var passes = 0
        while (!ready.isEmpty || !deferredWriters.isEmpty) && passes < 4 {
            completesWritesInline = true
            flushDeferredWrites()
            completesWritesInline = false
            runReady()
            passes += 1
        }
    }

    /// Sends the writes callbacks started during this batch, one after another. Public for
    /// drivers that block inside a callback (a nested wait must not hold back its writes).
    public func flushDeferredWrites() {
        if deferredWriters.isEmpty { return }
        // Swapped out (writes performed here may defer nothing, but must not append to the
        // array being walked); both arrays keep their storage.
        swap(&deferredWriters, &flushingWriters)
        for s in flushingWriters { s.settleDeferredWrite() }
        flushingWriters.removeAllKeepingCapacity()
    }

    /// loop-processing-wait-state-collection: wait + dispatch until `stopLoop()`. A stop
    /// requested while no loop runs makes the next `runLoop` return at once (no lost wakeups).
    /// Called from inside one of this collection's callbacks it returns at once: the
    /// collection is busy and is not re-entered.
    public func runLoop() {
        if dispatching { return }
        while true {
            if inboxLock.withLock({ () -> Bool in
                if stopRequested { stopRequested = false; return true }
                return false
            }) { return }
            wait(timeoutSeconds: nil)
            dispatch()
        }
    }

    /// wait-state-collection-stop-loop: safe from any thread.
    public func stopLoop() {
        inboxLock.withLock { stopRequested = true }
        wake()
    }

    /// apply-in-wait-state-collection-process: runs `work` inside a later `dispatch()` on the
    /// collection's thread. Safe from any thread; always asynchronous.
    public func post(_ work: @escaping @Sendable () -> Void) {
        inboxLock.withLock { inbox.append(work) }
        wake()
    }

    private func wake() {
        let needWrite = inboxLock.withLock { () -> Bool in
            if wakePending { return false }
            wakePending = true
            return true
        }
        if needWrite { _ = eventfd_write(wakeFD, 1) }
    }

    private func drainInbox() {
        var v: eventfd_t = 0
        _ = eventfd_read(wakeFD, &v)
        let work = inboxLock.withLock { () -> [() -> Void] in
            wakePending = false
            let w = inbox
            inbox.removeAll()
            return w
        }
        for w in work { w() }
    }

    // MARK: ready queue

    func enqueue(_ state: AsyncIOState) { ready.append(.state(Unmanaged.passRetained(state))) }
    func enqueue(work: @escaping () -> Void) { ready.append(.work(work)) }

    /// An item that will not run: a state's close-callback (holding its user data) is
    /// discarded and the queue's reference given back.
    private func drop(_ item: ReadyItem) {
        if case .state(let s) = item {
            s._withUnsafeGuaranteedRef { $0.discardCloseCallback() }
            s.release()
        }
    }

    /// Runs the items queued so far; items queued by these callbacks wait for the next pass,
    /// so a callback that re-arms an immediately completing operation cannot starve the loop.
    private func runReady() {
        if ready.isEmpty { return }
        swap(&ready, &readySpare)
        let epoch = closeEpoch
        var i = 0
        while i < readySpare.count {
            let item = readySpare[i]
            i += 1
            if closeEpoch != epoch {
                // close() ran inside this batch: the rest is dropped, and with it any
                // close-callback still holding a state's user data.
                drop(item)
                continue
            }
            switch item {
            case .state(let s):
                s._withUnsafeGuaranteedRef { $0.deliver() }
                s.release()
            case .work(let w): w()
            }
        }
        readySpare.removeAllKeepingCapacity()
    }

    // MARK: timers

    /// Runs `action` on the loop after `seconds`. Keep the returned timer to `cancel` it.
    @discardableResult
    public func schedule(after seconds: Double, _ action: @escaping () -> Void) -> LoopTimer {
        let t = LoopTimer(action)
        timers.schedule(t, at: monotonicNanos() &+ nanos(fromSeconds: seconds))
        return t
    }

    /// Idempotent.
    public func cancel(_ timer: LoopTimer) { timers.cancel(timer) }

    func arm(_ timer: LoopTimer, at deadline: UInt64) { timers.schedule(timer, at: deadline) }

    // MARK: membership

    func add(_ s: AsyncIOState) {
        s.collectionIndex = states.count
        states.append(s)
    }

    func remove(_ s: AsyncIOState) {
        let i = s.collectionIndex
        guard i >= 0, i < states.count, states[i] === s else { return }
        let last = states.count - 1
        if i != last {
            states.swapAt(i, last)
            states[i].collectionIndex = i
        }
        states.removeLast()
        s.collectionIndex = -1
    }

    /// Number of open states (tests, and the script runner's "anything alive?" check).
    public var stateCount: Int { states.count }
    /// Number of open accepting handles.
    public var acceptorCount: Int { acceptors.count }

    /// close-wait-state-collection: closes every state and acceptor silently (no callbacks),
    /// drops queued completions and timers. The collection stays usable; a running loop keeps
    /// running. Safe from inside a callback.
    public func close() {
        closeEpoch &+= 1
        let ss = states
        for s in ss { s.closeSilently() }
        let aa = acceptors
        for a in aa { a.closeSilently() }
        timers.removeAll()
        for item in ready { drop(item) }
        ready.removeAll()
    }
}

extension Array {
    /// Empties the array keeping its storage. Popping the few elements a loop batch holds is
    /// cheaper than `removeAll(keepingCapacity:)`, which goes through the generic range
    /// replacement (measured: ~70 instructions per call on the per-message path).
    @inline(__always)
    mutating func removeAllKeepingCapacity() {
        while !isEmpty { removeLast() }
    }
}
