import CShims
import Comm
import Glibc
import LispCore

/// SSL conditions, failure-args, and resolving the SSL keyword arguments (spec sections 9, 12)
/// into the engine's `TLSAttachOptions`. Decisions are written down in the README (compatibility notes, SSL).
enum SSLBridge {
    nonisolated(unsafe) static var sslCondition: ConditionClass!
    nonisolated(unsafe) static var sslClosed: ConditionClass!
    nonisolated(unsafe) static var sslError: ConditionClass!
    nonisolated(unsafe) static var sslFailure: ConditionClass!
    nonisolated(unsafe) static var sslX509Lookup: ConditionClass!
    nonisolated(unsafe) static var sslHandshakeTimeout: ConditionClass!
    nonisolated(unsafe) static var sslVerificationFailure: ConditionClass!
    /// A Lisp non-local exit caught inside an OpenSSL callback outside any collection callback
    /// (e.g. a password callback run by ssl-ctx-use-privatekey-file): rethrown after the call.
    nonisolated(unsafe) static var pendingUnwind: Unwind?
    /// Strong on purpose: the driver lives as long as the process, and a `weak` reference would
    /// give the Driver a refcount side table, making every retain/release of it (captured by
    /// each callback closure) take the slow path.
    nonisolated(unsafe) static var driver: Driver?

    /// Called from LispComm.install.
    static func register(_ rt: Runtime, _ d: Driver) {
        driver = d
        let comm = World.shared.comm
        let reg = ConditionRegistry.shared
        func def(_ n: String, _ parents: [ConditionClass]) -> ConditionClass {
            reg.define(comm.internExternal(n), parents: parents)
        }
        sslCondition = def("SSL-CONDITION", [LispComm.socketErrorClass])
        sslClosed = def("SSL-CLOSED", [sslCondition])
        sslError = def("SSL-ERROR", [sslCondition])
        sslFailure = def("SSL-FAILURE", [sslCondition])
        sslX509Lookup = def("SSL-X509-LOOKUP", [sslCondition])
        sslHandshakeTimeout = def("SSL-HANDSHAKE-TIMEOUT", [sslCondition])
        sslVerificationFailure = def("SSL-VERIFICATION-FAILURE", [sslCondition])
        SSLBuiltins.register(rt, d)
        SSLStreams.register(rt, d)
    }

    // MARK: conditions

    static func makeCondition(_ rt: Runtime, _ cls: ConditionClass, _ text: String, code: Value, errno: Int32 = 0) -> LispCondition {
        rt.makeCondition(cls, message: "~A", args: [Value(text)],
                         slots: ["SSL-CODE": code, "ERRNO": errno == 0 ? .null : .fixnum(Int(errno))])
    }

    /// The ssl-condition describing a handshake failure.
    static func condition(_ rt: Runtime, _ f: TLSFailure) -> LispCondition {
        let firstCode: Value = f.errors.first.map { .fixnum(Int(truncatingIfNeeded: $0.code)) } ?? .null
        switch f.kind {
        case .timeout: return makeCondition(rt, sslHandshakeTimeout, f.description, code: keyword("TIMEOUT"))
        case .closed: return makeCondition(rt, sslClosed, f.description, code: .null)
        case .verification:
            return makeCondition(rt, sslVerificationFailure, f.description,
                                 code: list(keyword("VERIFICATION"), .fixnum(f.verifyResult)))
        case .protocolError: return makeCondition(rt, sslFailure, f.description, code: firstCode)
        case .syscall: return makeCondition(rt, sslError, f.description, code: firstCode, errno: f.errno)
        case .other: return makeCondition(rt, sslError, f.description, code: firstCode)
        }
    }

    /// A synchronous setup failure (files, keys, passwords): an SSL-FAILURE whose code is the
    /// first OpenSSL error number.
    static func setupCondition(_ rt: Runtime, _ fname: String, _ e: TLSError) -> LispCondition {
        let code: Value = e.errors.first.map { .fixnum(Int(truncatingIfNeeded: $0.code)) } ?? .null
        return makeCondition(rt, sslFailure, "\(qualified(fname)): \(e.description)", code: code)
    }

    static func signalSetup(_ rt: Runtime, _ fname: String, _ e: TLSError) throws(Unwind) -> Never {
        try rt.signalError(setupCondition(rt, fname, e))
    }

