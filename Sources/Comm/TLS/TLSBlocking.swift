import CShims
import Glibc

/// Blocking use of a `TLSTransport` for socket streams (attach-ssl, socket-stream-handshake,
/// detach-ssl): the descriptor is switched to nonblocking for the duration of the call and
/// poll(2) waits for what OpenSSL wants, so timeouts hold whatever the stream's own mode.
extension TLSTransport {
    /// Runs the handshake to the end. nil = success, else the failure (`.timeout` when
    /// `timeout` seconds passed; nil timeout = no limit).
    public func blockingHandshake(timeout: Double?) -> TLSFailure? {
        withNonBlockingFD { () -> TLSFailure? in
            let deadline = timeout.map { monotonicNanos() &+ nanos(fromSeconds: $0) }
            while true {
                switch handshakeStep() {
                case .done: return nil
                case .failed(let f): return f
                case .wouldBlock:
                    if !waitForWants(until: deadline) { return TLSFailure(kind: .timeout) }
                }
            }
        }
    }

    /// detach-ssl: close_notify, then up to `retryCount` more attempts `retryTimeout` seconds
    /// apart to receive the peer's; true when the shutdown completed both ways. The SSL object
    /// stays usable for inspection; drop the transport afterwards.
    public func blockingShutdown(retryCount: Int = 5, retryTimeout: Double = 0.1) -> Bool {
        withNonBlockingFD { () -> Bool in
            if shutdownStep() { return true }
            var tries = 0
            while tries <= retryCount {
                tries += 1
                _ = waitForWants(until: monotonicNanos() &+ nanos(fromSeconds: retryTimeout))
                if shutdownStep() { return true }
            }
            return false
        }
    }

    /// poll(2) for `wants` until `deadline` (nil = forever); false on timeout.
    public func waitForWants(until deadline: UInt64?) -> Bool {
        var p = pollfd(fd: fd, events: Int16(wants.contains(.write) ? POLLOUT : POLLIN), revents: 0)
        while true {
            var ms: Int32 = -1
            if let d = deadline {
                let now = monotonicNanos()
                if now >= d { return false }
                ms = Int32(min((d - now + 999_999) / 1_000_000, UInt64(Int32.max)))
            }
            let r = poll(&p, 1, ms)
            if r > 0 { return true }
            if r == 0 { return false }
            if Glibc.errno != EINTR { return true }  // let the next SSL call report it
        }
    }

    private func withNonBlockingFD<T>(_ body: () -> T) -> T {
        let flags = fcntl(fd, F_GETFL)
        let wasBlocking = flags >= 0 && flags & O_NONBLOCK == 0
        if wasBlocking { _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK) }
        defer { if wasBlocking { _ = fcntl(fd, F_SETFL, flags) } }
        return body()
    }

    /// The SNI host name the client asked for (server side; also inside a cert callback via
    /// `TLSTransport.serverName(ssl:)`).
    public var serverName: String? { isReleased ? nil : TLSTransport.serverName(ssl: ssl) }

    public static func serverName(ssl: OpaquePointer) -> String? {
        SSL_get_servername(ssl, Int32(TLSEXT_NAMETYPE_host_name)).map { String(cString: $0) }
    }
}
