import CShims
import Glibc

/// Which end of the handshake (`:ssl-side`). `.both` leaves the SSL object in neither accept
/// nor connect state: the application picks one before `handshake`.
public enum TLSSide: Sendable, Equatable {
    case client, server, both
}

/// Protocol selection (`:ssl-ctx` symbols / `:protocol-version`). The bridge maps
/// `t`, `:default`, `:v23` -> `.negotiated` (TLS 1.2 and 1.3, the best both ends support);
/// `:tls-v1` -> `.tls1`, `:tls-v1.1` -> `.tls1_1`, `:tls-v1.2` -> `.tls1_2`,
/// `:tls-v1.3` -> `.tls1_3` (min = max = that version). `:v2`/`:v3` are refused (no SSLv2/3).
public enum TLSProtocol: Sendable, Equatable {
    case negotiated, tls1, tls1_1, tls1_2, tls1_3

    var versions: (min: Int32, max: Int32) {
        switch self {
        case .negotiated: return (CSHIM_TLS1_2_VERSION, 0)  // 0 = highest supported (1.3)
        case .tls1: return (CSHIM_TLS1_VERSION, CSHIM_TLS1_VERSION)
        case .tls1_1: return (CSHIM_TLS1_1_VERSION, CSHIM_TLS1_1_VERSION)
        case .tls1_2: return (CSHIM_TLS1_2_VERSION, CSHIM_TLS1_2_VERSION)
        case .tls1_3: return (CSHIM_TLS1_3_VERSION, CSHIM_TLS1_3_VERSION)
        }
    }
}

/// Peer verification (`set-verification-mode`): `[]` = none; `.peer` = verify the peer's
/// certificate (a client always gets one from the server; a server then requests one);
/// `.failIfNoPeerCert` (server) = fail when the client sends none; `.clientOnce` (server).
public struct TLSVerifyMode: OptionSet, Sendable {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public static let none = TLSVerifyMode([])
    public static let peer = TLSVerifyMode(rawValue: CSHIM_SSL_VERIFY_PEER)
    public static let failIfNoPeerCert = TLSVerifyMode(rawValue: CSHIM_SSL_VERIFY_FAIL_IF_NO_PEER_CERT)
    public static let clientOnce = TLSVerifyMode(rawValue: CSHIM_SSL_VERIFY_CLIENT_ONCE)
}

/// What a certificate callback (`set-ssl-ctx-cert-cb`) decided for one connection.
public enum TLSCertChoice {
    /// Use the context's certificate and key.
    case keep
    /// Use this certificate and key for the connection.
    case use(X509Certificate, PrivateKey)
    /// Abort the handshake.
    case fail
}

/// An OpenSSL `SSL_CTX` with its configuration (LispWorks `ssl-ctx-pointer` / abstract
/// context). One context serves many connections; each `TLSTransport` keeps its context alive.
/// Every context gets: partial writes + moving write buffer, no renegotiation, no compression,
/// unexpected EOF reported as EOF (peers that close without close_notify), automatic DH.
public final class TLSContext {
    /// The `SSL_CTX*` (`async-io-state-ctx`).
    public let pointer: OpaquePointer
    public let side: TLSSide
    public let protocolVersion: TLSProtocol

    private let passwordBox = PasswordBox(nil)
    private var verifyCallback: ((Bool, OpaquePointer?) -> Bool)?
    private var certCallback: ((OpaquePointer) -> TLSCertChoice)?

    /// make-ssl-ctx: a fresh context for `side` with `protocolVersion`.
    public init(side: TLSSide = .server, protocol proto: TLSProtocol = .negotiated) throws(TLSError) {
        ERR_clear_error()
        let method: OpaquePointer?
        switch side {
        case .client: method = TLS_client_method()
        case .server: method = TLS_server_method()
        case .both: method = TLS_method()
        }
        guard let ctx = SSL_CTX_new(method) else { throw TLSError(operation: "SSL_CTX_new") }
        pointer = ctx
        self.side = side
        protocolVersion = proto
        let v = proto.versions
        if proto == .tls1 || proto == .tls1_1 {
            // OpenSSL 3 refuses TLS 1.0/1.1 at the default security level.
            _ = SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0")
        }
        guard cshim_SSL_CTX_set_min_proto_version(ctx, v.min) == 1,
              cshim_SSL_CTX_set_max_proto_version(ctx, v.max) == 1 else {
            SSL_CTX_free(ctx)
            throw TLSError(kind: .invalidArgument, operation: "set protocol version")
        }
        TLSContext.configureDefaults(ctx)
        attachSelf()
    }

