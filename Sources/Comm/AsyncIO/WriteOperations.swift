import CShims
import Glibc

/// Write-direction operations: write-buffer, send-message, send-message-to-address. One is
/// active at a time; with `queueOutput` later ones wait in FIFO order, otherwise starting a
/// second throws `CommUsageError.writeInProgress`. The first attempt is made at once (the
/// socket buffer usually has room), but the callback always runs from the loop.
///
/// Inside `dispatch` (a write started by a callback) the first attempt waits for the end of
/// the batch, where the collection sends all such writes one after another
/// (`EventCollection.flushDeferredWrites`). Measured on the echo server at 100 connections:
/// the replies leave in bursts, so the peer is woken once per burst instead of once per
/// reply (each wake-up of a sleeping peer was ~10% of the server's time, in the kernel), and
/// the sends run back to back with the kernel's code warm; 70-74k -> 80-84k messages/s,
/// level with the C server. Every operation that can observe a pending write settles the
/// deferred attempt first, so no caller can tell the difference.
extension AsyncIOState {
    /// async-io-state-write-buffer: writes all of `buffer[start, end)` (partial writes are
    /// resumed) and calls `callback(state, buffer, written)`; on write-timeout with status
    /// `:timeout` and the partial count; errors (EPIPE, ECONNRESET ...) go to `errorCallback`
    /// when given. The caller must not modify the buffer until the callback ran.
    public func writeBuffer(_ buffer: MutableByteStorage, start: Int = 0, end: Int? = nil,
                            callback: WriteCallback?, errorCallback: WriteCallback? = nil) throws(CommUsageError) {
        let e = try AsyncIOState.checkRange(buffer, start, end)
        let k: WriteOp.Kind = kind == .tcp ? .stream : .datagram
        try startWrite(WriteOp(kind: k, buffer: buffer, start: start, pos: start, end: e, callback: callback, errorCallback: errorCallback))
    }

    /// async-io-state-send-message: one datagram on a connected socket; the bridge calls the
    /// 1-argument Lisp callback from `callback(state, buffer, count)`.
    public func sendMessage(_ buffer: MutableByteStorage, start: Int = 0, end: Int? = nil,
                            callback: WriteCallback?, errorCallback: WriteCallback? = nil) throws(CommUsageError) {
        if kind == .tcp { throw .wrongSocketKind("send-message needs a UDP async-io-state") }
        let e = try AsyncIOState.checkRange(buffer, start, end)
        try startWrite(WriteOp(kind: .datagram, buffer: buffer, start: start, pos: start, end: e, callback: callback, errorCallback: errorCallback))
    }

    /// async-io-state-send-message-to-address: one datagram to `address` (unconnected socket).
    public func sendMessage(to address: SocketAddress, _ buffer: MutableByteStorage, start: Int = 0, end: Int? = nil,
                            callback: WriteCallback?, errorCallback: WriteCallback? = nil) throws(CommUsageError) {
        if kind == .tcp { throw .wrongSocketKind("send-message-to-address needs a UDP async-io-state") }
        let e = try AsyncIOState.checkRange(buffer, start, end)
        try startWrite(WriteOp(kind: .datagramTo(address), buffer: buffer, start: start, pos: start, end: e, callback: callback, errorCallback: errorCallback))
    }

    private func startWrite(_ op: consuming WriteOp) throws(CommUsageError) {
        if isClosed { throw .closed }
        if isConnecting { throw .notConnected }
        if tlsOperation != nil { throw .operationInProgress }
        settleDeferredWrite()
        let idle = writeHead >= writeQueue.count
        if !idle && !queueOutput { throw .writeInProgress }
        if let limit = maxQueuedOutputBytes, !idle {
            let queued = pendingWriteBytes
            if queued + (op.end - op.start) > limit { throw .outputQueueFull(queued: queued, limit: limit) }
        }
        writeQueue.append(op)
        if idle { startNextWrite() }
    }

    /// Starts the head of the queue: sticky errors fail it at once, otherwise try to write.
    func startNextWrite() {
        guard writeHead < writeQueue.count, !isClosed else {
            cancelWriteTimer()
            return
        }
        if writeStatus == .timeout { writeStatus = .ok }
        // Stream errors are sticky (the connection is broken); datagram errors are per message.
        if kind != .tcp, case .error = writeStatus { writeStatus = .ok }
        if case .error(let e) = writeStatus {
            failWrites(e)
            return
        }
        armWriteTimer()
        if collection.dispatching {
            if !writeDeferred {
                writeDeferred = true
                collection.deferredWriters.append(self)
            }
            return
        }
        performWrite()
    }

    /// Makes the deferred first attempt of the head write now: at the collection's flush, and
    /// first thing in every operation whose outcome depends on whether a write is pending
    /// (another write, close, abort, shutdown, get-buffered-data, write status, pending-write
    /// counts, TLS attach), so those behave exactly as if the write had been attempted when
    /// it was started.
    @inline(__always)
    func settleDeferredWrite() {
        if writeDeferred { performDeferredWrite() }
    }

