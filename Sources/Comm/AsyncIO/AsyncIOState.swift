import CShims
import Glibc

/// One asynchronous I/O channel (LispWorks `async-io-state`): a socket in a collection with an
/// independent read side (at most one read-direction operation) and write side (one operation,
/// or a FIFO queue with `queueOutput`), per-direction status and timeout, and an internal
/// buffer (read-with-checking data not consumed yet = "buffered data").
///
/// Lifecycle: created open and registered in its collection; `close` is idempotent and may be
/// called from inside any callback: the state is logically closed at once (no further
/// callbacks, operations dropped) and the descriptor is released when the running callback
/// returns. Closing drops all callbacks and, once any close-callback has run, `userInfo` and
/// `bridgeObject`, so closure -> state -> closure cycles are broken.
///
/// The operations live in ReadOperations.swift, WriteOperations.swift and Lifecycle.swift.
public final class AsyncIOState: SelectorHandler {
    /// The owning collection (async-io-state-collection).
    public let collection: EventCollection
    /// The socket descriptor; -1 once closed (or before a connect created it).
    public internal(set) var fd: Int32
    public let kind: SocketKind
    /// IPv6 family flag (create-async-io-state :ipv6): picks the family for name lookups of
    /// send-message-to-address; informational for the engine.
    public let ipv6: Bool
    var transport: Transport

    /// Called once when the state closes its descriptor (not on a keep-alive close): a wrapper
    /// sharing the descriptor (a socket stream the state was made from) must stop using the
    /// number, which the kernel may hand to the next socket.
    public var descriptorClosed: (() -> Void)?

    /// Debugging name, application data, and a slot for the bridge's Lisp wrapper object.
    public var name: Any?
    public var userInfo: Any?
    public var bridgeObject: AnyObject?

    /// `nil` = no timeout, else seconds of inactivity before the pending operation times out.
    public var readTimeout: Double?
    public var writeTimeout: Double?
    /// Most bytes read-with-checking reads between two callback invocations.
    public var maxRead: Int = AsyncIOState.defaultMaxRead
    public static let defaultMaxRead = 65536
    /// Bytes of the read-with-checking buffer already shown to the previous callback.
    public internal(set) var oldLength = 0
    public internal(set) var readStatus: IOStatus = .ok
    public internal(set) var writeStatus: IOStatus = .ok
    public let queueOutput: Bool
    /// Upper bound on queued output bytes (`pendingWriteBytes`); a write that would exceed it
    /// throws `CommUsageError.outputQueueFull`. nil = unbounded (LispWorks behaviour).
    public var maxQueuedOutputBytes: Int?
    public internal(set) var isClosed = false
    /// True while a connect started by `connectTCP` is in progress.
    public internal(set) var isConnecting = false

    /// Makes the read-with-checking buffer; the bridge installs one returning Lisp vectors so
    /// the callback can be handed the engine's buffer itself.
    public var storageFactory: (Int) -> MutableByteStorage = { ByteArray(count: $0) }

    // Registration in the selector (lazy: only while some side waits for readiness).
    var registrationID: UInt32 = 0
    var registeredEvents: UInt32 = 0
    var isRegistered = false
    var collectionIndex = -1
    /// The engine made this descriptor (accept4) and nothing else holds a duplicate of it:
    /// closing it removes it from epoll, so the close path skips EPOLL_CTL_DEL.
    var ownsDescriptor = false

    // Read side: the one pending read-direction operation, stored inline (no per-op object).
    /// Which read-direction operation is pending.
    enum ReadKind { case none, buffer, checking, waitInput, receive }
    var readKind: ReadKind = .none
    var rBuffer: MutableByteStorage?
    var rStart = 0, rPos = 0, rEnd = 0
    var rCallback: ReadCallback?
    var rErrorCallback: ReadCallback?
    var rStateCallback: StateCallback?
    var rReceiveCallback: ReceiveCallback?
    var rWaitsFor: UInt32 = 0
    var rActivity: UInt64 = 0
    var readTimer: LoopTimer?
    /// read-with-checking: a callback invocation is queued (reading paused until it ran).
    var checkScheduled = false
    /// read-with-checking: the last step stopped at max-read with data maybe left.
    var checkContinue = false
    /// EOF/error seen after data in the same step: reported after the data callback.
    var pendingReadTerminal: IOStatus?
    /// True while the read-with-checking callback runs (finish/discard legal).
    public internal(set) var inCheckingCallback = false
    /// The running read-with-checking callback called `discard`.
    var discardedInCallback = false
    /// Bumped whenever a read-with-checking starts, to tell a restarted operation apart.
    var rGeneration = 0

