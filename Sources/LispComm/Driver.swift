import CShims
import Comm
import Glibc
import LispCore

/// The top-level driver of DESIGN.md "one Lisp thread, the loop drives everything": one epoll
/// set holding the epoll descriptor of every running wait-state-collection (plus, while some
/// blocking call waits for it, one more descriptor such as stdin or a socket-stream's socket).
///
/// Everything that blocks runs `step` until its condition holds, so collections keep being
/// served while the REPL waits for a keystroke, while `sleep`, `mp:process-wait`,
/// `mp:mailbox-read` or a socket-stream read waits. A collection whose callback is running is
/// busy: nested steps leave it alone (its descriptor is disabled in the driver's set).
///
/// Virtual processes (MP): `mp:process-run-function` queues a process; a step runs the next
/// queued process's function to completion on the Lisp thread (nested under whatever blocking
/// call is waiting). A process blocks by calling a blocking builtin, which runs further steps.
public final class Driver {
    let rt: Runtime
    let epfd: Int32
    /// Collections the driver dispatches (create-and-run, or an explicit loop in progress).
    var driven: [LispCollection] = []
    /// Set by `(quit)` inside a callback or process; rethrown by the next throwing caller.
    var pendingQuit: Int32?

    // Callback error handling (see runCallback).
    /// The callback running now. Both references are unowned(unsafe): the entry lives only
    /// while the callback runs, and its caller holds the collection and the object for that
    /// time, so pushing and popping it costs no reference counting.
    struct CallbackContext {
        unowned(unsafe) let collection: LispCollection
        unowned(unsafe) let objectRef: LispObject?
        init(collection: LispCollection, object: Value) {
            self.collection = collection
            if case .object(let o) = object { objectRef = o } else { objectRef = nil }
        }
        init(collection: LispCollection, objectRef: LispObject) {
            self.collection = collection
            self.objectRef = objectRef
        }
        /// The state, handle or collection the callback is for (NIL when none).
        var object: Value { objectRef.map { .object($0) } ?? .null }
    }
    /// The innermost callback running (callbacks nest when one waits on a socket stream and
    /// the driver serves others meanwhile); each `runCallback` saves and restores it. A single
    /// optional, not a stack array: no uniqueness checks or capacity growth per callback.
    var currentContext: CallbackContext?
    /// The handler-cluster count right after `dispatch(lc)` pushed the callback handler (-1
    /// outside a dispatch): a callback starting at exactly this depth is already covered.
    var dispatchClusterDepth = -1
    let abandonTag: Value = .object(LispObject())
    var handlerCluster: [Handler] = []

    // Virtual processes.
    var runQueue: [LispProcess] = []
    var allProcesses: [LispProcess] = []
    var currentProcess: LispProcess?
    var nextProcessID = 1

    /// MP timers (mp:make-timer), fired from steps.
    var timers: [LispTimer] = []

    private var events = [epoll_event](repeating: epoll_event(), count: 64)

    /// Engine closures for Lisp callbacks, shared by all states (CallbackCache.swift).
    var sharedBufferCallbacks = SharedCallbackTable()
    var sharedStateOnlyCallbacks = SharedCallbackTable()

    nonisolated(unsafe) public static var shared: Driver?
    /// Every driver ever installed, kept alive for the life of the process (tests install
    /// several runtimes): engine closures and handler functions may refer to their driver
    /// long after it stopped being `shared`.
    nonisolated(unsafe) static var everInstalled: [Driver] = []

    init(rt: Runtime) {
        self.rt = rt
        epfd = epoll_create1(Int32(EPOLL_CLOEXEC))
    }

    // MARK: collections

    func drive(_ lc: LispCollection) {
        if !driven.contains(where: { $0 === lc }) { driven.append(lc) }
    }

    func undrive(_ lc: LispCollection) {
        driven.removeAll { $0 === lc }
        setRegistered(lc, false)
    }

    private func setRegistered(_ lc: LispCollection, _ enabled: Bool) {
        var ev = epoll_event()
        ev.events = enabled ? UInt32(EPOLLIN.rawValue) : 0
        ev.data.u64 = 0
        if !lc.registeredInDriver {
            if !enabled { return }
            _ = epoll_ctl(epfd, EPOLL_CTL_ADD, lc.coll.pollFD, &ev)
            lc.registeredInDriver = true
            lc.driverEnabled = true
            return
        }
        if lc.driverEnabled == enabled { return }
        if !driven.contains(where: { $0 === lc }) && !enabled {
            _ = epoll_ctl(epfd, EPOLL_CTL_DEL, lc.coll.pollFD, &ev)
            lc.registeredInDriver = false
            lc.driverEnabled = false
            return
        }
        _ = epoll_ctl(epfd, EPOLL_CTL_MOD, lc.coll.pollFD, &ev)
        lc.driverEnabled = enabled
    }