    private func performDeferredWrite() {
        writeDeferred = false
        if isClosed || writeHead >= writeQueue.count { return }
        performWrite()
    }

    /// Writes as much of the queue as the socket takes; re-arms write interest on EAGAIN.
    func performWrite() {
        while writeHead < writeQueue.count {
            // Fields are read one by one: copying the whole op would retain its buffer and both
            // callbacks (and release them again) on every write.
            let kind = writeQueue[writeHead].kind
            let pos = writeQueue[writeHead].pos, end = writeQueue[writeHead].end
            let len = end - pos
            let r: IOResult<Int>
            do {
                r = try withBytes(writeQueue[writeHead].buffer) { (p) throws(SystemError) -> IOResult<Int> in
                    let src = UnsafeRawBufferPointer(start: p.baseAddress! + pos, count: len)
                    switch kind {
                    case .stream: return try transport.write(from: src)
                    case .datagram: return try Posix.send(fd, src)
                    case .datagramTo(let a): return try Posix.sendTo(fd, src, to: a)
                    }
                }
            } catch {
                if case .stream = kind {
                    failWrites(error)
                    return
                }
                // A datagram error belongs to that datagram only (e.g. ECONNREFUSED via ICMP).
                writeStatus = .error(error)
                completeHeadWrite()
                wWaitsFor = 0
                schedule(.resumeWrite)
                return
            }
            switch r {
            case .wouldBlock:
                wWaitsFor = kind.isStream ? transport.wants.rawValue : CSHIM_EPOLLOUT
                syncInterest()
                return
            case .processed(let n):
                wActivity = collection.now
                if kind.isStream {
                    writeQueue[writeHead].pos += n
                    if n < len { continue }
                } else {
                    writeQueue[writeHead].pos = end
                }
                if writeHead + 1 == writeQueue.count && collection.completesWritesInline && mayRunCallbackNow {
                    // The last queued write, sent by the collection's flush: the loop's
                    // bookkeeping is done first, since its callback may start the next write.
                    wWaitsFor = 0
                    cancelWriteTimer()
                    completeLastWriteInline()
                    return
                }
                completeHeadWrite()
                if writeHead < writeQueue.count { armWriteTimer() }
            }
        }
        wWaitsFor = 0
        cancelWriteTimer()
    }

    /// Pops the head op and queues its callback with the current write status.
    func completeHeadWrite() {
        let op: WriteOp
        if writeHead == 0 && writeQueue.count == 1 {
            // The usual single write is moved out (no copy of its buffer and callbacks).
            op = writeQueue.removeLast()
        } else {
            op = writeQueue[writeHead]
            writeHead += 1
            if writeHead == writeQueue.count {
                writeQueue.removeAll(keepingCapacity: true)
                writeHead = 0
            }
        }
        let cb = writeStatus.isFailure ? (op.errorCallback ?? op.callback) : op.callback
        if let cb { schedule(.write(cb, op.buffer, op.pos - op.start)) }
    }

    /// True when a completion may run at once and keep the state's order: nothing of this
    /// state is queued and none of its callbacks is running.
    private var mayRunCallbackNow: Bool {
        !isQueued && queuedChecking < 0 && deliveries.isEmpty && callbackDepth == 0
    }

    /// The last queued write completed successfully during the collection's own end-of-batch
    /// flush: its callback runs here rather than through the ready queue (scheduling,
    /// queueing and delivering it cost ~400 instructions per echoed message). Still never from
    /// inside the call that started the write; writes it starts wait for the next flush, so a
    /// callback that always writes again cannot keep the loop here. Operations the callback
    /// starts on other states settle their writes the ordinary way (queued), so no callback
    /// runs nested inside another.
    private func completeLastWriteInline() {
        let op = writeQueue.removeLast()
        if writeHead > 0 {  // completed ops still ahead of it in the array
            writeQueue.removeAll(keepingCapacity: true)
            writeHead = 0
        }
        guard let cb = writeStatus.isFailure ? (op.errorCallback ?? op.callback) : op.callback else { return }
        collection.completesWritesInline = false
        callbackDepth += 1
        cb(self, op.buffer, op.pos - op.start)
        callbackDepth -= 1
        collection.completesWritesInline = true
        if isClosed { dropDeliveries() }
        closeIfRequestedByCallback()
    }

    /// A stream write failed: the status becomes the error (sticky) and every pending write
    /// completes with it, in order.
    func failWrites(_ e: SystemError) {
        writeStatus = .error(e)
        wWaitsFor = 0
        cancelWriteTimer()
        while writeHead < writeQueue.count { completeHeadWrite() }
    }
}

extension AsyncIOState.WriteOp.Kind {
    var isStream: Bool { if case .stream = self { return true } else { return false } }
}