    // Internal buffer: read-with-checking data and whatever it left ("buffered data").
    var inBuffer: MutableByteStorage?
    var inLength = 0

    /// One pending write (write-buffer or a datagram send); `pos` advances on partial writes.
    struct WriteOp {
        /// Stream bytes, a datagram on a connected socket, or a datagram to an address.
        enum Kind { case stream, datagram, datagramTo(SocketAddress) }
        var kind: Kind
        var buffer: MutableByteStorage
        var start: Int, pos: Int, end: Int
        var callback: WriteCallback?
        var errorCallback: WriteCallback?
    }
    var writeQueue: [WriteOp] = []
    var writeHead = 0
    /// The head write's first attempt waits for the collection's end-of-batch flush
    /// (`EventCollection.flushDeferredWrites`).
    var writeDeferred = false
    var wWaitsFor: UInt32 = 0
    var wActivity: UInt64 = 0
    var writeTimer: LoopTimer?

    // Connect.
    var connectCallback: ConnectCallback?
    var connectCandidates: [SocketAddress] = []
    var connectOptions = ConnectOptions()
    var connectDeadline: UInt64 = 0

    // TLS (TLS/TLSAttach.swift): the handshake or detach in progress, and the last failure.
    var tlsOperation: TLSOperation?
    /// The last handshake failure (also after the state went back to plain).
    public internal(set) var lastTLSFailure: TLSFailure?

    /// A queued completion (user callback with its arguments) or internal continuation,
    /// run by `deliver()` from the collection's ready queue.
    enum Delivery {
        case read(ReadCallback, MutableByteStorage, Int)
        /// A read-with-checking step, tagged with the operation's generation.
        case checking(Int)
        case receive(ReceiveCallback, MutableByteStorage, Int, SocketAddress?)
        case state(StateCallback)
        case write(WriteCallback, MutableByteStorage, Int)
        case abort(AbortCallback, AbortedOperation?)
        case shutdown(ShutdownCallback, Int32?)
        case connect(ConnectCallback, SystemError?)
        case resumeRead
        case resumeWrite
        case deferredShutdown(IODirection, ShutdownCallback?)
    }
    var deliveries: [Delivery] = []
    /// A read-with-checking step queued ahead of `deliveries` (its generation; -1 = none). The
    /// step is queued once per message and carries no references, so it skips the array;
    /// it is only used while `deliveries` is empty, so it is always the oldest item.
    var queuedChecking = -1
    var isQueued = false
    var callbackDepth = 0
    /// Physical close requested from inside a callback: nil = none, else keep-alive flag.
    var pendingPhysicalClose: Bool?
    /// abort-and-close's close-callback, still to run; user data is kept until then.
    var pendingCloseCallback: StateCallback?

    init(collection: EventCollection, fd: Int32, kind: SocketKind, ipv6: Bool, options: StateOptions) {
        self.collection = collection
        self.fd = fd
        self.kind = kind
        self.ipv6 = ipv6
        self.transport = PlainTransport(fd: fd)
        self.name = options.name
        self.userInfo = options.userInfo
        self.readTimeout = options.readTimeout
        self.writeTimeout = options.writeTimeout
        self.queueOutput = options.queueOutput
        collection.add(self)
    }

    // MARK: delivery

    /// Queues a completion; it runs from the collection's ready queue.
    func schedule(_ d: consuming Delivery) {
        deliveries.append(d)
        if !isQueued {
            isQueued = true
            collection.enqueue(self)
        }
    }

    /// Queues the current read-with-checking step (`.checking(rGeneration)`).
    func scheduleChecking() {
        if queuedChecking >= 0 || !deliveries.isEmpty {
            schedule(.checking(rGeneration))
            return
        }
        queuedChecking = rGeneration
        if !isQueued {
            isQueued = true
            collection.enqueue(self)
        }
    }

    /// Drops every queued completion (closed, or its operations dropped).
    func dropDeliveries() {
        deliveries.removeAll()
        queuedChecking = -1
    }

