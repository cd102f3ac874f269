import CShims
import Glibc

/// One entry of OpenSSL's thread-local error queue: the packed code and its text
/// (`error:0A000086:SSL routines::certificate verify failed`).
public struct TLSErrorEntry: Equatable, Sendable {
    public let code: UInt
    public let text: String
    /// ERR_GET_LIB / ERR_GET_REASON of `code`.
    public var library: Int32 { cshim_ERR_GET_LIB(code) }
    public var reason: Int32 { cshim_ERR_GET_REASON(code) }
}

/// Thrown by synchronous TLS setup (context creation, loading certificates and keys, DH
/// parameters): what was being done and the drained OpenSSL error queue.
public struct TLSError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The key could not be decrypted: wrong (or missing) password.
        case badPassword
        /// A file could not be opened or parsed.
        case file
        /// The certificate and private key do not match.
        case keyMismatch
        /// A bad argument (unknown protocol, field name ...).
        case invalidArgument
        case other
    }
    public let kind: Kind
    public let operation: String
    public let errors: [TLSErrorEntry]

    public init(kind: Kind = .other, operation: String, errors: [TLSErrorEntry] = TLSError.drainQueue()) {
        var k = kind
        if k == .other || k == .file {
            if errors.contains(where: { $0.text.contains("bad decrypt") || $0.text.contains("bad password read") || $0.text.contains("interrupted or cancelled") }) {
                k = .badPassword
            } else if errors.contains(where: { $0.text.contains("key values mismatch") }) {
                k = .keyMismatch
            }
        }
        self.kind = k
        self.operation = operation
        self.errors = errors
    }

    /// The OpenSSL reason strings, newest last.
    public var messages: [String] { errors.map(\.text) }

    public var description: String {
        let what: String
        switch kind {
        case .badPassword: what = "wrong password for the private key (or key not decryptable)"
        case .keyMismatch: what = "the private key does not match the certificate"
        case .file: what = "cannot read the file"
        case .invalidArgument: what = "invalid argument"
        case .other: what = "OpenSSL error"
        }
        let detail = errors.isEmpty ? "" : ": " + messages.joined(separator: "; ")
        return "\(operation): \(what)\(detail)"
    }

    /// Empties OpenSSL's per-thread error queue into entries (oldest first).
    public static func drainQueue() -> [TLSErrorEntry] {
        var out: [TLSErrorEntry] = []
        while true {
            let e = ERR_get_error()
            if e == 0 { break }
            out.append(TLSErrorEntry(code: e, text: errorString(e)))
        }
        return out
    }

    static func errorString(_ e: UInt) -> String {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 256) { buf in
            cshim_ERR_error_string(e, buf.baseAddress!, 256)
            return String(cString: buf.baseAddress!)
        }
    }
}

/// Why a TLS handshake (attach, accept-side or connect-side) failed. The bridge turns it into
/// the LispWorks failure-args list (`("Handshake timed out")`, `("SSL connection closed")`,
/// or a format list with the reasons) and `async-io-ssl-failure-indicator-from-failure-args`
/// uses `kind` (`:timeout`, `:closed`, else an ssl-condition built from the rest).
public struct TLSFailure: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Int32, Sendable, Equatable {
        /// The handshake timeout elapsed.
        case timeout = 1
        /// The peer closed the connection (EOF / close_notify) during the handshake.
        case closed = 2
        /// Certificate verification failed; `verifyResult`/`verifyText` say why.
        case verification = 3
        /// SSL_ERROR_SSL: protocol failure (e.g. plain bytes to a TLS port, no shared cipher).
        case protocolError = 4
        /// SSL_ERROR_SYSCALL: socket error (errno in `errno`, e.g. ECONNRESET).
        case syscall = 5
        /// The state was closed or detached while the handshake ran, or setup failed.
        case other = 6
    }
    public let kind: Kind
    /// The drained OpenSSL error queue.
    public let errors: [TLSErrorEntry]
    /// X509_V_* code (X509_V_OK = 0 when verification was not the problem).
    public let verifyResult: Int
    /// X509_verify_cert_error_string of `verifyResult` (nil when 0).
    public let verifyText: String?
    /// errno for `.syscall`, else 0.
    public let errno: Int32
    /// SSL_get_error result of the failing call (0 for timeout/other).
    public let sslError: Int32

    public init(kind: Kind, errors: [TLSErrorEntry] = [], verifyResult: Int = 0, verifyText: String? = nil,
                errno: Int32 = 0, sslError: Int32 = 0) {
        self.kind = kind
        self.errors = errors
        self.verifyResult = verifyResult
        self.verifyText = verifyText
        self.errno = errno
        self.sslError = sslError
    }

    /// The OpenSSL reason strings.
    public var messages: [String] { errors.map(\.text) }

    /// One line for logs and for the failure-args format string.
    public var description: String {
        switch kind {
        case .timeout: return "Handshake timed out"
        case .closed: return "SSL connection closed"
        case .verification:
            return "SSL certificate verification failed: \(verifyText ?? "unknown")" + (errors.isEmpty ? "" : " (" + messages.joined(separator: "; ") + ")")
        case .syscall:
            return "SSL handshake failed: \(SystemError.strerrorText(errno)) (errno \(errno))"
        case .protocolError, .other:
            return "SSL handshake failed" + (errors.isEmpty ? "" : ": " + messages.joined(separator: "; "))
        }
    }

    /// The same failure as a `SystemError` (domain `.tls`, code = `kind.rawValue`), for paths
    /// typed with `SystemError` (connect callback, I/O statuses). `TLSFailure(systemError)`
    /// recovers the kind; the full value is in `AsyncIOState.lastTLSFailure`.
    public var systemError: SystemError {
        SystemError(domain: .tls, code: kind.rawValue, op: "SSL handshake", message: description)
    }

    /// The kind of a `.tls` SystemError made by `systemError` (nil for other errors).
    public static func kind(of e: SystemError) -> Kind? {
        e.domain == .tls && e.operation == "SSL handshake" ? Kind(rawValue: e.errno) : nil
    }
}

/// Whether the PEM file at `path` holds an encrypted private key ("-----BEGIN ENCRYPTED PRIVATE
/// KEY-----", or a traditional key's "Proc-Type: 4,ENCRYPTED"). Loading such a key can fail with
/// a wrong password in two ways: usually OpenSSL reports "bad decrypt", but about one wrong
/// password in 256 decrypts to valid padding and then fails as malformed ASN.1. Either way the
/// password is at fault, so a failed load of an encrypted key is reported as `.badPassword`.
func pemFileIsEncrypted(_ path: String) -> Bool {
    guard let f = fopen(path, "r") else { return false }
    defer { fclose(f) }
    var buf = [UInt8](repeating: 0, count: 65536)
    let n = fread(&buf, 1, buf.count, f)
    let marker = Array("ENCRYPTED".utf8)
    guard n >= marker.count else { return false }
    for i in 0...(n - marker.count) where buf[i] == marker[0] && Array(buf[i..<(i + marker.count)]) == marker {
        return true
    }
    return false
}
