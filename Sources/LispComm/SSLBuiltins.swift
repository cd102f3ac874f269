import CShims
import Comm
import Glibc
import LispCore

/// The COMM SSL functions: SSL on async-io-states (spec section 9), contexts and the
/// OpenSSL-level helpers (section 12), certificates and conditions.
enum SSLBuiltins {
    static func ctxArg(_ rt: Runtime, _ v: Value, _ fname: String) throws(Unwind) -> TLSContext {
        switch v {
        case .object(let o) where o is LispSSLCtx:
            guard let c = (o as! LispSSLCtx).context else { try commError(rt, fname, "the SSL-CTX-POINTER has been destroyed") }
            return c
        case .object(let o) where o is LispSSLAbstract: return (o as! LispSSLAbstract).context
        default: try argError(rt, fname, "ssl-ctx", v, "an SSL-CTX-POINTER")
        }
    }

    static func stringArg(_ rt: Runtime, _ v: Value, _ fname: String, _ arg: String) throws(Unwind) -> String {
        switch v {
        case .string(let s): return s.string
        case .object(let o) where o.typeName == "PATHNAME": return rt.princString(v)
        default: try argError(rt, fname, arg, v, "a pathname designator")
        }
    }

    static func optionalString(_ rt: Runtime, _ kw: KeyArgs, _ k: String) throws(Unwind) -> String? {
        let v = kw[k]
        if v.isNil { return nil }
        return try stringArg(rt, v, kw.fname, ":" + k)
    }

    static func passwordCallback(_ rt: Runtime, _ fn: LispFunction, args: Int) -> TLSPasswordCallback {
        return { maxLen, rwflag in
            var out: String?
            _ = SSLBridge.invoke(rt, "password") { () throws(Unwind) in
                let v = args == 2 ? try rt.funcall(fn, .fixnum(maxLen), rwflag ? .t : .null) : try rt.funcall(fn, .fixnum(maxLen))
                if case .string(let s) = v { out = s.string }
            }
            return out
        }
    }

    static func verifyMode(_ rt: Runtime, _ v: Value, _ fname: String) throws(Unwind) -> TLSVerifyMode {
        switch v {
        case .null: return []
        case .fixnum(let n): return TLSVerifyMode(rawValue: Int32(truncatingIfNeeded: n))
        case .symbol(let s) where s.isKeyword:
            switch s.name {
            case "NEVER": return []
            case "ALWAYS": return [.peer, .failIfNoPeerCert]
            case "ONCE": return [.peer, .clientOnce]
            default: break
            }
        case .cons:
            var m: TLSVerifyMode = []
            for x in v.listElements {
                guard case .symbol(let s) = x, s.isKeyword else { try argError(rt, fname, "mode", v, "a verification mode") }
                switch s.name {
                case "VERIFY-PEER": m.insert(.peer)
                case "FAIL-IF-NO-PEER-CERT": m.insert(.failIfNoPeerCert)
                case "VERIFY-CLIENT-ONCE": m.insert(.clientOnce)
                default: try argError(rt, fname, "mode", v, "a list of :VERIFY-PEER :FAIL-IF-NO-PEER-CERT :VERIFY-CLIENT-ONCE")
                }
            }
            return m
        default: break
        }
        try argError(rt, fname, "mode", v, "an integer, :NEVER, :ALWAYS, :ONCE or a list of verify keywords")
    }

    /// (verify-fn ok-p x509-store-ctx) => accept-p.
    static func verifyClosure(_ rt: Runtime, _ fn: LispFunction) -> (Bool, OpaquePointer?) -> Bool {
        return { ok, store in
            let sc = LispX509StoreCtx(store)
            var result = false
            let done = SSLBridge.invoke(rt, "verify") { () throws(Unwind) in
                result = try rt.funcall(fn, ok ? .t : .null, .object(sc)).isTrue
            }
            sc.pointer = nil
            return done && result
        }
    }

    static func certificate(_ rt: Runtime, _ v: Value, _ fname: String) throws(Unwind) -> X509Certificate {
        if case .object(let o) = v, let x = o as? LispX509 { return x.cert }
        try argError(rt, fname, "x509", v, "an X509-POINTER")
    }

