import CShims
import Glibc

/// Read-direction operations: read-buffer, read-with-checking (+ finish/discard), wait-for-input,
/// receive-message, and buffered-data access. At most one is pending per state.
///
/// Persisting keywords (`:timeout` -> readTimeout, `:user-info`, `:max-read`) are written by the
/// caller into the state's properties before starting the operation.
extension AsyncIOState {
    func checkCanStartRead() throws(CommUsageError) {
        if isClosed { throw .closed }
        if isConnecting { throw .notConnected }
        if readKind != .none { throw .readInProgress }
        if tlsOperation != nil { throw .operationInProgress }
    }

    static func checkRange(_ buffer: MutableByteStorage, _ start: Int, _ end: Int?) throws(CommUsageError) -> Int {
        let e = end ?? buffer.count
        if start < 0 || e < start || e > buffer.count {
            throw .invalidRange(start: start, end: e, count: buffer.count)
        }
        return e
    }

    /// Clears a `:timeout` left by the previous operation; `:eof`/errors are sticky and make the
    /// new operation complete at once (after consuming buffered data) with that status.
    func resetTransientReadStatus() {
        if readStatus == .timeout { readStatus = .ok }
    }

    // MARK: read-buffer

    /// async-io-state-read-buffer: fills `buffer[start, end)` (buffered data first, then the
    /// socket) and calls `callback(state, buffer, count)` when the range is full, on timeout
    /// (status `:timeout`, partial count) or, when `errorCallback` is nil, on EOF/error.
    /// EOF and errors go to `errorCallback` when given.
    public func readBuffer(_ buffer: MutableByteStorage, start: Int = 0, end: Int? = nil,
                           callback: @escaping ReadCallback, errorCallback: ReadCallback? = nil) throws(CommUsageError) {
        try checkCanStartRead()
        let e = try AsyncIOState.checkRange(buffer, start, end)
        resetTransientReadStatus()
        readKind = .buffer
        rBuffer = buffer
        rStart = start; rPos = start; rEnd = e
        rCallback = callback
        rErrorCallback = errorCallback
        if inLength > 0 {
            let n = min(inLength, e - start)
            inBuffer!.withRawBytes { src in
                buffer.withRawBytes { dst in
                    (dst.baseAddress! + start).copyMemory(from: src.baseAddress!, byteCount: n)
                }
            }
            dropFront(n)
            rPos += n
        }
        if readStatus.isFailure {
            completeRead(status: readStatus)
        } else if rPos == rEnd {
            completeRead(status: .ok)
        } else {
            beginWaitingForInput()
        }
    }

    /// Arms the timeout and read interest; a transport holding decoded bytes (TLS) is served
    /// from the ready queue instead, since epoll will not report them.
    func beginWaitingForInput() {
        armReadTimer()
        rWaitsFor = CSHIM_EPOLLIN
        syncInterest()
        if transport.hasPendingBytes { schedule(.resumeRead) }
    }

    func performRead() {
        switch readKind {
        case .none: rWaitsFor = 0
        case .buffer: performBufferRead()
        case .checking: if !checkScheduled { performCheckingRead() }
        case .waitInput: completeRead(status: .ok)
        case .receive: performReceive()
        }
    }

    private func performBufferRead() {
        guard let buf = rBuffer else { return }
        while rPos < rEnd {
            let want = rEnd - rPos
            let r: TransportReadResult
            do {
                r = try withBytes(buf) { (p) throws(SystemError) -> TransportReadResult in
                    try transport.read(into: UnsafeMutableRawBufferPointer(start: p.baseAddress! + rPos, count: want))
                }
            } catch {
                completeRead(status: .error(error))
                return
            }
            switch r {
            case .bytes(let n):
                rPos += n
                if n < want && transport.shortReadMeansDrained {
                    rWaitsFor = CSHIM_EPOLLIN
                    return
                }
            case .endOfFile:
                completeRead(status: .eof)
                return
            case .wouldBlock:
                rWaitsFor = transport.wants.rawValue
                return
            }
        }
        completeRead(status: .ok)
    }

