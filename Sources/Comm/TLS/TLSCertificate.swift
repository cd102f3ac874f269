import CShims
import Glibc

/// An X509 certificate (owns one reference to the `X509*`).
public final class X509Certificate {
    /// The `X509*`.
    public let pointer: OpaquePointer

    /// Takes ownership of one reference.
    public init(owning p: OpaquePointer) { pointer = p }
    /// Adds a reference to a borrowed `X509*`.
    public init(retaining p: OpaquePointer) {
        X509_up_ref(p)
        pointer = p
    }
    deinit { X509_free(pointer) }

    /// Reads the first certificate of a PEM file.
    public convenience init(pemFile path: String) throws(TLSError) {
        ERR_clear_error()
        guard let bio = BIO_new_file(path, "r") else { throw TLSError(kind: .file, operation: "read certificate \(path)") }
        defer { BIO_free(bio) }
        guard let x = PEM_read_bio_X509(bio, nil, nil, nil) else { throw TLSError(kind: .file, operation: "read certificate \(path)") }
        self.init(owning: x)
    }

    /// X509_NAME_oneline of the subject: `/C=GB/O=Example/CN=host`.
    public var subject: String { X509Certificate.oneline(X509_get_subject_name(pointer)) }
    /// X509_NAME_oneline of the issuer.
    public var issuer: String { X509Certificate.oneline(X509_get_issuer_name(pointer)) }
    /// One field of the subject by short or long name ("CN", "commonName", "O", "organizationName").
    public func subjectField(_ name: String) -> String? { X509Certificate.field(X509_get_subject_name(pointer), name) }
    public func issuerField(_ name: String) -> String? { X509Certificate.field(X509_get_issuer_name(pointer), name) }

    static func oneline(_ name: OpaquePointer?) -> String {
        guard let name else { return "" }
        guard let p = X509_NAME_oneline(name, nil, 0) else { return "" }
        defer { CRYPTO_free(p, #fileID, #line) }
        return String(cString: p)
    }

    /// x509-name-field-string: the text of `field` in an `X509_NAME*`, nil when absent/unknown.
    public static func field(_ name: OpaquePointer?, _ field: String) -> String? {
        guard let name else { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 1024) { buf -> String? in
            let n = cshim_X509_NAME_field(name, field, buf.baseAddress!, 1024)
            return n < 0 ? nil : String(cString: buf.baseAddress!)
        }
    }
}

/// A private key (owns one reference to the `EVP_PKEY*`).
public final class PrivateKey {
    public let pointer: OpaquePointer
    public init(owning p: OpaquePointer) { pointer = p }
    deinit { EVP_PKEY_free(pointer) }

    /// Reads a PEM private key, decrypting it with `password` when encrypted.
    public convenience init(pemFile path: String, password: String? = nil) throws(TLSError) {
        ERR_clear_error()
        guard let bio = BIO_new_file(path, "r") else { throw TLSError(kind: .file, operation: "read private key \(path)") }
        defer { BIO_free(bio) }
        let box = PasswordBox(password.map { pw in { _, _ in pw } })
        let u = Unmanaged.passUnretained(box).toOpaque()
        guard let k = PEM_read_bio_PrivateKey(bio, nil, tlsPasswordTrampoline, u) else {
            throw TLSError(kind: pemFileIsEncrypted(path) ? .badPassword : .file, operation: "read private key \(path)")
        }
        withExtendedLifetime(box) {}
        self.init(owning: k)
    }
}

/// read-certificate-key-pairs: every certificate in a PEM file with the private key that
/// follows it (nil when none), keys decrypted with `password`.
public func readCertificateKeyPairs(file path: String, password: String? = nil) throws(TLSError) -> [(X509Certificate, PrivateKey?)] {
    ERR_clear_error()
    let box = PasswordBox(password.map { pw in { _, _ in pw } })
    let u = Unmanaged.passUnretained(box).toOpaque()
    let max: Int32 = 64
    var certs = [OpaquePointer?](repeating: nil, count: Int(max))
    var keys = [OpaquePointer?](repeating: nil, count: Int(max))
    let n = cshim_read_cert_key_pairs(path, tlsPasswordTrampoline, u, &certs, &keys, max)
    withExtendedLifetime(box) {}
    if n < 0 { throw TLSError(kind: .file, operation: "read certificate/key pairs \(path)") }
    var out: [(X509Certificate, PrivateKey?)] = []
    for i in 0..<Int(n) {
        out.append((X509Certificate(owning: certs[i]!), keys[i].map { PrivateKey(owning: $0) }))
    }
    return out
}

/// Pass-phrase source: `(maxLength, rwflag) -> password` (nil = none: the load fails).
public typealias TLSPasswordCallback = (Int, Bool) -> String?

final class PasswordBox {
    var callback: TLSPasswordCallback?
    init(_ cb: TLSPasswordCallback?) { callback = cb }
}

/// pem_password_cb: userdata is an unretained `PasswordBox`.
let tlsPasswordTrampoline: @convention(c) (UnsafeMutablePointer<CChar>?, Int32, Int32, UnsafeMutableRawPointer?) -> Int32 = { buf, size, rwflag, u in
    guard let buf, let u, size > 0 else { return -1 }
    let box = Unmanaged<PasswordBox>.fromOpaque(u).takeUnretainedValue()
    guard let cb = box.callback, let pw = cb(Int(size), rwflag != 0) else { return -1 }
    let bytes = Array(pw.utf8)
    let n = min(bytes.count, Int(size))
    for i in 0..<n { buf[i] = CChar(bitPattern: bytes[i]) }
    return Int32(n)
}