    /// Dispatch one collection with its busy flag set; handles stop requests afterwards.
    func dispatch(_ lc: LispCollection) {
        if lc.busy { return }
        lc.busy = true
        // The callback handler stays pushed for the whole batch instead of being pushed and
        // popped around each callback (enterCallback checks `dispatchClusterDepth`). Nested
        // dispatches (a callback waiting on a socket stream) push their own and restore ours.
        let outerDepth = dispatchClusterDepth
        let base = rt.handlerClusters.count
        rt.handlerClusters.append(handlerCluster)
        dispatchClusterDepth = base + 1
        lc.coll.dispatch()
        dispatchClusterDepth = outerDepth
        truncateHandlerClusters(to: base)
        lc.busy = false
        if lc.stopRequested && !lc.looping { finishStop(lc) }
    }

    /// The create-and-run loop of `lc` ends: the collection is closed and its process exits.
    func finishStop(_ lc: LispCollection) {
        lc.stopRequested = false
        guard lc.running else { return }
        lc.running = false
        lc.alive = false
        undrive(lc)
        lc.coll.close()
        if let p = lc.process {
            p.finished = true
            p.collection = nil
            allProcesses.removeAll { $0 === p }
        }
    }

    // MARK: stepping

    /// One round: run a queued process, or wait (at most `timeoutMS`, -1 = no limit) for a
    /// driven collection or `watchFD` and dispatch what is ready. Returns true when `watchFD`
    /// became readable (or there is none and something happened).
    @discardableResult
    func step(timeoutMS: Int32, watchFD: Int32? = nil) throws(Unwind) -> Bool {
        if let q = pendingQuit { pendingQuit = nil; throw .quit(q) }
        if !runQueue.isEmpty {
            let p = runQueue.removeFirst()
            runProcess(p)
            if let q = pendingQuit { pendingQuit = nil; throw .quit(q) }
            return false
        }
        if !timers.isEmpty && fireDueTimers() {
            if let q = pendingQuit { pendingQuit = nil; throw .quit(q) }
            return false
        }
        if watchFD == nil && timers.isEmpty && driven.count == 1 {
            // A script serving one collection, nothing else pending: the collection's own wait
            // (which applies its timers) and dispatch, without the general bookkeeping below.
            let lc = driven[0]
            if !lc.busy && (!lc.registeredInDriver || lc.driverEnabled) {
                lc.coll.wait(timeoutSeconds: timeoutMS < 0 ? nil : Double(timeoutMS) / 1000)
                dispatch(lc)
                if let q = pendingQuit { pendingQuit = nil; throw .quit(q) }
                return false
            }
        }
        var timeout = timeoutMS
        if !timers.isEmpty, let next = timers.map({ $0.deadline }).min() {
            let ms = Int32(max(0, min((next - monotonicNow()) * 1000, 2_000_000_000)).rounded(.up))
            if timeout < 0 || ms < timeout { timeout = ms }
        }
        var eligible = 0
        var only: LispCollection?
        for lc in driven {
            if lc.busy {
                // A callback blocking here (a socket-stream read, sleep, process-wait) must not
                // hold back the writes its batch started: they would wait for it to return.
                lc.coll.flushDeferredWrites()
                continue
            }
            eligible += 1
            only = lc
            let t = lc.coll.millisecondsUntilNextEvent()
            if t >= 0 && (timeout < 0 || t < timeout) { timeout = t }
        }
        var watchReady = false
        if watchFD == nil && eligible == 1, let lc = only, !lc.registeredInDriver || lc.driverEnabled {
            // Fast path (a script serving one collection): the collection's own wait.
            lc.coll.wait(timeoutSeconds: timeout < 0 ? nil : Double(timeout) / 1000)
            dispatch(lc)
        } else {
            for lc in driven { setRegistered(lc, !lc.busy) }
            if let w = watchFD {
                var ev = epoll_event()
                ev.events = UInt32(EPOLLIN.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue)
                ev.data.u64 = 1
                if epoll_ctl(epfd, EPOLL_CTL_ADD, w, &ev) != 0 && errno == EPERM {
                    // A regular file or /dev/null: always readable.
                    watchReady = true
                    timeout = 0
                }
            }
            let n = events.withUnsafeMutableBufferPointer { p in
                epoll_wait(epfd, p.baseAddress, Int32(p.count), timeout)
            }
            if n > 0 {
                for i in 0..<Int(n) where events[i].data.u64 == 1 { watchReady = true }
            }
            if let w = watchFD {
                var ev = epoll_event()
                _ = epoll_ctl(epfd, EPOLL_CTL_DEL, w, &ev)
            }
            for lc in driven where !lc.busy { dispatch(lc) }
        }
        if let q = pendingQuit { pendingQuit = nil; throw .quit(q) }
        return watchReady
    }