    /// Ends the pending read operation with `status` and queues the matching callback.
    /// `:eof` and errors go to the error-callback when one was given, else to the callback.
    func completeRead(status: IOStatus, count: Int = 0, from: SocketAddress? = nil) {
        let kind = readKind
        readKind = .none
        rWaitsFor = 0
        cancelReadTimer()
        readStatus = status
        let cb = rCallback, ecb = rErrorCallback
        let routed = status.isFailure ? (ecb ?? cb) : cb
        switch kind {
        case .none: break
        case .buffer:
            if let r = routed, let b = rBuffer { schedule(.read(r, b, rPos - rStart)) }
        case .checking:
            checkScheduled = false
            pendingReadTerminal = nil
            if let r = routed {
                if inBuffer == nil { inBuffer = storageFactory(0) }
                schedule(.read({ s, b, n in
                    s.inCheckingCallback = true
                    r(s, b, s.inLength)
                    s.inCheckingCallback = false
                }, inBuffer!, inLength))
            }
        case .waitInput:
            if let r = rStateCallback { schedule(.state(r)) }
        case .receive:
            if let b = rBuffer {
                if status == .ok || status == .timeout, let r = rReceiveCallback {
                    schedule(.receive(r, b, count, from))
                } else if let e = ecb {
                    schedule(.read(e, b, 0))
                } else if let r = rReceiveCallback {
                    schedule(.receive(r, b, 0, nil))
                }
            }
        }
        rBuffer = nil
        rCallback = nil
        rErrorCallback = nil
        rStateCallback = nil
        rReceiveCallback = nil
    }

    // MARK: read-with-checking

    /// async-io-state-read-with-checking: reads up to `maxRead` bytes at a time into the
    /// state's internal buffer and calls `callback(state, buffer, end)` with the valid bytes
    /// `[0, end)`. The callback consumes with `discard(_:)`, ends with `finish(discard:)`, or
    /// does neither (same bytes shown again with new data appended; `oldLength` tells how many
    /// were shown before). On `:timeout`, `:eof` or error one last invocation reports the
    /// status (EOF/error to `errorCallback` when given) and the operation ends; data that
    /// arrived together with EOF is presented first with status `nil`.
    public func readWithChecking(callback: @escaping ReadCallback, errorCallback: ReadCallback? = nil) throws(CommUsageError) {
        try checkCanStartRead()
        resetTransientReadStatus()
        readKind = .checking
        rGeneration &+= 1
        oldLength = 0
        rCallback = callback
        rErrorCallback = errorCallback
        checkScheduled = false
        checkContinue = false
        pendingReadTerminal = nil
        if readStatus.isFailure {
            completeRead(status: readStatus)
            return
        }
        armReadTimer()
        if inLength > 0 {
            checkContinue = true
            checkScheduled = true
            scheduleChecking()
        } else {
            rWaitsFor = CSHIM_EPOLLIN
            syncInterest()
            if transport.hasPendingBytes { schedule(.resumeRead) }
        }
    }

    /// One read step: up to `maxRead` bytes appended to the internal buffer, then the callback
    /// is queued (reading pauses until it has run).
    func performCheckingRead() {
        var got = 0
        var drained = false
        var terminal: IOStatus?
        let limit = max(maxRead, 1)
        while got < limit {
            let buf = ensureFreeSpace()
            let want = min(buf.count - inLength, limit - got)
            let r: TransportReadResult
            do {
                r = try withBytes(buf) { (p) throws(SystemError) -> TransportReadResult in
                    try transport.read(into: UnsafeMutableRawBufferPointer(start: p.baseAddress! + inLength, count: want))
                }
            } catch {
                terminal = .error(error)
                break
            }
            if case .bytes(let n) = r {
                inLength += n
                got += n
                if n < want && transport.shortReadMeansDrained { drained = true; break }
            } else if case .endOfFile = r {
                terminal = .eof
                break
            } else {
                drained = true
                rWaitsFor = transport.wants.rawValue
                break
            }
        }
        if got == 0 {
            if let t = terminal { completeRead(status: t) }
            return
        }
        rActivity = collection.now
        pendingReadTerminal = terminal
        checkContinue = !drained && terminal == nil
        rWaitsFor = 0
        checkScheduled = true
        scheduleChecking()
    }