    /// failure-args for a TLS handshake failure: `("Handshake timed out")`,
    /// `("SSL connection closed")`, else `("~A" text ssl-condition)` (the condition is an extra
    /// format argument, ignored by FORMAT, found by async-io-ssl-failure-indicator-from-failure-args).
    static func failureArgs(_ rt: Runtime, _ f: TLSFailure) -> Value {
        switch f.kind {
        case .timeout: return list(Value("Handshake timed out"))
        case .closed: return list(Value("SSL connection closed"))
        default: return list(Value("~A"), Value(f.description), .object(condition(rt, f)))
        }
    }

    /// The error-indicator given to attach-ssl / handshake callbacks: :timeout, :closed or an
    /// ssl-condition.
    static func indicator(_ rt: Runtime, _ f: TLSFailure) -> Value {
        switch f.kind {
        case .timeout: return keyword("TIMEOUT")
        case .closed: return keyword("CLOSED")
        default: return .object(condition(rt, f))
        }
    }

    static func indicator(fromFailureArgs v: Value) -> Value {
        guard case .cons = v else { return .null }
        let items: [Value] = v.listArray
        if let first = items.first, case .string(let s) = first {
            if s.string == "Handshake timed out" { return keyword("TIMEOUT") }
            if s.string == "SSL connection closed" { return keyword("CLOSED") }
        }
        for x in items {
            if case .object(let o) = x, let c = o as? LispCondition, c.cls.isSubclass(of: sslCondition) { return x }
        }
        return .null
    }

    /// failure-args for a connect callback: TLS failures as above, nil for other errors (the
    /// caller builds its own "Failed to connect" list).
    static func connectFailureArgs(_ rt: Runtime, _ st: AsyncIOState, _ e: SystemError) -> Value? {
        guard TLSFailure.kind(of: e) != nil else { return nil }
        return failureArgs(rt, st.lastTLSFailure ?? TLSFailure(kind: TLSFailure.kind(of: e)!))
    }

    // MARK: calling Lisp from OpenSSL callbacks

    /// Runs Lisp code from inside an OpenSSL callback. Errors never cross the C frames: inside a
    /// collection's callback the collection's handler policy applies; elsewhere the exit is kept
    /// in `pendingUnwind` (rethrown by `rethrowPending`) when Lisp called OpenSSL directly, or
    /// reported on *error-output* when the loop did. Returns false when the body did not finish.
    static func callOut(_ rt: Runtime, _ body: () throws(Unwind) -> Void) -> Bool {
        do throws(Unwind) {
            try body()
            return true
        } catch {
            if pendingUnwind == nil { pendingUnwind = error }
            return false
        }
    }

    /// After an OpenSSL call that may have run Lisp callbacks.
    static func rethrowPending() throws(Unwind) {
        if let u = pendingUnwind {
            pendingUnwind = nil
            throw u
        }
    }

    /// Lisp code run by the loop (verification, certificate and configure callbacks during a
    /// handshake): errors are reported, never thrown through OpenSSL.
    static func callFromLoop(_ rt: Runtime, _ what: String, _ body: () throws(Unwind) -> Void) -> Bool {
        guard let d = driver else { return false }
        if let lc = d.currentCollectionForSSL {
            var ok = false
            d.runCallback(lc, .null) { () throws(Unwind) in try body(); ok = true }
            return ok
        }
        // Outside any collection: catch serious conditions ourselves.
        let tag = Value(World.shared.system.internExternal("%SSL-CALLBACK-ABANDON"))
        let handler = LispFunction(name: .null, kind: .native1 { rt, cond throws(Unwind) in
            var report = "(unprintable condition)"
            if case .object(let o) = cond, let c = o as? LispCondition, let r = try? rt.conditionReport(c) { report = r }
            rt.standardOutputStream.finishOutput()
            rt.errorOutputStream.writeString("Error in SSL \(what) callback: \(report)\n")
            rt.errorOutputStream.finishOutput()
            throw .toCatch(tag, .null)
        })
        let savedSP = rt.sp, savedDepth = rt.depth
        let nCatch = rt.catchTags.count, nHandlers = rt.handlerClusters.count, nRestarts = rt.restarts.count
        rt.handlerClusters.append([Handler(type: Value(World.shared.cl.internExternal("SERIOUS-CONDITION")), function: handler)])
        var ok = false
        do throws(Unwind) {
            try body()
            ok = true
        } catch {
            switch error {
            case .toCatch(let t, _) where eq(t, tag): break
            case .quit(let n): d.pendingQuit = n
            default: break
            }
        }
        rt.sp = savedSP
        rt.depth = savedDepth
        if rt.catchTags.count > nCatch { rt.catchTags.removeLast(rt.catchTags.count - nCatch) }
        if rt.handlerClusters.count > nHandlers { rt.handlerClusters.removeLast(rt.handlerClusters.count - nHandlers) }
        if rt.restarts.count > nRestarts { rt.restarts.removeLast(rt.restarts.count - nRestarts) }
        return ok
    }