    /// Runs steps until `pred` holds (true) or `timeout` seconds passed (false).
    func waitUntil(timeout: Double?, watchFD: Int32? = nil, _ pred: () throws(Unwind) -> Bool) throws(Unwind) -> Bool {
        let deadline = timeout.map { monotonicNow() + max(0, $0) }
        while true {
            if try pred() { return true }
            try checkTermination()
            // Ctrl-C in the REPL ends the wait (the signal made epoll_wait return EINTR, or
            // arrives within the 100 ms poll below).
            try rt.checkInterrupt()
            var ms: Int32 = -1
            if let d = deadline {
                let left = d - monotonicNow()
                if left <= 0 { return false }
                ms = Int32(min(left * 1000, 2_000_000_000).rounded(.up))
            }
            // Predicates over Lisp state change only when Lisp code runs, which happens in
            // steps; poll at least every 100 ms anyway (time-based predicates).
            if watchFD == nil && (ms < 0 || ms > 100) { ms = 100 }
            if try step(timeoutMS: ms, watchFD: watchFD), watchFD != nil { return true }
        }
    }

    /// Waits until `fd` is readable while serving collections (stdin, socket-streams).
    func waitReadable(_ fd: Int32, timeout: Double? = nil) throws(Unwind) -> Bool {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        if poll(&pfd, 1, 0) > 0 { return true }
        if driven.isEmpty && runQueue.isEmpty && timers.isEmpty {
            let ms: Int32 = timeout.map { Int32(($0 * 1000).rounded(.up)) } ?? -1
            return poll(&pfd, 1, ms) > 0
        }
        return try waitUntil(timeout: timeout, watchFD: fd) { () throws(Unwind) -> Bool in
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            return poll(&p, 1, 0) > 0
        }
    }

