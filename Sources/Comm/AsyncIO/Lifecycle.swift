import CShims
import Glibc

/// Aborting, shutting down and closing an async-io-state.
extension AsyncIOState {
    /// Result of `shutdown`: done synchronously (nil = success, else errno), or deferred
    /// until aborted operations are gone (LispWorks returns `nil` then).
    public enum ShutdownOutcome: Equatable {
        case done(Int32?)
        case deferred
    }

    /// async-io-state-abort: stops the operation(s) in `direction`, suppressing their
    /// callbacks, and queues `callback(state, aborted)` where `aborted` describes the stopped
    /// operation (nil when none was active; `.io` for direction `.both`). Bytes already read by
    /// a read-with-checking stay buffered.
    public func abort(_ direction: IODirection = .input, callback: AbortCallback?) {
        if isClosed { return }
        settleDeferredWrite()
        var aborted: AbortedOperation?
        switch direction {
        case .input: aborted = abortRead()
        case .output: aborted = abortWrites()
        case .both:
            _ = abortRead()
            _ = abortWrites()
            aborted = .io
        }
        syncInterest(exact: true)
        if let cb = callback { schedule(.abort(cb, aborted)) }
    }

    func abortRead() -> AbortedOperation? {
        var op: AbortedOperation?
        switch readKind {
        case .none: op = nil
        case .buffer: op = rBuffer.map { .readBuffer($0, rPos - rStart) }
        case .checking:
            if inBuffer == nil { inBuffer = storageFactory(0) }
            op = .readWithChecking(inBuffer!, inLength)
        case .waitInput: op = .waitForInput
        case .receive: op = rBuffer.map { .receiveMessage($0, 0) }
        }
        readKind = .none
        rWaitsFor = 0
        cancelReadTimer()
        checkScheduled = false
        pendingReadTerminal = nil
        rBuffer = nil
        rCallback = nil
        rErrorCallback = nil
        rStateCallback = nil
        rReceiveCallback = nil
        return op
    }

    func abortWrites() -> AbortedOperation? {
        guard writeHead < writeQueue.count else { return nil }
        let head = writeQueue[writeHead]
        if head.kind.isStream && head.pos < head.end { transport.abandonWrite() }
        writeQueue.removeAll()
        writeHead = 0
        wWaitsFor = 0
        cancelWriteTimer()
        return head.kind.isStream ? .write(head.buffer, head.pos - head.start) : .sendMessage
    }

    /// async-io-state-shutdown: shutdown(2) of `direction`. With an operation pending in that
    /// direction it throws unless `abort`, in which case the operation is aborted (no
    /// callback), the shutdown runs from the loop and `.deferred` is returned. `callback`, if
    /// given, is queued with the result.
    public func shutdown(_ direction: IODirection, abort: Bool = false,
                         callback: ShutdownCallback? = nil) throws(CommUsageError) -> ShutdownOutcome {
        if isClosed { throw .closed }
        settleDeferredWrite()
        let readBusy = direction != .output && readKind != .none
        let writeBusy = direction != .input && writeHead < writeQueue.count
        if readBusy || writeBusy {
            if !abort { throw .operationInProgress }
            if readBusy { _ = abortRead() }
            if writeBusy { _ = abortWrites() }
            schedule(.deferredShutdown(direction, callback))
            return .deferred
        }
        let r = doShutdown(direction)
        if let cb = callback { schedule(.shutdown(cb, r)) }
        return .done(r)
    }

    func doShutdown(_ direction: IODirection) -> Int32? {
        guard fd >= 0, !isClosed else { return EBADF }
        let how: Posix.ShutdownHow = direction == .input ? .read : direction == .output ? .write : .both
        do {
            try transport.shutdown(how)
            return nil
        } catch {
            return error.errno
        }
    }

    /// close-async-io-state: closes the state (idempotent) and returns the buffered data length
    /// (still readable with `getBufferedData`). `keepAlive` leaves the descriptor open for the
    /// caller. Safe inside callbacks: no further callbacks run, and the descriptor is released
    /// when the running callback returns.
    @discardableResult
    public func close(keepAlive: Bool = false) -> Int {
        if isClosed { return inLength }
        settleDeferredWrite()  // a write started just before the close goes out as it used to
        isClosed = true
        isConnecting = false
        dropOperations()
        collection.remove(self)
        if callbackDepth > 0 {
            pendingPhysicalClose = keepAlive
        } else {
            physicalClose(keepAlive: keepAlive)
        }
        if pendingCloseCallback == nil { releaseUserData() }
        return inLength
    }

    /// async-io-state-abort-and-close: aborts everything (no abort callbacks), closes, then
    /// queues `closeCallback(state)`. On an already closed state the callback still runs.
    public func abortAndClose(keepAlive: Bool = false, closeCallback: StateCallback? = nil) {
        if let cb = closeCallback { pendingCloseCallback = cb }  // before close: keeps user data
        close(keepAlive: keepAlive)
        if closeCallback != nil { collection.enqueue(self) }
    }

    /// close-wait-state-collection's per-state kill: like `close`, never a callback.
    func closeSilently() {
        discardCloseCallback()
        close(keepAlive: false)
    }

    /// Drops a close-callback that will not run (the collection was closed first) and with
    /// it the user data it was keeping alive.
    func discardCloseCallback() {
        guard pendingCloseCallback != nil else { return }
        pendingCloseCallback = nil
        if isClosed { releaseUserData() }
    }

    private func dropOperations() {
        _ = abortRead()
        writeQueue.removeAll()
        writeHead = 0
        wWaitsFor = 0
        if let t = readTimer { collection.cancel(t); t.action = nil; readTimer = nil }
        if let t = writeTimer { collection.cancel(t); t.action = nil; writeTimer = nil }
        connectCallback = nil
        connectCandidates = []
        dropTLSOperation()
        if callbackDepth == 0 { dropDeliveries() }
    }

    /// Deregisters and closes the descriptor (unless kept alive).
    func physicalClose(keepAlive: Bool) {
        releaseFD(close: !keepAlive)
    }

    func releaseFD(close: Bool) {
        guard fd >= 0 else { return }
        if isRegistered {
            if close && ownsDescriptor {
                collection.selector.forget(fd: fd)
            } else {
                collection.selector.deregister(fd: fd)
            }
            isRegistered = false
            registeredEvents = 0
        }
        transport.close()
        if close {
            Posix.close(fd)
            descriptorClosed?()
            descriptorClosed = nil
        }
        fd = -1
    }

    /// Breaks closure -> state -> closure cycles once nothing can call back any more.
    func releaseUserData() {
        userInfo = nil
        bridgeObject = nil
    }
}