    static func register(_ rt: Runtime, _ d: Driver) {
        let comm = World.shared.comm
        rt.defVar(comm.internExternal("SSL_FILETYPE_PEM"), .fixnum(1))
        rt.defVar(comm.internExternal("SSL_FILETYPE_ASN1"), .fixnum(2))
        for n in ["SSL-CTX-POINTER", "SSL-POINTER", "SSL-ABSTRACT-CONTEXT", "X509-POINTER", "X509-NAME"] { _ = comm.internExternal(n) }

        // MARK: conditions
        rt.def1("SSL-CONDITION-SSL-CODE", in: comm) { rt, c throws(Unwind) in
            if case .object(let o) = c, let cond = o as? LispCondition, cond.cls.isSubclass(of: SSLBridge.sslCondition) { return cond.slot("SSL-CODE") }
            try argError(rt, "SSL-CONDITION-SSL-CODE", "condition", c, "a COMM:SSL-CONDITION")
        }
        rt.def1("ASYNC-IO-SSL-FAILURE-INDICATOR-FROM-FAILURE-ARGS", in: comm) { _, v throws(Unwind) in
            SSLBridge.indicator(fromFailureArgs: v)
        }

        // MARK: SSL on async-io-states
        rt.defN("ASYNC-IO-STATE-ATTACH-SSL", 2, -1, in: comm) { rt, args throws(Unwind) in
            let fname = "ASYNC-IO-STATE-ATTACH-SSL"
            let kw = try KeyArgs(rt, args, from: 2, allowed: ["SSL-SIDE", "SSL-CTX", "CTX-CONFIGURE-CALLBACK", "SSL-CONFIGURE-CALLBACK",
                                                              "HANDSHAKE-TIMEOUT", "TLSEXT-HOST-NAME"], fname: fname)
            let ls = try rt.stateArg(args[0], fname)
            let cb = try functionDesignator(rt, fname, "callback", args[1])
            guard let opts = try SSLBridge.attachOptions(rt, kw, defaultSide: .server, server: nil, defaultCtx: .t) else {
                try commError(rt, fname, ":SSL-CTX NIL: nothing to attach")
            }
            let lc = ls.collection
            do throws(CommUsageError) {
                try ls.state.attachTLS(opts) { [d] s, f in
                    let sv = Value.object(ls)
                    d.runCallback(lc, sv) { () throws(Unwind) in
                        _ = try d.rt.funcall(cb, sv, f.map { SSLBridge.indicator(d.rt, $0) } ?? .null)
                    }
                }
            } catch { try commError(rt, fname, "\(error)") }
            return .null
        }
        rt.defN("ASYNC-IO-STATE-HANDSHAKE", 2, 3, in: comm) { rt, args throws(Unwind) in
            let fname = "ASYNC-IO-STATE-HANDSHAKE"
            let ls = try rt.stateArg(args[0], fname)
            let cb = try functionDesignator(rt, fname, "callback", args[1])
            var timeout: Double?
            if args.count > 2 && !args[2].isNil {
                guard let t = realValue(args[2]), t >= 0 else { try argError(rt, fname, "timeout", args[2], "NIL or a non-negative real") }
                timeout = t
            }
            let lc = ls.collection
            do throws(CommUsageError) {
                try ls.state.handshake(timeout: timeout) { [d] s, f in
                    let sv = Value.object(ls)
                    d.runCallback(lc, sv) { () throws(Unwind) in
                        _ = try d.rt.funcall(cb, sv, f.map { SSLBridge.indicator(d.rt, $0) } ?? .null)
                    }
                }
            } catch { try commError(rt, fname, "\(error)") }
            return .null
        }
        rt.defN("ASYNC-IO-STATE-DETACH-SSL", 2, 2, in: comm) { rt, args throws(Unwind) in
            let fname = "ASYNC-IO-STATE-DETACH-SSL"
            let ls = try rt.stateArg(args[0], fname)
            let cb: LispFunction? = args[1].isNil ? nil : try functionDesignator(rt, fname, "callback", args[1])
            let lc = ls.collection
            do throws(CommUsageError) {
                try ls.state.detachTLS { [d] _ in
                    guard let cb else { return }
                    let sv = Value.object(ls)
                    d.runCallback(lc, sv) { () throws(Unwind) in _ = try d.rt.funcall(cb, sv) }
                }
            } catch { try commError(rt, fname, "\(error)") }
            return .null
        }
        rt.def1("ASYNC-IO-STATE-CTX", in: comm) { rt, s throws(Unwind) in
            let ls = try rt.stateArg(s, "ASYNC-IO-STATE-CTX")
            return ls.state.tlsContext.map { .object(LispSSLCtx.wrap($0)) } ?? .null
        }
        rt.def1("ASYNC-IO-STATE-SSL", in: comm) { rt, s throws(Unwind) in
            let ls = try rt.stateArg(s, "ASYNC-IO-STATE-SSL")
            guard let t = ls.state.tlsTransport else { return .null }
            return .object(LispSSL(t.ssl, transport: t))
        }
        // MARK: implementation selection (spec 12.4): OpenSSL is the only one here (:apple is
        // the Apple Security Framework, macOS and iOS only).
        let openssl = Value.symbol(World.shared.keyword("OPENSSL"))
        func implementationName(_ rt: Runtime, _ fname: String, _ v: Value) throws(Unwind) -> String {
            guard case .symbol(let s) = v, s.isKeyword, s.name == "OPENSSL" || s.name == "APPLE" else {
                try argError(rt, fname, "implementation-name", v, "one of :OPENSSL, :APPLE")
            }
            return s.name
        }
        rt.defN("SSL-DEFAULT-IMPLEMENTATION", 0, 0, in: comm) { _, _ throws(Unwind) in openssl }
        rt.defSetf("SSL-DEFAULT-IMPLEMENTATION", in: comm, 1, 1) { rt, args throws(Unwind) in
            let fname = "(SETF SSL-DEFAULT-IMPLEMENTATION)"
            if try implementationName(rt, fname, args[0]) != "OPENSSL" {
                try commError(rt, fname, "the :APPLE SSL implementation is not available on this platform")
            }
            return openssl
        }
        rt.def1("SSL-IMPLEMENTATION-AVAILABLE-P", in: comm) { rt, v throws(Unwind) in
            .bool(try implementationName(rt, "SSL-IMPLEMENTATION-AVAILABLE-P", v) == "OPENSSL")
        }
        rt.def1("SSL-CONNECTION-IMPLEMENTATION", in: comm) { rt, v throws(Unwind) in
            switch v {
            case .object(let o) where o is LispState: return (o as! LispState).state.tlsTransport == nil ? .null : openssl
            case .object(let o) where o is SocketStream: return SSLStreams.transport(o as! SocketStream) == nil ? .null : openssl
            default: try argError(rt, "SSL-CONNECTION-IMPLEMENTATION", "ssl-connection", v, "a COMM:SOCKET-STREAM or an ASYNC-IO-STATE")
            }
        }

        rt.def1("ASYNC-IO-STATE-SSL-SIDE", in: comm) { rt, s throws(Unwind) in
            let ls = try rt.stateArg(s, "ASYNC-IO-STATE-SSL-SIDE")
            return ls.state.tlsSide.map(SSLBridge.sideValue) ?? .null
        }

        // MARK: contexts
        rt.defN("MAKE-SSL-CTX", 0, -1, in: comm) { rt, args throws(Unwind) in
            let fname = "MAKE-SSL-CTX"
            let kw = try KeyArgs(rt, args, from: 0, allowed: ["SSL-CTX", "SSL-SIDE"], fname: fname)
            let v = kw.value("SSL-CTX", .t)
            if case .object(let o) = v {
                if o is LispSSLCtx { return v }
                if o is LispSSL { try commError(rt, fname, "an SSL-POINTER is not an SSL context") }
            }
            let side = try SSLBridge.side(kw, "SSL-SIDE", .server)
            return .object(LispSSLCtx.wrap(try SSLBridge.newContext(rt, fname, v, side: side)))
        }
        rt.def1("DESTROY-SSL-CTX", in: comm) { rt, v throws(Unwind) in
            guard case .object(let o) = v, let c = o as? LispSSLCtx else { try argError(rt, "DESTROY-SSL-CTX", "ssl-ctx", v, "an SSL-CTX-POINTER") }
            c.context = nil   // the SSL_CTX lives on while connections use it (refcounted)
            return .null
        }
        rt.defN("SET-SSL-CTX-PASSWORD-CALLBACK", 1, -1, in: comm) { rt, args throws(Unwind) in
            let fname = "SET-SSL-CTX-PASSWORD-CALLBACK"
            let kw = try KeyArgs(rt, args, from: 1, allowed: ["CALLBACK", "PASSWORD"], fname: fname)
            let c = try ctxArg(rt, args[0], fname)
            if let f = try kw.function("CALLBACK") {
                c.setPasswordCallback(passwordCallback(rt, f, args: 2))
            } else if case .string(let s) = kw["PASSWORD"] {
                c.setPassword(s.string)
            } else if !kw["PASSWORD"].isNil {
                try kw.fail("PASSWORD", kw["PASSWORD"], "a string")
            } else {
                try commError(rt, fname, "neither :callback nor :password given")
            }
            return .null
        }
        rt.defN("SSL-CTX-USE-CERTIFICATE-CHAIN-FILE", 2, 2, in: comm) { rt, args throws(Unwind) in
            let fname = "SSL-CTX-USE-CERTIFICATE-CHAIN-FILE"
            let c = try ctxArg(rt, args[0], fname)
            let path = try stringArg(rt, args[1], fname, "file")
            let ok = try SSLBridge.direct { () -> Bool in (try? c.useCertificateChainFile(path)) != nil }
            return .fixnum(ok ? 1 : 0)
        }
        func useKey(_ name: String) {
            rt.defN(name, 2, 3, in: comm) { rt, args throws(Unwind) in
                let c = try ctxArg(rt, args[0], name)
                let path = try stringArg(rt, args[1], name, "file")
                if args.count > 2, case .fixnum(let t) = args[2], t != 1 { try commError(rt, name, "only SSL_FILETYPE_PEM (1) is supported") }
                let ok = try SSLBridge.direct { () -> Bool in (try? c.usePrivateKeyFile(path)) != nil }
                return .fixnum(ok ? 1 : 0)
            }
        }
        useKey("SSL-CTX-USE-RSAPRIVATEKEY-FILE")
        useKey("SSL-CTX-USE-PRIVATEKEY-FILE")
        rt.defN("SET-VERIFICATION-MODE", 3, 4, in: comm) { rt, args throws(Unwind) in
            let fname = "SET-VERIFICATION-MODE"
            let c = try ctxArg(rt, args[0], fname)
            let mode = try verifyMode(rt, args[2], fname)
            var cb: ((Bool, OpaquePointer?) -> Bool)?
            if args.count > 3 && !args[3].isNil { cb = verifyClosure(rt, try functionDesignator(rt, fname, "callback", args[3])) }
            c.setVerify(mode, callback: cb)
            return .fixnum(1)
        }
        rt.def2("SET-VERIFICATION-DEPTH", in: comm) { rt, ctx, n throws(Unwind) in
            let c = try ctxArg(rt, ctx, "SET-VERIFICATION-DEPTH")
            guard case .fixnum(let depth) = n, depth >= 0, depth < 1000 else { try argError(rt, "SET-VERIFICATION-DEPTH", "depth", n, "a non-negative integer") }
            c.setVerifyDepth(Int32(depth))
            return .fixnum(1)
        }
        rt.defN("SET-SSL-CTX-DH", 1, -1, in: comm) { rt, args throws(Unwind) in
            let fname = "SET-SSL-CTX-DH"
            let kw = try KeyArgs(rt, args, from: 1, allowed: ["FILENAME"], fname: fname)
            let c = try ctxArg(rt, args[0], fname)
            let file = try optionalString(rt, kw, "FILENAME")
            do throws(TLSError) { try c.setDHParameters(file: file) } catch { try SSLBridge.signalSetup(rt, fname, error) }
            return .fixnum(1)
        }
        rt.def2("SET-SSL-CTX-CERT-CB", in: comm) { rt, ctx, fnv throws(Unwind) in
            let fname = "SET-SSL-CTX-CERT-CB"
            let c = try ctxArg(rt, ctx, fname)
            if fnv.isNil { c.setCertCallback(nil); return .null }
            let fn = try functionDesignator(rt, fname, "function", fnv)
            c.setCertCallback { ssl in
                var choice = TLSCertChoice.keep
                let ok = SSLBridge.invoke(rt, "certificate") { () throws(Unwind) in
                    let x = try rt.funcall(fn, .object(LispSSL(ssl)))
                    let k = rt.nvals >= 2 ? rt.mv[1] : .null
                    if case .object(let xo) = x, let cert = xo as? LispX509, case .object(let ko) = k, let key = ko as? LispPrivateKey {
                        choice = .use(cert.cert, key.key)
                    } else if case .symbol(let s) = x, s.isKeyword, s.name == "FAIL" {
                        choice = .fail
                    }
                }
                return ok ? choice : .fail
            }
            return .null
        }
        rt.defN("READ-CERTIFICATE-KEY-PAIRS", 1, -1, in: comm) { rt, args throws(Unwind) in
            let fname = "READ-CERTIFICATE-KEY-PAIRS"
            let kw = try KeyArgs(rt, args, from: 1, allowed: ["PASS-PHRASE"], fname: fname)
            let path = try stringArg(rt, args[0], fname, "file")
            let pw = try optionalString(rt, kw, "PASS-PHRASE")
            do throws(TLSError) {
                let pairs = try readCertificateKeyPairs(file: path, password: pw)
                return listFrom(pairs.map { list(.object(LispX509($0.0)), $0.1.map { .object(LispPrivateKey($0)) } ?? .null) })
            } catch { try SSLBridge.signalSetup(rt, fname, error) }
        }

        // MARK: abstract contexts
        func createContext(_ rt: Runtime, _ args: Args, server: Bool) throws(Unwind) -> Value {
            let fname = server ? "CREATE-SSL-SERVER-CONTEXT" : "CREATE-SSL-CLIENT-CONTEXT"
            var allowed = ["KEY-FILE", "CERT-FILE", "PASSWORD-CALLBACK", "PASSWORD", "PROTOCOL-VERSION", "IMPLEMENTATION",
                           "OPENSSL-CTX-CONFIGURE-CALLBACK", "OPENSSL-SSL-CONFIGURE-CALLBACK", "APPLE-CONFIGURE-CALLBACK",
                           "VERIFY-CALLBACK", "OPENSSL-TRUSTED-FILE", "OPENSSL-TRUSTED-DIRECTORY", "APPLE-USE-SYSTEM-TRUSTED",
                           "APPLE-ADD-TRUSTED-FILE", "APPLE-TRUST-CALLBACK", "KEYCHAIN", "KEYCHAIN-PASSWORD", "KEYCHAIN-RESET", "NAME"]
            allowed += server ? ["DH-FILE", "CLIENT-HELLO-CALLBACK"] : ["CERT-REQUEST-CALLBACK", "TLSEXT-HOST-NAME"]
            let kw = try KeyArgs(rt, args, from: 0, allowed: allowed, fname: fname)
            // These two hooks have no documented protocol to follow; refuse rather than ignore them.
            for name in ["CLIENT-HELLO-CALLBACK", "CERT-REQUEST-CALLBACK"] where kw[name].isTrue {
                try commError(rt, fname, ":\(name) is not supported by CommLisp")
            }
            let impl = kw["IMPLEMENTATION"]
            if case .symbol(let s) = impl, s.isKeyword, s.name != "OPENSSL" {
                try commError(rt, fname, "implementation \(rt.printString(impl)) is not available (only :OPENSSL)")
            }
            let pv = kw.value("PROTOCOL-VERSION", .t)
            guard let p = SSLBridge.protocolFor(pv), let proto = p else {
                try kw.fail("PROTOCOL-VERSION", pv, "T, :DEFAULT, :V23, :TLS-V1, :TLS-V1.1, :TLS-V1.2 or :TLS-V1.3")
            }
            let ctx: TLSContext
            do throws(TLSError) { ctx = try TLSContext(side: server ? .server : .client, protocol: proto) }
            catch { try SSLBridge.signalSetup(rt, fname, error) }
            if let f = try kw.function("PASSWORD-CALLBACK") {
                ctx.setPasswordCallback(passwordCallback(rt, f, args: 1))
            } else if case .string(let s) = kw["PASSWORD"] {
                ctx.setPassword(s.string)
            }
            let certFile = try optionalString(rt, kw, "CERT-FILE")
            let keyFile = try optionalString(rt, kw, "KEY-FILE") ?? (server ? certFile : nil)
            func setup(_ body: () throws(TLSError) -> Void) throws(Unwind) {
                var err: TLSError?
                try SSLBridge.direct { () -> Void in
                    do throws(TLSError) { try body() } catch { err = error }
                }
                if let e = err { try SSLBridge.signalSetup(rt, fname, e) }
            }
            if let cf = certFile { try setup { () throws(TLSError) in try ctx.useCertificateChainFile(cf) } }
            if let kf = keyFile, certFile != nil || !server { try setup { () throws(TLSError) in try ctx.usePrivateKeyFile(kf) } }
            if server, let dh = try optionalString(rt, kw, "DH-FILE") { try setup { () throws(TLSError) in try ctx.setDHParameters(file: dh) } }
            let tf = try optionalString(rt, kw, "OPENSSL-TRUSTED-FILE"), td = try optionalString(rt, kw, "OPENSSL-TRUSTED-DIRECTORY")
            if tf != nil || td != nil {
                try setup { () throws(TLSError) in try ctx.loadVerifyLocations(file: tf, directory: td) }
            } else if !server {
                try? ctx.useDefaultVerifyPaths()
            }
            let verify = try kw.function("VERIFY-CALLBACK")
            if !server {
                // Clients verify the server's certificate (against the trusted file/directory,
                // else the system store); a verify-callback may overrule OpenSSL's verdict.
                ctx.setVerify(.peer, callback: verify.map { verifyClosure(rt, $0) })
            } else if let v = verify {
                // Servers ask for a client certificate only when given a verify-callback.
                ctx.setVerify(.peer, callback: verifyClosure(rt, v))
            }
            let a = LispSSLAbstract(context: ctx, server: server, name: kw["NAME"])
            a.creationArgs = args.array
            a.sslConfigure = try kw.function("OPENSSL-SSL-CONFIGURE-CALLBACK")
            if !server, case .string(let h) = kw["TLSEXT-HOST-NAME"] { a.hostName = h.string }
            if let f = try kw.function("OPENSSL-CTX-CONFIGURE-CALLBACK") { _ = try rt.funcall(f, .object(LispSSLCtx.wrap(ctx))) }
            return .object(a)
        }
        rt.defN("CREATE-SSL-SERVER-CONTEXT", 0, -1, in: comm) { rt, args throws(Unwind) in try createContext(rt, args, server: true) }
        rt.defN("CREATE-SSL-CLIENT-CONTEXT", 0, -1, in: comm) { rt, args throws(Unwind) in try createContext(rt, args, server: false) }
        // reset-ssl-abstract-context (LispWorks 8.1): makes the underlying OpenSSL context again
        // from the arguments the context was created with, re-reading its files (renewed
        // certificates). Connections made afterwards use it, including those of acceptors and
        // of other users already holding the abstract context; live connections keep theirs.
        rt.def1("RESET-SSL-ABSTRACT-CONTEXT", in: comm) { rt, v throws(Unwind) in
            let fname = "RESET-SSL-ABSTRACT-CONTEXT"
            guard case .object(let o) = v, let a = o as? LispSSLAbstract else { try argError(rt, fname, "context", v, "an SSL-ABSTRACT-CONTEXT") }
            let creator = comm.internExternal(a.server ? "CREATE-SSL-SERVER-CONTEXT" : "CREATE-SSL-CLIENT-CONTEXT")
            guard case .object(let fo) = try rt.apply(try rt.coerceToFunction(Value(creator)), a.creationArgs),
                  let fresh = fo as? LispSSLAbstract else { try commError(rt, fname, "could not remake the context") }
            a.context = fresh.context
            a.sslConfigure = fresh.sslConfigure
            a.hostName = fresh.hostName
            return v
        }
        rt.def1("SSL-ABSTRACT-CONTEXT-NAME", in: comm) { rt, v throws(Unwind) in
            guard case .object(let o) = v, let a = o as? LispSSLAbstract else { try argError(rt, "SSL-ABSTRACT-CONTEXT-NAME", "context", v, "an SSL-ABSTRACT-CONTEXT") }
            return a.name
        }

        // MARK: certificates
        rt.def1("SSL-GET-PEER-CERTIFICATE", in: comm) { rt, v throws(Unwind) in
            let fname = "SSL-GET-PEER-CERTIFICATE"
            switch v {
            case .object(let o) where o is LispState:
                return (o as! LispState).state.peerCertificate.map { .object(LispX509($0)) } ?? .null
            case .object(let o) where o is LispSSL:
                let s = o as! LispSSL
                if let t = s.transport { return t.peerCertificate.map { .object(LispX509($0)) } ?? .null }
                guard let x = SSL_get1_peer_certificate(s.pointer) else { return .null }
                return .object(LispX509(X509Certificate(owning: x)))
            default: try argError(rt, fname, "connection", v, "an ASYNC-IO-STATE or an SSL-POINTER")
            }
        }
        rt.def1("X509-STORE-CTX-GET-CURRENT-CERT", in: comm) { rt, v throws(Unwind) in
            guard case .object(let o) = v, let sc = o as? LispX509StoreCtx else { try argError(rt, "X509-STORE-CTX-GET-CURRENT-CERT", "store-ctx", v, "an X509-STORE-CTX-POINTER") }
            guard let p = sc.pointer else { try commError(rt, "X509-STORE-CTX-GET-CURRENT-CERT", "the store context is only valid during the verification callback") }
            guard let x = X509_STORE_CTX_get_current_cert(p) else { return .null }
            return .object(LispX509(X509Certificate(retaining: x)))
        }
        rt.def1("X509-STORE-CTX-GET-ERROR", in: comm) { rt, v throws(Unwind) in
            guard case .object(let o) = v, let sc = o as? LispX509StoreCtx, let p = sc.pointer else { try argError(rt, "X509-STORE-CTX-GET-ERROR", "store-ctx", v, "a valid X509-STORE-CTX-POINTER") }
            return .fixnum(Int(X509_STORE_CTX_get_error(p)))
        }
        rt.def1("X509-GET-SUBJECT-NAME", in: comm) { rt, v throws(Unwind) in
            .object(LispX509Name(try certificate(rt, v, "X509-GET-SUBJECT-NAME"), issuer: false))
        }
        rt.def1("X509-GET-ISSUER-NAME", in: comm) { rt, v throws(Unwind) in
            .object(LispX509Name(try certificate(rt, v, "X509-GET-ISSUER-NAME"), issuer: true))
        }
        rt.def2("X509-NAME-FIELD-STRING", in: comm) { rt, n, f throws(Unwind) in
            let fname = "X509-NAME-FIELD-STRING"
            guard case .object(let o) = n, let name = o as? LispX509Name else { try argError(rt, fname, "name", n, "an X509-NAME") }
            guard case .string(let s) = f else { try argError(rt, fname, "field", f, "a string") }
            return name.field(s.string).map { Value($0) } ?? .null
        }
        rt.defN("SSL-CONNECTION-READ-CERTIFICATES", 2, -1, in: comm) { rt, args throws(Unwind) in
            let fname = "SSL-CONNECTION-READ-CERTIFICATES"
            let kw = try KeyArgs(rt, args, from: 2, allowed: ["CERT-FILE", "PASSWORD", "PASSWORD-CALLBACK", "KEYCHAIN",
                                                              "KEYCHAIN-PASSWORD", "KEYCHAIN-RESET"], fname: fname)
            let t: TLSTransport?
            switch args[0] {
            case .object(let o) where o is LispState: t = (o as! LispState).state.tlsTransport
            case .object(let o) where o is SocketStream: t = SSLStreams.transport(o as! SocketStream)
            default: try argError(rt, fname, "connection", args[0], "an ASYNC-IO-STATE or a SOCKET-STREAM")
            }
            guard let t else { try commError(rt, fname, "no SSL attached to the connection") }
            let keyFile = try stringArg(rt, args[1], fname, "key-file")
            let certFile = try optionalString(rt, kw, "CERT-FILE") ?? keyFile
            var password: String?
            if case .string(let p) = kw["PASSWORD"] { password = p.string }
            if password == nil, let f = try kw.function("PASSWORD-CALLBACK") {
                if case .string(let p) = try rt.funcall(f, .fixnum(1024)) { password = p.string }
            }
            do throws(TLSError) {
                let pairs = try readCertificateKeyPairs(file: certFile, password: password)
                guard let leaf = pairs.first?.0 else { throw TLSError(kind: .file, operation: "no certificate in \(certFile)") }
                let key = try PrivateKey(pemFile: keyFile, password: password)
                try t.useCertificate(leaf, key: key, chain: pairs.dropFirst().map { $0.0 })
            } catch { try SSLBridge.signalSetup(rt, fname, error) }
            return .t
        }
        for (name, accept) in [("SSL-SET-ACCEPT-STATE", true), ("SSL-SET-CONNECT-STATE", false)] {
            rt.def1(name, in: comm) { rt, v throws(Unwind) in
                guard case .object(let o) = v, let s = o as? LispSSL else { try argError(rt, name, "ssl", v, "an SSL-POINTER") }
                if accept { SSL_set_accept_state(s.pointer) } else { SSL_set_connect_state(s.pointer) }
                return .null
            }
        }
        rt.def1("X509-NAME-ONELINE", in: comm) { rt, n throws(Unwind) in
            guard case .object(let o) = n, let name = o as? LispX509Name else { try argError(rt, "X509-NAME-ONELINE", "name", n, "an X509-NAME") }
            return Value(name.text)
        }
    }
}