    /// Whether Lisp is running directly (not from the loop): a callback's error may propagate.
    nonisolated(unsafe) static var lispIsCaller = 0

    /// Runs `body` (an OpenSSL call made for Lisp code) so that Lisp callbacks it triggers
    /// rethrow their non-local exits afterwards.
    static func direct<T>(_ body: () -> T) throws(Unwind) -> T {
        lispIsCaller += 1
        let r = body()
        lispIsCaller -= 1
        try rethrowPending()
        return r
    }

    /// Calls a Lisp callback from an OpenSSL callback, whoever is the caller.
    static func invoke(_ rt: Runtime, _ what: String, _ body: () throws(Unwind) -> Void) -> Bool {
        lispIsCaller > 0 ? callOut(rt, body) : callFromLoop(rt, what, body)
    }

    // MARK: keyword resolution

    /// `:ssl-ctx` symbol -> protocol (nil when not a protocol symbol).
    static func protocolFor(_ v: Value) -> TLSProtocol?? {
        guard case .symbol(let s) = v else { return nil }
        if s === Symbol.T { return .some(.negotiated) }
        guard s.isKeyword else { return nil }
        switch s.name {
        case "DEFAULT", "V23": return .some(.negotiated)
        case "TLS-V1": return .some(.tls1)
        case "TLS-V1.1": return .some(.tls1_1)
        case "TLS-V1.2": return .some(.tls1_2)
        case "TLS-V1.3": return .some(.tls1_3)
        case "V2", "V3": return .some(nil)
        default: return nil
        }
    }

    static func side(_ kw: KeyArgs, _ key: String, _ def: TLSSide) throws(Unwind) -> TLSSide {
        let v = kw[key]
        if v.isNil { return def }
        if case .symbol(let s) = v, s.isKeyword {
            switch s.name {
            case "CLIENT": return .client
            case "SERVER": return .server
            case "BOTH": return .both
            default: break
            }
        }
        try kw.fail(key, v, "one of :CLIENT, :SERVER, :BOTH")
    }

    static func sideValue(_ s: TLSSide) -> Value {
        switch s {
        case .client: return keyword("CLIENT")
        case .server: return keyword("SERVER")
        case .both: return keyword("BOTH")
        }
    }

    /// A fresh context for a protocol symbol.
    static func newContext(_ rt: Runtime, _ fname: String, _ v: Value, side: TLSSide) throws(Unwind) -> TLSContext {
        guard let p = protocolFor(v) else {
            try argError(rt, fname, ":SSL-CTX", v, "T, :DEFAULT, :V23, :TLS-V1, :TLS-V1.1, :TLS-V1.2, :TLS-V1.3, an SSL-CTX-POINTER or an SSL-ABSTRACT-CONTEXT")
        }
        guard let proto = p else { try commError(rt, fname, "\(rt.printString(v)): SSLv2 and SSLv3 are not supported") }
        do throws(TLSError) { return try TLSContext(side: side, protocol: proto) }
        catch { try signalSetup(rt, fname, error) }
    }

    /// The `SSL*` given to an ssl-configure-callback.
    static func configureClosure(_ rt: Runtime, _ fn: LispFunction?) -> ((OpaquePointer) -> Void)? {
        guard let fn else { return nil }
        return { ssl in
            _ = invoke(rt, "configure") { () throws(Unwind) in _ = try rt.funcall(fn, .object(LispSSL(ssl))) }
        }
    }

