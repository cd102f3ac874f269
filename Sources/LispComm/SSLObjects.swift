import CShims
import Comm
import Glibc
import LispCore

// Lisp-visible SSL objects (spec section 12): ssl-ctx-pointer, ssl-pointer,
// ssl-abstract-context, X509 certificates, names and store contexts, private keys.

/// COMM:SSL-CTX-POINTER: one wrapper per `SSL_CTX*` made or seen by the bridge.
public final class LispSSLCtx: LispObject {
    /// nil after destroy-ssl-ctx.
    var context: TLSContext?
    let address: UInt
    init(_ c: TLSContext) {
        context = c
        address = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(c.pointer)))
        super.init()
    }
    public override var typeName: String { "SSL-CTX-POINTER" }
    public override var typePackage: String { "COMM" }
    public override func printUnreadable() -> String {
        context == nil ? "COMM:SSL-CTX-POINTER destroyed" : "COMM:SSL-CTX-POINTER #x\(String(address, radix: 16))"
    }

    /// The wrapper for a context (the same object every time while it lives).
    static func wrap(_ c: TLSContext) -> LispSSLCtx {
        let key = ObjectIdentifier(c)
        if let w = table[key]?.value, w.context === c { return w }
        let w = LispSSLCtx(c)
        table[key] = WeakCtx(w)
        if table.count > 64 && table.count % 64 == 0 { table = table.filter { $0.value.value != nil } }
        return w
    }
    nonisolated(unsafe) private static var table: [ObjectIdentifier: WeakCtx] = [:]
    struct WeakCtx { weak var value: LispSSLCtx?; init(_ v: LispSSLCtx) { value = v } }
}

/// COMM:SSL-POINTER: an `SSL*` (valid while its connection has SSL attached).
public final class LispSSL: LispObject {
    let pointer: OpaquePointer
    weak var transport: TLSTransport?
    init(_ p: OpaquePointer, transport: TLSTransport? = nil) {
        pointer = p
        self.transport = transport
    }
    public override var typeName: String { "SSL-POINTER" }
    public override var typePackage: String { "COMM" }
    public override func printUnreadable() -> String {
        "COMM:SSL-POINTER #x\(String(UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(pointer))), radix: 16))"
    }
}

/// COMM:SSL-ABSTRACT-CONTEXT (create-ssl-server-context / create-ssl-client-context).
public final class LispSSLAbstract: LispObject {
    /// Replaced by reset-ssl-abstract-context (connections already made keep theirs).
    var context: TLSContext
    /// The create-ssl-…-context arguments, replayed by reset-ssl-abstract-context.
    var creationArgs: [Value] = []
    let server: Bool
    var name: Value
    var sslConfigure: LispFunction?
    var hostName: String?
    init(context: TLSContext, server: Bool, name: Value) {
        self.context = context
        self.server = server
        self.name = name
    }
    public override var typeName: String { "SSL-ABSTRACT-CONTEXT" }
    public override var typePackage: String { "COMM" }
    public override func printUnreadable() -> String {
        "COMM:SSL-ABSTRACT-CONTEXT \(server ? "server" : "client")\(name.isNil ? "" : " " + World.shared.printHook(name))"
    }
}

/// COMM:X509-POINTER: a certificate.
public final class LispX509: LispObject {
    let cert: X509Certificate
    init(_ c: X509Certificate) { cert = c }
    public override var typeName: String { "X509-POINTER" }
    public override var typePackage: String { "COMM" }
    public override func printUnreadable() -> String { "COMM:X509-POINTER \(cert.subject)" }
}

/// COMM:X509-NAME: the subject or issuer name of a certificate.
public final class LispX509Name: LispObject {
    let cert: X509Certificate
    let issuer: Bool
    init(_ c: X509Certificate, issuer: Bool) { cert = c; self.issuer = issuer }
    var text: String { issuer ? cert.issuer : cert.subject }
    func field(_ f: String) -> String? { issuer ? cert.issuerField(f) : cert.subjectField(f) }
    public override var typeName: String { "X509-NAME" }
    public override var typePackage: String { "COMM" }
    public override func printUnreadable() -> String { "COMM:X509-NAME \(text)" }
}

/// COMM:X509-STORE-CTX-POINTER: valid only during a verification callback.
public final class LispX509StoreCtx: LispObject {
    var pointer: OpaquePointer?
    init(_ p: OpaquePointer?) { pointer = p }
    public override var typeName: String { "X509-STORE-CTX-POINTER" }
    public override var typePackage: String { "COMM" }
    public override func printUnreadable() -> String { pointer == nil ? "COMM:X509-STORE-CTX-POINTER (invalid)" : "COMM:X509-STORE-CTX-POINTER" }
}

/// COMM:PRIVATE-KEY-POINTER (read-certificate-key-pairs).
public final class LispPrivateKey: LispObject {
    let key: PrivateKey
    init(_ k: PrivateKey) { key = k }
    public override var typeName: String { "PRIVATE-KEY-POINTER" }
    public override var typePackage: String { "COMM" }
    public override func printUnreadable() -> String { "COMM:PRIVATE-KEY-POINTER" }
}
