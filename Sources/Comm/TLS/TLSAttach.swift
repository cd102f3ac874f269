import CShims
import Glibc

/// How to attach TLS to a state (async-io-state-attach-ssl keywords, already resolved by the
/// bridge: a symbol `ssl-ctx` becomes a fresh `TLSContext` after ctx-configure-callback ran).
public struct TLSAttachOptions {
    public var context: TLSContext
    /// `:ssl-side`; default `.server` (LispWorks' default for attach-ssl).
    public var side: TLSSide
    /// `:tlsext-host-name`: SNI, and the expected host when the context verifies the peer.
    public var hostName: String?
    /// `:handshake-timeout` in seconds; nil = none.
    public var handshakeTimeout: Double?
    /// `:ssl-configure-callback`: called with the new `SSL*` before the handshake.
    public var configure: ((OpaquePointer) -> Void)?
    /// When set, asked for the context each time a connection is made instead of `context`
    /// (an abstract context that `reset-ssl-abstract-context` may replace while an acceptor
    /// made with it keeps running).
    public var contextSource: (() -> TLSContext)?

    /// The context for a connection made now.
    public var currentContext: TLSContext { contextSource?() ?? context }

    public init(context: TLSContext, side: TLSSide = .server, hostName: String? = nil,
                handshakeTimeout: Double? = nil, configure: ((OpaquePointer) -> Void)? = nil) {
        self.context = context
        self.side = side
        self.hostName = hostName
        self.handshakeTimeout = handshakeTimeout
        self.configure = configure
    }
}

/// Completion of attach / handshake: nil = success.
public typealias TLSHandshakeCallback = (AsyncIOState, TLSFailure?) -> Void

/// The TLS operation in progress on a state (a handshake or a detach). While one runs no read
/// or write operation may start, and readiness goes to it.
final class TLSOperation {
    enum Kind { case handshake, shutdown }
    let kind: Kind
    /// Internal completion, called from the loop (never from the starting call).
    var completion: ((AsyncIOState, TLSFailure?) -> Void)?
    var timer: LoopTimer?
    /// attach: on failure the state goes back to the plain transport.
    var detachOnFailure = false

    init(kind: Kind, completion: @escaping (AsyncIOState, TLSFailure?) -> Void) {
        self.kind = kind
        self.completion = completion
    }
}

extension AsyncIOState {
    // MARK: inspection

    /// The TLS transport when SSL is attached (nil = plain).
    public var tlsTransport: TLSTransport? {
        guard let t = transport as? TLSTransport, !t.isReleased else { return nil }
        return t
    }
    /// async-io-state-ctx: the `SSL_CTX*` (nil without SSL).
    public var tlsContext: TLSContext? { tlsTransport?.context }
    /// async-io-state-ssl: the `SSL*` (nil without SSL).
    public var sslPointer: OpaquePointer? { tlsTransport?.ssl }
    /// async-io-state-ssl-side: nil without SSL.
    public var tlsSide: TLSSide? { tlsTransport?.side }
    /// True while a handshake or detach runs.
    public var isTLSOperationInProgress: Bool { tlsOperation != nil }
    /// The peer's certificate after the handshake.
    public var peerCertificate: X509Certificate? { tlsTransport?.peerCertificate }

    // MARK: attach / handshake / detach