    /// The SSL keywords of accept / connect / attach resolved into attach options (nil when
    /// `:ssl-ctx` is nil). A symbol context is created now and `:ctx-configure-callback` runs
    /// on it (so an acceptor has one SSL_CTX for all its connections). `hostspec`: the
    /// connecting function's host, for `:tlsext-host-name t`.
    static func attachOptions(_ rt: Runtime, _ kw: KeyArgs, defaultSide: TLSSide, forceSide: TLSSide? = nil,
                              hostspec: Value = .null, server: Bool?, defaultCtx: Value = .null) throws(Unwind) -> TLSAttachOptions? {
        let fname = kw.fname
        let ctxv = kw.value("SSL-CTX", defaultCtx)
        if ctxv.isNil {
            // Nothing to attach, but the SSL keywords are checked all the same: a wrong type is
            // an error whether or not SSL is switched on.
            if kw.has("SSL-SIDE") { _ = try side(kw, "SSL-SIDE", defaultSide) }
            _ = try kw.function("SSL-CONFIGURE-CALLBACK")
            _ = try kw.function("CTX-CONFIGURE-CALLBACK")
            _ = try kw.function("SSL-ERROR-CALLBACK")
            _ = try kw.seconds("HANDSHAKE-TIMEOUT", allowZero: true)
            _ = try tlsextHostName(kw, hostspec: hostspec)
            return nil
        }
        let requestedSide = kw.has("SSL-SIDE") ? try side(kw, "SSL-SIDE", defaultSide) : defaultSide
        let sslSide = forceSide ?? requestedSide
        var context: TLSContext
        var sslConfigure = try kw.function("SSL-CONFIGURE-CALLBACK")
        var hostName: String?
        var contextSource: (() -> TLSContext)?
        switch ctxv {
        case .object(let o) where o is LispSSLCtx:
            guard let c = (o as! LispSSLCtx).context else { try commError(rt, fname, "the SSL-CTX-POINTER has been destroyed") }
            context = c
        case .object(let o) where o is LispSSLAbstract:
            let a = o as! LispSSLAbstract
            if let s = server, s != a.server {
                try argError(rt, fname, ":SSL-CTX", ctxv, s ? "a server SSL-ABSTRACT-CONTEXT" : "a client SSL-ABSTRACT-CONTEXT")
            }
            context = a.context
            contextSource = { a.context }  // follows reset-ssl-abstract-context
            if sslConfigure == nil { sslConfigure = a.sslConfigure }
            hostName = a.hostName
        case .object(let o) where o is LispSSL:
            try commError(rt, fname, "an SSL-POINTER cannot be shared by connections; pass an SSL-CTX-POINTER")
        default:
            let methodSide: TLSSide = forceSide ?? (requestedSide == .both ? .both : requestedSide)
            context = try newContext(rt, fname, ctxv, side: methodSide)
            if let f = try kw.function("CTX-CONFIGURE-CALLBACK") {
                _ = try rt.funcall(f, .object(LispSSLCtx.wrap(context)))
            }
        }
        if let h = try tlsextHostName(kw, hostspec: hostspec) { hostName = h }
        var options = TLSAttachOptions(context: context, side: sslSide, hostName: hostName,
                                handshakeTimeout: try kw.seconds("HANDSHAKE-TIMEOUT", allowZero: true),
                                configure: configureClosure(rt, sslConfigure))
        options.contextSource = contextSource
        return options
    }

    /// :tlsext-host-name: a string, T (the hostspec, when it is a name) or NIL (none).
    static func tlsextHostName(_ kw: KeyArgs, hostspec: Value) throws(Unwind) -> String? {
        switch kw["TLSEXT-HOST-NAME"] {
        case .null: return nil
        case .string(let s): return s.string
        case .symbol(let s) where s === Symbol.T:
            if case .string(let h) = hostspec { return h.string }
            return nil
        case let v: try kw.fail("TLSEXT-HOST-NAME", v, "a string, T or NIL")
        }
    }

    // MARK: hooks used by StateBuiltins

    /// accept-tcp-connections-creating-async-io-states: TLS options for the acceptor, with the
    /// ssl-error-callback called as (accepting-handle async-io-state failure-args).
    static func acceptTLS(_ rt: Runtime, _ kw: KeyArgs, _ d: Driver, _ lc: LispCollection,
                          handle: @escaping () -> LispAcceptor?, stateName: Value, userInfo: Value) throws(Unwind) -> AcceptingHandle.TLSAcceptOptions? {
        guard let attach = try attachOptions(rt, kw, defaultSide: .server, server: true) else { return nil }
        let errFn = try kw.function("SSL-ERROR-CALLBACK")
        return AcceptingHandle.TLSAcceptOptions(attach) { [d] _, s, f in
            guard let errFn, let h = handle() else { return }
            let ls = LispState(state: s, collection: lc, object: .fixnum(Int(s.fd)), name: stateName, userInfo: userInfo)
            let sv = Value.object(ls)
            d.runCallback(lc, sv) { () throws(Unwind) in
                _ = try d.rt.apply(errFn, [.object(h), sv, failureArgs(d.rt, f)])
            }
        }
    }
}

extension Driver {
    /// The collection whose callback is running (for Lisp code run inside OpenSSL callbacks).
    var currentCollectionForSSL: LispCollection? { currentContext?.collection }
}
