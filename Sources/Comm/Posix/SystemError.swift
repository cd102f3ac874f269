import CShims
import Glibc

/// An operating-system failure: the `errno` value, the operation that failed, and the
/// `strerror` text. Thrown by every synchronous Comm call and carried inside `IOStatus.error`
/// for asynchronous failures, so the bridge can turn it into a Lisp condition (errno + message).
public struct SystemError: Error, Equatable, CustomStringConvertible, Sendable {
    /// Where the code comes from: `errno`, a `getaddrinfo` EAI_* code, or (later) OpenSSL.
    public enum Domain: Sendable, Equatable { case posix, addrinfo, tls }

    public let errno: Int32
    public let operation: String
    public let domain: Domain
    /// Human-readable reason (strerror / gai_strerror / OpenSSL reason string).
    public let message: String

    public init(errno: Int32, op: String) {
        self.errno = errno
        self.operation = op
        self.domain = .posix
        self.message = SystemError.strerrorText(errno)
    }

    public init(domain: Domain, code: Int32, op: String, message: String) {
        self.errno = code
        self.operation = op
        self.domain = domain
        self.message = message
    }

    public var description: String { "\(operation) failed: \(message) (errno \(errno))" }

    /// `strerror_r` into a local buffer (GNU variant returns a pointer, possibly to static text).
    static func strerrorText(_ code: Int32) -> String {
        var buf = [CChar](repeating: 0, count: 256)
        // Swift sees the XSI strerror_r (int result, text in buf).
        if strerror_r(code, &buf, buf.count) != 0 { return "errno \(code)" }
        return String(decoding: buf.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Result of a nonblocking operation: done with a value, or the kernel said EAGAIN.
public enum IOResult<T> {
    case processed(T)
    case wouldBlock
}

/// The one place that talks to the kernel: retries EINTR, maps EAGAIN/EWOULDBLOCK to
/// `.wouldBlock`, and throws `SystemError` for everything else (the NIO `syscall` pattern).
/// Errnos that can only mean a bug in this engine (EBADF, EFAULT) trap in debug builds.
@inline(__always)
func syscall(_ op: StaticString, _ body: () -> Int) throws(SystemError) -> IOResult<Int> {
    while true {
        let r = body()
        if r >= 0 { return .processed(r) }
        let e = Glibc.errno
        switch e {
        case EINTR: continue
        case EAGAIN, EWOULDBLOCK: return .wouldBlock
        case EFAULT: assertionFailure("\(op): EFAULT means a bad pointer in Comm"); fallthrough
        default: throw SystemError(errno: e, op: "\(op)")
        }
    }
}

/// Like `syscall` but for calls where EAGAIN is itself an error (socket, bind, listen ...).
@inline(__always)
@discardableResult
func syscallBlocking(_ op: StaticString, _ body: () -> Int) throws(SystemError) -> Int {
    while true {
        let r = body()
        if r >= 0 { return r }
        let e = Glibc.errno
        if e == EINTR { continue }
        throw SystemError(errno: e, op: "\(op)")
    }
}