    /// Sleep `seconds` while serving collections.
    func sleep(_ requested: Double) throws(Unwind) {
        let seconds = min(max(requested, 0), 1e9)
        rt.standardOutputStream.finishOutput()
        if driven.isEmpty && runQueue.isEmpty && timers.isEmpty {
            var ts = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - seconds.rounded(.down)) * 1e9))
            var rem = timespec()
            while nanosleep(&ts, &rem) != 0 && errno == EINTR {
                try rt.checkInterrupt()  // Ctrl-C in the REPL
                ts = rem
            }
            return
        }
        _ = try waitUntil(timeout: seconds) { () throws(Unwind) -> Bool in false }
    }

    /// Runs the MP timers that are due; true if any ran.
    func fireDueTimers() -> Bool {
        let now = monotonicNow()
        let due = timers.filter { $0.deadline <= now }
        if due.isEmpty { return false }
        for t in due {
            if let r = t.repeatSeconds { t.deadline = now + r } else { timers.removeAll { $0 === t } }
            let savedSP = rt.sp, savedDepth = rt.depth
            let nCatch = rt.catchTags.count, nHandlers = rt.handlerClusters.count, nRestarts = rt.restarts.count
            do throws(Unwind) {
                _ = try rt.apply(t.function, t.arguments)
            } catch {
                if case .quit(let n) = error { pendingQuit = n }
            }
            rt.sp = savedSP
            rt.depth = savedDepth
            if rt.catchTags.count > nCatch { rt.catchTags.removeLast(rt.catchTags.count - nCatch) }
            if rt.handlerClusters.count > nHandlers { rt.handlerClusters.removeLast(rt.handlerClusters.count - nHandlers) }
            if rt.restarts.count > nRestarts { rt.restarts.removeLast(rt.restarts.count - nRestarts) }
        }
        return true
    }

    /// True while the script must keep running: a driven collection has states, acceptors or
    /// queued work, a process is queued, or a loop is being processed.
    var hasLiveWork: Bool {
        if !runQueue.isEmpty || !timers.isEmpty { return true }
        for lc in driven {
            if lc.coll.stateCount > 0 || lc.coll.acceptorCount > 0 || lc.coll.hasImmediateWork { return true }
            if lc.looping { return true }
            var p = pollfd(fd: lc.coll.pollFD, events: Int16(POLLIN), revents: 0)
            if poll(&p, 1, 0) > 0 { return true }
        }
        return false
    }

    /// After the script's last form: serve until nothing is left.
    public func runUntilIdle() throws(Unwind) {
        while hasLiveWork { try step(timeoutMS: -1) }
    }

    // MARK: callbacks

    /// Runs one user callback of `lc` for `object` (the state, or nil) under the collection's
    /// :handler policy. Errors never escape: the callback is abandoned and the loop goes on.
    func runCallback(_ lc: LispCollection, _ object: Value, _ body: () throws(Unwind) -> Void) {
        let entry = enterCallback(lc, object)
        do throws(Unwind) {
            try body()
        } catch {
            callbackExited(lc, error)
        }
        leaveCallback(entry)
    }

    /// What `leaveCallback` restores: the Lisp stack and dynamic state at callback entry.
    struct CallbackEntry {
        let sp: Frame, depth: Int
        let catchTags: Int, handlerClusters: Int, restarts: Int
        let outerContext: CallbackContext?
    }

    /// The first half of `runCallback`, for hot callers that call the Lisp function directly
    /// instead of through a closure (whose captured context costs retains and releases).
    @inline(__always)
    func enterCallback(_ lc: LispCollection, _ object: Value) -> CallbackEntry {
        enterCallback(CallbackContext(collection: lc, object: object))
    }

    @inline(__always)
    func enterCallback(_ context: CallbackContext) -> CallbackEntry {
        let entry = CallbackEntry(sp: rt.sp, depth: rt.depth, catchTags: rt.catchTags.count,
                                  handlerClusters: rt.handlerClusters.count, restarts: rt.restarts.count,
                                  outerContext: currentContext)
        currentContext = context
        // Inside `dispatch(lc)` the callback handler is already the innermost cluster (pushed
        // once for the whole batch); anywhere else it is pushed for this callback alone.
        if entry.handlerClusters != dispatchClusterDepth { rt.handlerClusters.append(handlerCluster) }
        return entry
    }

    /// A callback ended by a throw: the handler's abandon, an abort, a quit, or a non-local
    /// exit to something outside the callback (reported; the loop goes on either way).
    func callbackExited(_ lc: LispCollection, _ error: Unwind) {
        switch error {
        case .toCatch(let tag, _) where eq(tag, abandonTag): break
        case .abortToToplevel: break
        case .quit(let n): pendingQuit = n
        default:
            rt.errorOutputStream.writeString("Error: a callback of \(lc.printUnreadable()) made a non-local exit out of its extent\n")
            rt.errorOutputStream.finishOutput()
        }
    }

    /// The second half of `runCallback`: back to the state at `enterCallback`.
    @inline(__always)
    func leaveCallback(_ entry: CallbackEntry) {
        currentContext = entry.outerContext
        rt.sp = entry.sp
        rt.depth = entry.depth
        if rt.catchTags.count > entry.catchTags { rt.catchTags.removeLast(rt.catchTags.count - entry.catchTags) }
        truncateHandlerClusters(to: entry.handlerClusters)
        if rt.restarts.count > entry.restarts { rt.restarts.removeLast(rt.restarts.count - entry.restarts) }
    }

    /// Back to `count` handler clusters. The usual case is none or one to drop, for which
    /// removeLast() avoids removeLast(k)'s range replacement (measurable once per callback).
    @inline(__always)
    func truncateHandlerClusters(to count: Int) {
        let added = rt.handlerClusters.count - count
        if added == 1 {
            rt.handlerClusters.removeLast()
        } else if added > 1 {
            rt.handlerClusters.removeLast(added)
        }
    }

    /// The handler established around callbacks (SERIOUS-CONDITION).
    func makeHandler() {
        let fn = LispFunction(name: Value(World.shared.system.internExternal("%COMM-CALLBACK-HANDLER")), kind: .native1 { [unowned self] rt, cond throws(Unwind) in
            guard let ctx = self.currentContext else { return .null }
            let lc = ctx.collection
            guard case .object(let o) = cond, let c = o as? LispCondition else { return .null }
            let report = (try? rt.conditionReport(c)) ?? "(unprintable condition)"
            let who = ctx.object.isNil ? "#<\(lc.printUnreadable())>" : rt.printString(ctx.object)
            let bt = rt.backtrace()
            func btText() -> String { bt.enumerated().map { "  \($0.offset): \($0.element)\n" }.joined() }
            switch lc.policy {
            case .abort:
                break
            case .print:
                let out = rt.standardOutputStream
                if out.column != 0 { out.writeString("\n") }
                out.writeString("Error in callback of \(who): \(report)\n")
                if lc.withBacktrace && !bt.isEmpty { out.writeString("Backtrace:\n" + btText()) }
                out.finishOutput()
            case .none:
                rt.standardOutputStream.finishOutput()
                let out = rt.errorOutputStream
                if out.column != 0 { out.writeString("\n") }
                out.writeString("Error in callback of \(who) (\(c.cls.name.name)): \(report)\n")
                if !bt.isEmpty { out.writeString("Backtrace:\n" + btText()) }
                out.finishOutput()
            case .function(let f):
                if lc.withBacktrace {
                    _ = try rt.apply(f, [ctx.object, cond, Value(btText())])
                } else {
                    _ = try rt.funcall(f, ctx.object, cond)
                }
            }
            throw .toCatch(self.abandonTag, .null)
        })
        handlerCluster = [Handler(type: Value(World.shared.cl.internExternal("SERIOUS-CONDITION")), function: fn)]
    }

    // MARK: processes

    func runProcess(_ p: LispProcess) {
        if p.finished { return }
        p.started = true
        let saved = currentProcess
        currentProcess = p
        let sym: Symbol = LispComm.currentProcessSymbol
        let savedValue = sym.value
        sym.value = .object(p)
        let savedSP = rt.sp, savedDepth = rt.depth
        let nCatch = rt.catchTags.count, nHandlers = rt.handlerClusters.count, nRestarts = rt.restarts.count
        do throws(Unwind) {
            _ = try rt.apply(p.function, p.arguments)
        } catch {
            switch error {
            case .toCatch(let tag, _) where eq(tag, p.terminateTag): break
            case .abortToToplevel: break
            case .quit(let n): pendingQuit = n
            default: break
            }
        }
        rt.sp = savedSP
        rt.depth = savedDepth
        if rt.catchTags.count > nCatch { rt.catchTags.removeLast(rt.catchTags.count - nCatch) }
        if rt.handlerClusters.count > nHandlers { rt.handlerClusters.removeLast(rt.handlerClusters.count - nHandlers) }
        if rt.restarts.count > nRestarts { rt.restarts.removeLast(rt.restarts.count - nRestarts) }
        sym.value = savedValue
        currentProcess = saved
        p.finished = true
        allProcesses.removeAll { $0 === p }
    }

    /// Called by blocking waits: a process asked to terminate unwinds out of its function.
    func checkTermination() throws(Unwind) {
        if let p = currentProcess, p.terminateRequested { throw .toCatch(p.terminateTag, .null) }
    }
}

