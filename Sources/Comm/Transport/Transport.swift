/// Outcome of one `Transport.read`.
public enum TransportReadResult: Equatable {
    /// n > 0 bytes were stored.
    case bytes(Int)
    /// Orderly end of stream (TCP FIN, TLS close_notify).
    case endOfFile
    /// Nothing available now; wait for `wants` readiness and retry.
    case wouldBlock
}

/// The byte pipe under an async-io-state. The state code is written once against this protocol;
/// `PlainTransport` talks to the socket directly, a TLS transport (OpenSSL, nonblocking) plugs in
/// later without touching the state: it reports `.wouldBlock` with `wants` set to `.write` when
/// SSL_read needs the socket writable (and vice versa), keeps decrypted bytes it has not handed
/// out yet behind `hasPendingBytes` (SSL_pending), and says `shortReadMeansDrained == false`
/// because a short TLS read does not mean the socket is empty.
public protocol Transport: AnyObject {
    /// The socket descriptor (owned by the state, not the transport).
    var fd: Int32 { get }
    /// Reads up to `buffer.count` bytes. Throws `SystemError` on failure (ECONNRESET, TLS error).
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> TransportReadResult
    /// Writes up to `buffer.count` bytes; `.processed(n)` may be partial.
    func write(from buffer: UnsafeRawBufferPointer) throws(SystemError) -> IOResult<Int>
    /// Readiness the last `.wouldBlock` was waiting for (plain: the same direction).
    var wants: Interest { get }
    /// Bytes already received and decoded but not yet returned by `read` (TLS); plain: false.
    var hasPendingBytes: Bool { get }
    /// True when a read that returned fewer bytes than asked means the kernel buffer is empty,
    /// so the engine can skip the extra read that would only return EAGAIN.
    var shortReadMeansDrained: Bool { get }
    /// shutdown(2) of one or both directions (TLS: send close_notify first for `.write`).
    func shutdown(_ how: Posix.ShutdownHow) throws(SystemError)
    /// Releases transport resources (TLS: the SSL object). Never closes `fd`.
    func close()
    /// The write that last returned `.wouldBlock` will not be retried (aborted or timed out).
    /// TLS: OpenSSL still holds that record, so later writes fail instead of sending it
    /// against other bytes. Plain: nothing to do.
    func abandonWrite()
}

extension Transport {
    public func abandonWrite() {}
}