    /// Runs the deliveries present on entry (later ones go to the next pass).
    func deliver() {
        isQueued = false
        if isClosed {
            dropDeliveries()
            if let cb = pendingCloseCallback {
                pendingCloseCallback = nil
                callbackDepth += 1
                cb(self)
                callbackDepth -= 1
                releaseUserData()
            }
            return
        }
        let n = deliveries.count
        let checking = queuedChecking
        if checking >= 0 {
            queuedChecking = -1
            callbackDepth += 1
            runCheckingCallback(generation: checking)
            callbackDepth -= 1
            if isClosed { dropDeliveries() }
            if n == 0 || isClosed {
                closeIfRequestedByCallback()
                return
            }
        }
        if n == 0 { return }
        callbackDepth += 1
        if n == 1 && deliveries.count == 1 {
            // The usual case: one completion, moved out of the queue (no copy of its closure
            // and buffer). Deliveries its callback queues are already scheduled for a later
            // pass (isQueued was cleared above).
            run(deliveries.removeLast())
            callbackDepth -= 1
            if isClosed { dropDeliveries() }
            closeIfRequestedByCallback()
            return
        }
        var i = 0
        while i < n && !isClosed {
            let d = deliveries[i]
            i += 1
            run(d)
        }
        callbackDepth -= 1
        if isClosed {
            dropDeliveries()
        } else if i >= deliveries.count {
            // The usual case: no shifting. One delivery (most often) is dropped with removeLast,
            // which is cheaper than the range replacement removeAll(keepingCapacity:) makes.
            if deliveries.count == 1 { deliveries.removeLast() } else { deliveries.removeAll(keepingCapacity: true) }
        } else {
            deliveries.removeFirst(i)
            if !deliveries.isEmpty && !isQueued {
                isQueued = true
                collection.enqueue(self)
            }
        }
        closeIfRequestedByCallback()
    }

    /// A close requested from inside a callback releases the descriptor once the outermost
    /// callback of this state has returned.
    func closeIfRequestedByCallback() {
        if callbackDepth == 0, let keep = pendingPhysicalClose {
            pendingPhysicalClose = nil
            physicalClose(keepAlive: keep)
        }
    }

    private func run(_ d: consuming Delivery) {
        switch d {
        case .read(let cb, let buf, let n): cb(self, buf, n)
        case .checking(let generation): runCheckingCallback(generation: generation)
        case .receive(let cb, let buf, let n, let addr): cb(self, buf, n, addr)
        case .state(let cb): cb(self)
        case .write(let cb, let buf, let n): cb(self, buf, n)
        case .abort(let cb, let op): cb(self, op)
        case .shutdown(let cb, let r): cb(self, r)
        case .connect(let cb, let err): cb(self, err)
        case .resumeRead:
            if !(readKind == .checking && checkScheduled) {
                performRead()
                syncInterest()  // a TLS read may now wait for the other direction
            }
        case .resumeWrite: startNextWrite()
        case .deferredShutdown(let dir, let cb):
            let r = doShutdown(dir)
            cb?(self, r)
        }
    }

    // MARK: readiness

    func selectorEvent(_ events: UInt32) {
        if isClosed { return }
        if tlsOperation != nil {
            tlsSelectorEvent(events)
            return
        }
        let readable = events & (CSHIM_EPOLLIN | CSHIM_EPOLLERR | CSHIM_EPOLLHUP | CSHIM_EPOLLRDHUP) != 0
        let writable = events & (CSHIM_EPOLLOUT | CSHIM_EPOLLERR | CSHIM_EPOLLHUP) != 0
        var handled = false
        if rWaitsFor != 0 && ((rWaitsFor & CSHIM_EPOLLIN != 0 && readable) || (rWaitsFor & CSHIM_EPOLLOUT != 0 && writable)) {
            handled = true
            rActivity = collection.now
            performRead()
        }
        if isClosed { return }
        if wWaitsFor != 0 && ((wWaitsFor & CSHIM_EPOLLOUT != 0 && writable) || (wWaitsFor & CSHIM_EPOLLIN != 0 && readable)) {
            handled = true
            if isConnecting { finishConnect() } else { performWrite() }
        }
        if isClosed { return }
        // Interest is dropped lazily (saves epoll_ctl calls in ping-pong); an event nobody
        // wanted is the moment to make the registration exact.
        syncInterest(exact: !handled)
    }