func monotonicNow() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// MP:PROCESS — a virtual process run by the driver.
public final class LispProcess: LispObject {
    let name: Value
    let function: LispFunction
    let arguments: [Value]
    let id: Int
    var started = false
    var finished = false
    var terminateRequested = false
    let terminateTag: Value = .object(LispObject())
    /// The loop process of a create-and-run collection. Strong (cleared when the loop ends, which
    /// breaks the collection <-> process cycle): a `weak` reference would give the collection a
    /// refcount side table, and every callback retains its collection.
    var collection: LispCollection?
    var mailbox: Value = .null

    init(name: Value, function: LispFunction, arguments: [Value], id: Int) {
        self.name = name
        self.function = function
        self.arguments = arguments
        self.id = id
    }
    public override var typeName: String { "PROCESS" }
    public override var typePackage: String { "MP" }
    public override func printUnreadable() -> String {
        "MP:PROCESS \(World.shared.printHook(name))\(finished ? " dead" : "")"
    }
}

/// MP:TIMER — runs a function from the driver after a delay (optionally repeating).
public final class LispTimer: LispObject {
    let function: LispFunction
    let arguments: [Value]
    var deadline = 0.0
    var repeatSeconds: Double?
    let name: Value
    init(function: LispFunction, arguments: [Value], name: Value) {
        self.function = function
        self.arguments = arguments
        self.name = name
    }
    public override var typeName: String { "TIMER" }
    public override var typePackage: String { "MP" }
    public override func printUnreadable() -> String { "MP:TIMER \(World.shared.printHook(name))" }
}
