import CShims
import Glibc

/// Nonblocking OpenSSL over the socket descriptor, behind the engine's `Transport` protocol.
///
/// - Every SSL call starts with an empty error queue (`ERR_clear_error()`, or for reads and
///   writes a peek that clears only when something is queued), so SSL_get_error sees only its
///   own failure.
/// - SSL_ERROR_WANT_READ / WANT_WRITE set `wants` to the readiness OpenSSL needs, whichever
///   direction the call was (SSL_read may need the socket writable, SSL_write readable); the
///   engine waits for `wants`.
/// - Decrypted bytes OpenSSL holds (SSL_pending) are reported by `hasPendingBytes`; the engine
///   serves them from its ready queue since epoll will never report them.
/// - A read that returned a full record (16 KiB) may be followed by more records in the
///   socket: `shortReadMeansDrained` is false then (read again at once), true after a small
///   record (wait for epoll, which is level-triggered, so nothing is lost either way).
/// - Partial writes: SSL_MODE_ENABLE_PARTIAL_WRITE | ACCEPT_MOVING_WRITE_BUFFER, so a
///   write returns after each record and may be retried from a moved buffer.
/// - `close` sends close_notify (one nonblocking SSL_shutdown, best effort, skipped after a
///   fatal error or once the peer closed) and frees the SSL object; the descriptor is the
///   state's.
public final class TLSTransport: Transport {
    public let fd: Int32
    /// The `SSL*` (`async-io-state-ssl`).
    public let ssl: OpaquePointer
    public let context: TLSContext
    public let side: TLSSide
    public private(set) var wants: Interest = .read
    /// True once SSL_do_handshake succeeded.
    public private(set) var isHandshakeComplete = false
    /// A fatal SSL error happened: no close_notify may be sent.
    public private(set) var hadFatalError = false
    /// close_notify was sent.
    public private(set) var sentShutdown = false
    private var lastReadWasSmallRecord = true
    /// The peer's close_notify (or EOF) was read: closing needs no close_notify of ours.
    private var peerClosed = false
    private var freed = false
    /// A write returned WANT_*: OpenSSL holds an encrypted record for its retry.
    private var writeRetryPending = false
    /// That retry was abandoned: the record stream is broken for writing.
    private var writesBroken = false
    /// The SSL object has been freed (closed or detached).
    public var isReleased: Bool { freed }
    /// Plain bytes read before SSL was attached were handed to OpenSSL (`feedReadPrefix`);
    /// until consumed they count as pending input, since epoll will not report them.
    private var hasReadPrefix = false