    /// Wraps an existing `SSL_CTX*` (a foreign `ssl-ctx-pointer`), taking a reference of its
    /// own; the context gets this engine's modes and options.
    public init(retaining ctx: OpaquePointer, side: TLSSide = .both) {
        SSL_CTX_up_ref(ctx)
        pointer = ctx
        self.side = side
        protocolVersion = .negotiated
        TLSContext.configureDefaults(ctx)
        attachSelf()
    }

    deinit {
        if cshim_SSL_CTX_get_app_ptr(pointer) == Unmanaged.passUnretained(self).toOpaque() {
            _ = cshim_SSL_CTX_set_app_ptr(pointer, nil)
            SSL_CTX_set_default_passwd_cb(pointer, nil)
            SSL_CTX_set_default_passwd_cb_userdata(pointer, nil)
            if certCallback != nil { cshim_SSL_CTX_set_cert_cb(pointer, nil, nil) }
        }
        SSL_CTX_free(pointer)
    }

    private static func configureDefaults(_ ctx: OpaquePointer) {
        _ = cshim_SSL_CTX_set_mode(ctx, CSHIM_SSL_MODE_PARTIAL_AND_MOVING)
        cshim_SSL_CTX_set_default_options(ctx)
        _ = cshim_SSL_CTX_set_dh_auto(ctx, 1)
    }

    private func attachSelf() {
        _ = cshim_SSL_CTX_set_app_ptr(pointer, Unmanaged.passUnretained(self).toOpaque())
        SSL_CTX_set_default_passwd_cb(pointer, tlsPasswordTrampoline)
        SSL_CTX_set_default_passwd_cb_userdata(pointer, Unmanaged.passUnretained(passwordBox).toOpaque())
    }

    // MARK: keys and certificates

    /// set-ssl-ctx-password-callback :password.
    public func setPassword(_ password: String?) {
        passwordBox.callback = password.map { pw in { _, _ in pw } }
    }

    /// set-ssl-ctx-password-callback :callback: `(maxLength, rwflag) -> password`.
    public func setPasswordCallback(_ cb: TLSPasswordCallback?) { passwordBox.callback = cb }

    /// ssl-ctx-use-certificate-chain-file: the leaf certificate and its chain (PEM).
    public func useCertificateChainFile(_ path: String) throws(TLSError) {
        ERR_clear_error()
        if SSL_CTX_use_certificate_chain_file(pointer, path) != 1 {
            throw TLSError(kind: .file, operation: "certificate chain file \(path)")
        }
    }

    /// ssl-ctx-use-privatekey-file (PEM): decrypted with the password (callback) when encrypted.
    /// A wrong password throws `TLSError` with kind `.badPassword`; a key that does not match an
    /// already loaded certificate `.keyMismatch`.
    public func usePrivateKeyFile(_ path: String) throws(TLSError) {
        ERR_clear_error()
        if SSL_CTX_use_PrivateKey_file(pointer, path, CSHIM_SSL_FILETYPE_PEM) != 1 {
            throw TLSError(kind: pemFileIsEncrypted(path) ? .badPassword : .file, operation: "private key file \(path)")
        }
        if SSL_CTX_get0_certificate(pointer) != nil && SSL_CTX_check_private_key(pointer) != 1 {
            throw TLSError(kind: .keyMismatch, operation: "private key file \(path)")
        }
    }

    public func useCertificate(_ cert: X509Certificate) throws(TLSError) {
        ERR_clear_error()
        if SSL_CTX_use_certificate(pointer, cert.pointer) != 1 { throw TLSError(operation: "use certificate") }
    }

    public func usePrivateKey(_ key: PrivateKey) throws(TLSError) {
        ERR_clear_error()
        if SSL_CTX_use_PrivateKey(pointer, key.pointer) != 1 { throw TLSError(operation: "use private key") }
    }

    // MARK: verification

    /// CA certificates for verifying the peer (openssl-trusted-file / -directory).
    public func loadVerifyLocations(file: String? = nil, directory: String? = nil) throws(TLSError) {
        ERR_clear_error()
        if SSL_CTX_load_verify_locations(pointer, file, directory) != 1 {
            throw TLSError(kind: .file, operation: "load verify locations \(file ?? "") \(directory ?? "")")
        }
    }