    /// async-io-state-attach-ssl: puts TLS on this TCP state and runs the handshake (not for
    /// side `.both`, which only attaches: choose the role on `tlsTransport`, then `handshake`).
    /// `callback(state, nil)` on success; `callback(state, failure)` on failure, after which
    /// the state is plain again (not SSL attached) with read status `:timeout` (timeout),
    /// `:eof` (peer closed) or the error. Throws when an operation is pending or SSL is
    /// already attached.
    public func attachTLS(_ options: TLSAttachOptions, callback: @escaping TLSHandshakeCallback) throws(CommUsageError) {
        try checkTLSStart()
        if tlsTransport != nil { throw .wrongSocketKind("SSL is already attached to this async-io-state") }
        let t: TLSTransport
        do {
            t = try TLSTransport(context: options.currentContext, fd: fd, side: options.side, hostName: options.hostName,
                                 configure: options.configure)
        } catch {
            let f = TLSFailure(kind: .other, errors: error.errors)
            lastTLSFailure = f
            schedule(.state { s in callback(s, f) })
            return
        }
        // Bytes a read-with-checking left buffered came off the socket before SSL: they are the
        // start of the peer's handshake (e.g. a ClientHello right after a STARTTLS line).
        if inLength > 0, let buf = inBuffer {
            let n = inLength
            var failure: TLSError?
            buf.withRawBytes { p in
                do throws(TLSError) { try t.feedReadPrefix(UnsafeRawBufferPointer(start: p.baseAddress, count: n)) } catch { failure = error }
            }
            if let error = failure {
                t.close()
                let f = TLSFailure(kind: .other, errors: error.errors)
                lastTLSFailure = f
                schedule(.state { s in callback(s, f) })
                return
            }
            inLength = 0
        }
        transport = t
        if options.side == .both {
            schedule(.state { s in callback(s, nil) })
            return
        }
        startTLSHandshake(timeout: options.handshakeTimeout, detachOnFailure: true) { s, f in
            s.schedule(.state { s in callback(s, f) })
        }
    }

    /// async-io-state-handshake: runs (or finishes) the handshake on a state with SSL attached.
    /// Failure: status as for `attachTLS`, but SSL stays attached.
    public func handshake(timeout: Double? = nil, callback: @escaping TLSHandshakeCallback) throws(CommUsageError) {
        try checkTLSStart()
        guard tlsTransport != nil else { throw .wrongSocketKind("no SSL attached to this async-io-state") }
        startTLSHandshake(timeout: timeout, detachOnFailure: false) { s, f in
            s.schedule(.state { s in callback(s, f) })
        }
    }

    /// async-io-state-detach-ssl: sends close_notify, waits (up to `timeout` seconds, default 2)
    /// for the peer's, frees the SSL object and goes back to plain I/O; then `callback(state)`.
    /// No SSL: the callback just runs.
    public func detachTLS(timeout: Double? = 2, callback: StateCallback?) throws(CommUsageError) {
        try checkTLSStart()
        guard let t = tlsTransport else {
            if let cb = callback { schedule(.state(cb)) }
            return
        }
        let finish: (AsyncIOState, TLSFailure?) -> Void = { s, _ in
            t.release()
            s.transport = PlainTransport(fd: s.fd)
            if let cb = callback { s.schedule(.state(cb)) }
        }
        let op = TLSOperation(kind: .shutdown, completion: finish)
        tlsOperation = op
        armTLSTimer(op, timeout)
        stepTLSOperation()
    }

    // MARK: engine side

    func checkTLSStart() throws(CommUsageError) {
        if isClosed { throw .closed }
        if isConnecting { throw .notConnected }
        if kind != .tcp { throw .wrongSocketKind("SSL needs a TCP async-io-state") }
        settleDeferredWrite()
        if tlsOperation != nil || readKind != .none || writeHead < writeQueue.count { throw .operationInProgress }
    }

    /// Starts the handshake on the attached transport; `completion` runs from the loop.
    func startTLSHandshake(timeout: Double?, detachOnFailure: Bool,
                           completion: @escaping (AsyncIOState, TLSFailure?) -> Void) {
        let op = TLSOperation(kind: .handshake, completion: completion)
        op.detachOnFailure = detachOnFailure
        tlsOperation = op
        armTLSTimer(op, timeout)
        // A server has nothing to do before the ClientHello arrives: wait for input (saves a
        // read that would only say EAGAIN per accepted connection). A client steps at once
        // (sends its ClientHello). Outcomes are delivered through the ready queue.
        if let t = tlsTransport, t.side == .server, !t.isHandshakeComplete, !t.hasPendingBytes {
            rWaitsFor = CSHIM_EPOLLIN
            syncInterest(exact: true)
        } else {
            stepTLSOperation()
        }
    }