    /// Makes the SSL object for `fd` from `context`, in accept (server) or connect (client)
    /// state (neither for `.both`), with `hostName` as SNI and, when the context verifies the
    /// peer, as the expected certificate host (an IP address: no SNI, the IP SAN is checked). `configure` sees the `SSL*` first
    /// (ssl-configure-callback).
    public init(context: TLSContext, fd: Int32, side: TLSSide, hostName: String? = nil,
                configure: ((OpaquePointer) -> Void)? = nil) throws(TLSError) {
        ERR_clear_error()
        guard let s = SSL_new(context.pointer) else { throw TLSError(operation: "SSL_new") }
        ssl = s
        self.fd = fd
        self.context = context
        self.side = side
        _ = cshim_SSL_set_mode(s, CSHIM_SSL_MODE_PARTIAL_AND_MOVING)
        if cshim_SSL_set_socket_fd(s, fd) != 1 {  // SSL_set_fd, but recv/send (socket_bio.c)
            SSL_free(s)
            freed = true
            throw TLSError(operation: "SSL_set_fd")
        }
        if let h = hostName, !h.isEmpty {
            let isIP = h.contains(":") || h.allSatisfy { $0.isNumber || $0 == "." }
            if isIP {
                // No SNI for addresses (RFC 6066); verify the certificate's IP SAN instead.
                _ = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s), h)
            } else {
                _ = cshim_SSL_set_tlsext_host_name(s, h)
                _ = SSL_set1_host(s, h)
            }
        }
        switch side {
        case .client: SSL_set_connect_state(s)
        case .server: SSL_set_accept_state(s)
        case .both: break
        }
        configure?(s)
    }

    deinit { free() }

    private func free() {
        if freed { return }
        freed = true
        SSL_free(ssl)
    }

    /// For `.both`: ssl-set-accept-state / ssl-set-connect-state before `handshake`.
    public func setAcceptState() { if !freed { SSL_set_accept_state(ssl) } }
    public func setConnectState() { if !freed { SSL_set_connect_state(ssl) } }

    // MARK: Transport

    @inline(__always)
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> TransportReadResult {
        if freed { throw SystemError(errno: EBADF, op: "SSL_read (SSL detached)") }
        clearErrorQueue()
        var n = 0
        let r = SSL_read_ex(ssl, buffer.baseAddress, buffer.count, &n)
        if r == 1 {
            lastReadWasSmallRecord = n < 16384
            return .bytes(n)
        }
        let e = SSL_get_error(ssl, r)
        switch e {
        case CSHIM_SSL_ERROR_WANT_READ:
            wants = .read
            return .wouldBlock
        case CSHIM_SSL_ERROR_WANT_WRITE:
            wants = .write
            return .wouldBlock
        case CSHIM_SSL_ERROR_ZERO_RETURN:
            peerClosed = true
            return .endOfFile
        default:
            throw ioFailure(e, op: "SSL_read")
        }
    }

    @inline(__always)
    public func write(from buffer: UnsafeRawBufferPointer) throws(SystemError) -> IOResult<Int> {
        if buffer.count == 0 { return .processed(0) }
        if freed { throw SystemError(errno: EBADF, op: "SSL_write (SSL detached)") }
        if writesBroken { throw SystemError(errno: EPIPE, op: "SSL_write (an earlier partial record was abandoned)") }
        clearErrorQueue()
        var n = 0
        let r = SSL_write_ex(ssl, buffer.baseAddress, buffer.count, &n)
        if r == 1 {
            writeRetryPending = false
            return .processed(n)
        }
        let e = SSL_get_error(ssl, r)
        switch e {
        case CSHIM_SSL_ERROR_WANT_WRITE:
            wants = .write
            writeRetryPending = true
            return .wouldBlock
        case CSHIM_SSL_ERROR_WANT_READ:
            wants = .read
            writeRetryPending = true
            return .wouldBlock
        case CSHIM_SSL_ERROR_ZERO_RETURN:
            throw SystemError(errno: EPIPE, op: "SSL_write")
        default:
            throw ioFailure(e, op: "SSL_write")
        }
    }

    /// Empties the thread's OpenSSL error queue before an SSL call (so SSL_get_error sees only
    /// that call's failure). The queue is nearly always empty already (failures drain it), and
    /// peeking is cheaper than ERR_clear_error's walk over every slot: once per read and write.
    @inline(__always)
    private func clearErrorQueue() {
        if ERR_peek_error() != 0 { ERR_clear_error() }
    }

    public func abandonWrite() {
        if writeRetryPending { writesBroken = true }
    }

    public var hasPendingBytes: Bool {
        if freed { return false }
        if SSL_pending(ssl) > 0 { return true }
        return hasReadPrefix && readPrefixPending()
    }

    /// Makes OpenSSL read `bytes` before anything from the socket: data that arrived before SSL
    /// was attached and was already taken out of the socket (e.g. a ClientHello that followed a
    /// STARTTLS line in the same segment). Call before the handshake starts.
    public func feedReadPrefix(_ bytes: UnsafeRawBufferPointer) throws(TLSError) {
        guard !freed, bytes.count > 0, let base = bytes.baseAddress else { return }
        ERR_clear_error()
        if cshim_SSL_push_read_prefix(ssl, base, bytes.count) != 1 { throw TLSError(operation: "BIO_new (read prefix)") }
        hasReadPrefix = true
    }

    /// True while fed bytes remain; drops the flag once they are consumed (hot path stays a
    /// single SSL_pending call).
    private func readPrefixPending() -> Bool {
        if cshim_SSL_read_prefix_pending(ssl) > 0 { return true }
        hasReadPrefix = false
        return false
    }
    /// A small record was the last read and OpenSSL buffers nothing unprocessed (read-ahead
    /// set by an ssl-configure-callback would buffer records epoll cannot see).
    public var shortReadMeansDrained: Bool {
        lastReadWasSmallRecord && (freed || (SSL_has_pending(ssl) == 0 && !(hasReadPrefix && readPrefixPending())))
    }

    /// `.write`/`.both`: close_notify first (best effort), then shutdown(2).
    public func shutdown(_ how: Posix.ShutdownHow) throws(SystemError) {
        if how != .read { sendCloseNotify() }
        try Posix.shutdown(fd, how)
    }

    /// Sends close_notify once and frees the SSL object. Never closes `fd`.
    public func close() {
        if freed { return }
        sendCloseNotify()
        free()
    }

    /// One nonblocking SSL_shutdown (sends close_notify unless a fatal error happened).
    func sendCloseNotify() {
        if freed || sentShutdown || hadFatalError || peerClosed || !isHandshakeComplete { return }
        sentShutdown = true
        ERR_clear_error()
        _ = SSL_shutdown(ssl)
        ERR_clear_error()
    }

    /// A failed SSL_read/SSL_write as a `SystemError`: errno for SSL_ERROR_SYSCALL (EPIPE when
    /// OpenSSL saw EOF without errno), else domain `.tls` with the OpenSSL reason strings.
    private func ioFailure(_ e: Int32, op: StaticString) -> SystemError {
        let err = Glibc.errno
        hadFatalError = true
        let entries = TLSError.drainQueue()
        if e == CSHIM_SSL_ERROR_SYSCALL && entries.isEmpty {
            return SystemError(errno: err == 0 ? ECONNRESET : err, op: "\(op)")
        }
        let text = entries.isEmpty ? "SSL error \(e)" : entries.map(\.text).joined(separator: "; ")
        return SystemError(domain: .tls, code: entries.last.map { $0.reason } ?? e, op: "\(op)", message: text)
    }

    // MARK: handshake and shutdown steps (driven by AsyncIOState)

    /// Outcome of one handshake step.
    public enum Step {
        case done
        /// Wait for `wants` readiness, then step again.
        case wouldBlock
        case failed(TLSFailure)
    }

    /// One SSL_do_handshake. Public for blocking users (socket streams): step, poll(2) the fd
    /// for `wants`, repeat.
    public func handshakeStep() -> Step {
        if isHandshakeComplete { return .done }
        if freed { return .failed(TLSFailure(kind: .other)) }
        ERR_clear_error()
        Glibc.errno = 0
        let r = SSL_do_handshake(ssl)
        if r == 1 {
            isHandshakeComplete = true
            return .done
        }
        let e = SSL_get_error(ssl, r)
        let err = Glibc.errno
        switch e {
        case CSHIM_SSL_ERROR_WANT_READ:
            wants = .read
            return .wouldBlock
        case CSHIM_SSL_ERROR_WANT_WRITE:
            wants = .write
            return .wouldBlock
        default:
            hadFatalError = true
            return .failed(handshakeFailure(e, errno: err))
        }
    }

    private func handshakeFailure(_ e: Int32, errno err: Int32) -> TLSFailure {
        let entries = TLSError.drainQueue()
        let vr = SSL_get_verify_result(ssl)
        if vr != CSHIM_X509_V_OK {
            let text = X509_verify_cert_error_string(vr).map { String(cString: $0) }
            return TLSFailure(kind: .verification, errors: entries, verifyResult: vr, verifyText: text, sslError: e)
        }
        switch e {
        case CSHIM_SSL_ERROR_ZERO_RETURN:
            return TLSFailure(kind: .closed, errors: entries, sslError: e)
        case CSHIM_SSL_ERROR_SYSCALL:
            if err == 0 && entries.isEmpty { return TLSFailure(kind: .closed, errors: entries, sslError: e) }
            if err == 0 { return TLSFailure(kind: .protocolError, errors: entries, sslError: e) }
            return TLSFailure(kind: .syscall, errors: entries, errno: err, sslError: e)
        default:
            if entries.contains(where: { $0.text.contains("unexpected eof") }) {
                return TLSFailure(kind: .closed, errors: entries, sslError: e)
            }
            return TLSFailure(kind: .protocolError, errors: entries, sslError: e)
        }
    }

    /// One step of a bidirectional shutdown: true when finished (or hopeless); false = wait
    /// for `wants` and step again.
    public func shutdownStep() -> Bool {
        if freed || hadFatalError || !isHandshakeComplete { return true }
        ERR_clear_error()
        sentShutdown = true
        let r = SSL_shutdown(ssl)
        if r == 1 { return true }
        if r == 0 {
            // close_notify sent; now wait for the peer's.
            wants = .read
            return false
        }
        let e = SSL_get_error(ssl, r)
        ERR_clear_error()
        switch e {
        case CSHIM_SSL_ERROR_WANT_READ: wants = .read; return false
        case CSHIM_SSL_ERROR_WANT_WRITE: wants = .write; return false
        default: return true
        }
    }

    /// Frees the SSL object without close_notify (detach after shutdown).
    func release() { free() }

    // MARK: per-connection certificates

    /// ssl-connection-read-certificates: certificate (chain) and key for this connection only.
    public func useCertificate(_ cert: X509Certificate, key: PrivateKey, chain: [X509Certificate] = []) throws(TLSError) {
        ERR_clear_error()
        if SSL_use_certificate(ssl, cert.pointer) != 1 { throw TLSError(operation: "SSL_use_certificate") }
        if SSL_use_PrivateKey(ssl, key.pointer) != 1 { throw TLSError(operation: "SSL_use_PrivateKey") }
        if SSL_check_private_key(ssl) != 1 { throw TLSError(kind: .keyMismatch, operation: "SSL_check_private_key") }
        for c in chain where cshim_SSL_add1_chain_cert(ssl, c.pointer) != 1 {
            throw TLSError(operation: "SSL_add1_chain_cert")
        }
    }

    // MARK: inspection

    /// The peer's certificate (nil when none was sent).
    public var peerCertificate: X509Certificate? {
        guard !freed, let x = SSL_get1_peer_certificate(ssl) else { return nil }
        return X509Certificate(owning: x)
    }

    /// SSL_get_verify_result and its text ("ok" for X509_V_OK).
    public var verifyResult: (code: Int, text: String) {
        if freed { return (0, "") }
        let v = SSL_get_verify_result(ssl)
        return (v, X509_verify_cert_error_string(v).map { String(cString: $0) } ?? "")
    }

    /// "TLSv1.3", "TLSv1.2" ...
    public var protocolVersionName: String { freed ? "" : String(cString: SSL_get_version(ssl)) }
    /// The negotiated cipher's name.
    public var cipherName: String? { freed ? nil : SSL_get_current_cipher(ssl).flatMap { SSL_CIPHER_get_name($0) }.map { String(cString: $0) } }
}