    /// Brings the epoll registration in line with what the sides wait for. Non-exact: only
    /// adds missing bits. Exact: also removes extra ones (deregisters when nothing is wanted,
    /// since EPOLLHUP would otherwise be reported forever on a level-triggered registration).
    func syncInterest(exact: Bool = false) {
        guard !isClosed, fd >= 0 else { return }
        let want = rWaitsFor | wWaitsFor
        if isRegistered {
            if want == registeredEvents { return }
            if !exact && want & ~registeredEvents == 0 { return }
            if want == 0 {
                collection.selector.deregister(fd: fd)
                isRegistered = false
                registeredEvents = 0
                return
            }
            do {
                try collection.selector.modify(fd: fd, id: registrationID, interest: want)
                registeredEvents = want
            } catch {
                failBoth(error)
            }
        } else if want != 0 {
            do {
                registrationID = try collection.selector.register(fd: fd, interest: want, handler: self)
                registeredEvents = want
                isRegistered = true
            } catch {
                failBoth(error)
            }
        }
    }

    /// epoll refused the descriptor (e.g. a regular file was wrapped): fail pending operations.
    private func failBoth(_ e: SystemError) {
        if readKind != .none { completeRead(status: .error(e)) }
        if writeHead < writeQueue.count { failWrites(e) }
    }

    // MARK: timeouts (lazy: the timer fires at the first possible deadline and re-arms itself
    // if there was activity since, so progress never touches the heap)

    func armReadTimer() {
        // The activity stamp only matters with a timeout: no clock read per operation without one.
        guard let t = readTimeout else { return }
        rActivity = monotonicNanos()
        if readTimer == nil { readTimer = LoopTimer { [unowned self] in self.readTimerFired() } }
        collection.arm(readTimer!, at: rActivity &+ nanos(fromSeconds: t))
    }

    func cancelReadTimer() { if let t = readTimer { collection.cancel(t) } }

    private func readTimerFired() {
        guard !isClosed, readKind != .none, let t = readTimeout else { return }
        let deadline = rActivity &+ nanos(fromSeconds: t)
        if deadline > collection.now {
            collection.arm(readTimer!, at: deadline)
            return
        }
        completeRead(status: .timeout)
    }

    func armWriteTimer() {
        guard let t = writeTimeout else { return }
        wActivity = monotonicNanos()
        if writeTimer == nil { writeTimer = LoopTimer { [unowned self] in self.writeTimerFired() } }
        collection.arm(writeTimer!, at: wActivity &+ nanos(fromSeconds: t))
    }

    func cancelWriteTimer() { if let t = writeTimer { collection.cancel(t) } }

    /// Also the connect-timeout action (`isConnecting`), so the timer a connect created keeps
    /// serving write timeouts afterwards.
    func writeTimerFired() {
        guard !isClosed else { return }
        if isConnecting {
            connectTimedOut()
            return
        }
        guard writeHead < writeQueue.count, let t = writeTimeout else { return }
        let deadline = wActivity &+ nanos(fromSeconds: t)
        if deadline > collection.now {
            collection.arm(writeTimer!, at: deadline)
            return
        }
        // The callback must see :timeout; the next queued write starts after it ran.
        transport.abandonWrite()
        writeStatus = .timeout
        completeHeadWrite()
        wWaitsFor = 0
        schedule(.resumeWrite)
    }

    // MARK: addresses

    /// async-io-state-address: local address and port (nil once closed).
    public var localAddress: SocketAddress? { fd >= 0 ? Posix.localAddress(fd) : nil }
    /// async-io-state-peer-address: nil when not connected.
    public var peerAddress: SocketAddress? { fd >= 0 ? Posix.peerAddress(fd) : nil }

    /// True when a read-direction operation is pending.
    public var isReading: Bool { readKind != .none }
    /// `writeStatus` as the caller should see it: after the deferred first attempt of a write
    /// started in this batch (an immediate failure shows at once, as before deferral).
    public var settledWriteStatus: IOStatus {
        settleDeferredWrite()
        return writeStatus
    }
    /// Number of write operations pending (the active one plus the queue).
    public var pendingWriteCount: Int {
        settleDeferredWrite()
        return writeQueue.count - writeHead
    }
    /// Bytes not yet written across all pending writes (queued output size).
    public var pendingWriteBytes: Int {
        settleDeferredWrite()
        var n = 0
        var i = writeHead
        while i < writeQueue.count { n += writeQueue[i].end - writeQueue[i].pos; i += 1 }
        return n
    }
}