    /// The internal buffer with at least one free byte (grown by doubling, contents kept).
    private func ensureFreeSpace() -> MutableByteStorage {
        if let b = inBuffer, b.count > inLength { return b }
        let old = inBuffer
        let cap = max((old?.count ?? 0) * 2, inLength + 4096, 8192)
        let nb = storageFactory(cap)
        if let o = old, inLength > 0 {
            o.withRawBytes { src in
                nb.withRawBytes { dst in dst.baseAddress!.copyMemory(from: src.baseAddress!, byteCount: inLength) }
            }
        }
        inBuffer = nb
        return nb
    }

    /// Delivery of a read-with-checking step.
    func runCheckingCallback(generation: Int) {
        // A step queued for an operation that was aborted or finished (and maybe restarted)
        // before it ran is dropped.
        guard generation == rGeneration else { return }
        checkScheduled = false
        guard readKind == .checking, let cb = rCallback, let buf = inBuffer else { return }
        let lengthBefore = inLength
        discardedInCallback = false
        inCheckingCallback = true
        cb(self, buf, inLength)
        inCheckingCallback = false
        // Finished, aborted, closed, or finished-and-restarted: nothing more for this step.
        if isClosed || readKind != .checking || rGeneration != generation { return }
        if discardedInCallback {
            // Bytes left after a discard have not been examined past the delimiter the callback
            // stopped at: present them again (old-length 0) without waiting for new input.
            oldLength = 0
            if inLength > 0 {
                checkScheduled = true
                checkContinue = checkContinue || pendingReadTerminal == nil
                scheduleChecking()
                return
            }
        } else {
            oldLength = min(lengthBefore, inLength)
        }
        if let t = pendingReadTerminal {
            pendingReadTerminal = nil
            completeRead(status: t)
        } else if checkContinue || transport.hasPendingBytes {
            checkContinue = false
            schedule(.resumeRead)
        } else {
            rWaitsFor = CSHIM_EPOLLIN
            syncInterest()
        }
    }

    /// async-io-state-finish: ends read-with-checking (no more callbacks), first dropping
    /// `discard` bytes; the rest stays buffered. Returns the bytes left. A pending EOF/error
    /// becomes the (sticky) read status.
    @discardableResult
    public func finish(discard: Int? = nil) -> Int {
        if let n = discard { dropFront(n) }
        if readKind == .checking {
            readKind = .none
            rWaitsFor = 0
            cancelReadTimer()
            checkScheduled = false
            if let t = pendingReadTerminal { readStatus = t }
            pendingReadTerminal = nil
            rCallback = nil
            rErrorCallback = nil
        }
        return inLength
    }

    /// async-io-state-discard: drops the first `n` bytes; the operation continues.
    @discardableResult
    public func discard(_ n: Int) -> Int {
        let before = inLength
        dropFront(n)
        // Only real progress re-presents the rest at once (discard 0 must not spin).
        if inLength < before { discardedInCallback = true }
        return inLength
    }

    func dropFront(_ count: Int) {
        let n = min(max(count, 0), inLength)
        if n == 0 { return }
        let rest = inLength - n
        if rest > 0 {
            inBuffer!.withRawBytes { p in
                p.baseAddress!.copyMemory(from: p.baseAddress! + n, byteCount: rest)
            }
        }
        inLength = rest
    }