    /// The system's default CA store.
    public func useDefaultVerifyPaths() throws(TLSError) {
        ERR_clear_error()
        if SSL_CTX_set_default_verify_paths(pointer) != 1 { throw TLSError(operation: "default verify paths") }
    }

    /// set-verification-mode: mode and an optional callback `(preverifyOK, X509_STORE_CTX*) ->
    /// accept` (return the first argument to keep OpenSSL's verdict).
    public func setVerify(_ mode: TLSVerifyMode, callback: ((Bool, OpaquePointer?) -> Bool)? = nil) {
        verifyCallback = callback
        SSL_CTX_set_verify(pointer, mode.rawValue, callback == nil ? nil : tlsVerifyTrampoline)
    }

    /// set-verification-depth.
    public func setVerifyDepth(_ depth: Int32) { SSL_CTX_set_verify_depth(pointer, depth) }

    // MARK: misc

    /// set-ssl-ctx-dh :filename: DH parameters from a PEM file; nil = automatic (built-in
    /// groups sized to the certificate, the OpenSSL 3 recommendation and the default).
    public func setDHParameters(file: String?) throws(TLSError) {
        ERR_clear_error()
        if let file {
            if cshim_SSL_CTX_load_dh_params_file(pointer, file) != 1 {
                throw TLSError(kind: .file, operation: "DH parameters file \(file)")
            }
        } else {
            _ = cshim_SSL_CTX_set_dh_auto(pointer, 1)
        }
    }

    /// SSL_CTX_set_cipher_list (TLS 1.2 and below).
    public func setCipherList(_ list: String) throws(TLSError) {
        ERR_clear_error()
        if SSL_CTX_set_cipher_list(pointer, list) != 1 { throw TLSError(kind: .invalidArgument, operation: "cipher list \(list)") }
    }

    /// SSL_CTX_set_ciphersuites (TLS 1.3).
    public func setCipherSuites(_ list: String) throws(TLSError) {
        ERR_clear_error()
        if SSL_CTX_set_ciphersuites(pointer, list) != 1 { throw TLSError(kind: .invalidArgument, operation: "ciphersuites \(list)") }
    }

    /// set-ssl-ctx-cert-cb: called during each handshake with the `SSL*` before the
    /// certificate is chosen (server: after the ClientHello, e.g. to pick by SNI). nil removes it.
    public func setCertCallback(_ cb: ((OpaquePointer) -> TLSCertChoice)?) {
        certCallback = cb
        if cb == nil {
            cshim_SSL_CTX_set_cert_cb(pointer, nil, nil)
        } else {
            cshim_SSL_CTX_set_cert_cb(pointer, tlsCertTrampoline, Unmanaged.passUnretained(self).toOpaque())
        }
    }

    // MARK: trampolines

    static func from(ctx: OpaquePointer?) -> TLSContext? {
        guard let ctx, let p = cshim_SSL_CTX_get_app_ptr(ctx) else { return nil }
        return Unmanaged<TLSContext>.fromOpaque(p).takeUnretainedValue()
    }

    fileprivate func runVerify(_ ok: Bool, _ store: OpaquePointer?) -> Bool {
        guard let cb = verifyCallback else { return ok }
        return cb(ok, store)
    }

    fileprivate func runCert(_ ssl: OpaquePointer) -> Int32 {
        guard let cb = certCallback else { return 1 }
        switch cb(ssl) {
        case .keep: return 1
        case .fail: return 0
        case .use(let cert, let key):
            if SSL_use_certificate(ssl, cert.pointer) != 1 || SSL_use_PrivateKey(ssl, key.pointer) != 1 { return 0 }
            return 1
        }
    }
}

private let tlsVerifyTrampoline: @convention(c) (Int32, OpaquePointer?) -> Int32 = { ok, store in
    guard let store, let ssl = cshim_SSL_from_store_ctx(store),
          let ctx = TLSContext.from(ctx: SSL_get_SSL_CTX(ssl)) else { return ok }
    return ctx.runVerify(ok != 0, store) ? 1 : 0
}

private let tlsCertTrampoline: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> Int32 = { ssl, arg in
    guard let ssl, let arg else { return 1 }
    return Unmanaged<TLSContext>.fromOpaque(arg).takeUnretainedValue().runCert(ssl)
}