    private func armTLSTimer(_ op: TLSOperation, _ timeout: Double?) {
        guard let t = timeout else { return }
        let timer = LoopTimer { [unowned self] in self.tlsTimedOut(op) }
        op.timer = timer
        collection.arm(timer, at: monotonicNanos() &+ nanos(fromSeconds: t))
    }

    /// Readiness while a TLS operation runs (called by `selectorEvent`).
    func tlsSelectorEvent(_ events: UInt32) {
        stepTLSOperation()
        if !isClosed { syncInterest(exact: true) }
    }

    /// Runs one step of the pending handshake/shutdown, finishing it or waiting for `wants`.
    func stepTLSOperation() {
        guard let op = tlsOperation, let t = tlsTransport else {
            if let op = tlsOperation { finishTLSOperation(op, TLSFailure(kind: .other)) }
            return
        }
        switch op.kind {
        case .handshake:
            switch t.handshakeStep() {
            case .done: finishTLSOperation(op, nil)
            case .wouldBlock:
                rWaitsFor = t.wants.rawValue
                syncInterest(exact: true)
            case .failed(let f): finishTLSOperation(op, f)
            }
        case .shutdown:
            if t.shutdownStep() {
                finishTLSOperation(op, nil)
            } else {
                rWaitsFor = t.wants.rawValue
                syncInterest(exact: true)
            }
        }
    }

    private func tlsTimedOut(_ op: TLSOperation) {
        guard !isClosed, tlsOperation === op else { return }
        if op.kind == .shutdown {
            finishTLSOperation(op, nil)  // detach anyway
        } else {
            finishTLSOperation(op, TLSFailure(kind: .timeout))
        }
    }

    private func finishTLSOperation(_ op: TLSOperation, _ failure: TLSFailure?) {
        tlsOperation = nil
        rWaitsFor = 0
        if let timer = op.timer { collection.cancel(timer); timer.action = nil; op.timer = nil }
        if let f = failure, op.kind == .handshake {
            lastTLSFailure = f
            switch f.kind {
            case .timeout: readStatus = .timeout
            case .closed: readStatus = .eof
            default: readStatus = .error(f.systemError)
            }
            if op.detachOnFailure, let t = tlsTransport {
                t.release()
                transport = PlainTransport(fd: fd)
            }
        }
        let c = op.completion
        op.completion = nil
        syncInterest(exact: true)
        c?(self, failure)
    }

    /// connect with TLS: after the TCP connect, the client handshake; the connect callback
    /// gets nil or the failure (`TLSFailure.systemError`; details in `lastTLSFailure`), and on
    /// failure the descriptor is released as for a failed connect.
    func startConnectTLS(_ options: TLSAttachOptions) {
        let cb = connectCallback
        connectCallback = nil
        let fail: (AsyncIOState, TLSFailure) -> Void = { s, f in
            s.lastTLSFailure = f
            s.releaseFD(close: true)
            s.transport = PlainTransport(fd: -1)
            if s.readStatus == .ok { s.readStatus = .error(f.systemError) }
            s.writeStatus = .error(f.systemError)
            if let cb { s.schedule(.connect(cb, f.systemError)) }
        }
        do {
            transport = try TLSTransport(context: options.currentContext, fd: fd, side: .client, hostName: options.hostName,
                                         configure: options.configure)
        } catch {
            fail(self, TLSFailure(kind: .other, errors: error.errors))
            return
        }
        startTLSHandshake(timeout: options.handshakeTimeout, detachOnFailure: false) { s, f in
            if let f {
                fail(s, f)
            } else if let cb {
                s.schedule(.connect(cb, nil))
            }
        }
    }

    /// Close while a TLS operation runs: drop it silently.
    func dropTLSOperation() {
        guard let op = tlsOperation else { return }
        tlsOperation = nil
        if let timer = op.timer { collection.cancel(timer); timer.action = nil; op.timer = nil }
        op.completion = nil
    }
}