    /// Installs a new factory for the internal buffer and moves the buffered bytes into
    /// storage it makes, so a read-with-checking with another element-type lends the right kind
    /// of vector. Illegal while a read is pending.
    public func setStorageFactory(_ factory: @escaping (Int) -> MutableByteStorage) throws(CommUsageError) {
        if readKind != .none { throw .readInProgress }
        storageFactory = factory
        guard let old = inBuffer else { return }
        let nb = factory(max(old.count, 1))
        if inLength > 0 {
            old.withRawBytes { src in
                nb.withRawBytes { dst in dst.baseAddress!.copyMemory(from: src.baseAddress!, byteCount: inLength) }
            }
        }
        inBuffer = nb
    }

    // MARK: buffered data

    /// async-io-state-buffered-data-length.
    public var bufferedDataLength: Int { inLength }

    /// async-io-state-get-buffered-data: moves as much buffered data as fits into
    /// `buffer[start, end)`; returns the count. Illegal while an operation is pending; allowed
    /// after close.
    public func getBufferedData(into buffer: MutableByteStorage, start: Int = 0, end: Int? = nil) throws(CommUsageError) -> Int {
        settleDeferredWrite()
        if !isClosed && (readKind != .none || writeHead < writeQueue.count) { throw .operationInProgress }
        let e = try AsyncIOState.checkRange(buffer, start, end)
        let n = min(inLength, e - start)
        if n == 0 { return 0 }
        inBuffer!.withRawBytes { src in
            buffer.withRawBytes { dst in (dst.baseAddress! + start).copyMemory(from: src.baseAddress!, byteCount: n) }
        }
        dropFront(n)
        return n
    }

    // MARK: wait-for-input

    /// async-io-state-wait-for-input: `callback(state)` once input (or EOF) is available,
    /// without reading it; on timeout with status `:timeout`.
    public func waitForInput(callback: @escaping StateCallback) throws(CommUsageError) {
        try checkCanStartRead()
        resetTransientReadStatus()
        readKind = .waitInput
        rStateCallback = callback
        if inLength > 0 || transport.hasPendingBytes || readStatus.isFailure {
            completeRead(status: readStatus)
        } else {
            armReadTimer()
            rWaitsFor = CSHIM_EPOLLIN
            syncInterest()
        }
    }

    // MARK: receive-message

    /// async-io-state-receive-message: one datagram into `buffer[start, end)`;
    /// `callback(state, buffer, count, sender)` (the bridge drops `sender` unless
    /// needs-address). Errors go to `errorCallback(state, buffer, 0)` when given.
    public func receiveMessage(_ buffer: MutableByteStorage, start: Int = 0, end: Int? = nil,
                               callback: @escaping ReceiveCallback, errorCallback: ReadCallback? = nil) throws(CommUsageError) {
        try checkCanStartRead()
        let e = try AsyncIOState.checkRange(buffer, start, end)
        resetTransientReadStatus()
        if case .error = readStatus { readStatus = .ok }  // datagram errors are per message
        readKind = .receive
        rBuffer = buffer
        rStart = start; rPos = start; rEnd = e
        rReceiveCallback = callback
        rErrorCallback = errorCallback
        beginWaitingForInput()
    }

    private func performReceive() {
        guard let buf = rBuffer else { return }
        let r: IOResult<(Int, SocketAddress?)>
        do {
            r = try withBytes(buf) { (p) throws(SystemError) -> IOResult<(Int, SocketAddress?)> in
                try Posix.recvFrom(fd, UnsafeMutableRawBufferPointer(start: p.baseAddress! + rStart, count: rEnd - rStart))
            }
        } catch {
            completeRead(status: .error(error))
            return
        }
        switch r {
        case .processed(let (n, addr)): completeRead(status: .ok, count: n, from: addr)
        case .wouldBlock: rWaitsFor = CSHIM_EPOLLIN
        }
    }
}
