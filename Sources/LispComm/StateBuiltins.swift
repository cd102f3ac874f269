import Comm
import Glibc
import LispCore

/// Creating async-io-states and accepting handles (spec section 4), and the state accessors
/// (section 3).
enum StateBuiltins {
    static let sslKeys = ["SSL-CTX", "SSL-SIDE", "CTX-CONFIGURE-CALLBACK", "SSL-CONFIGURE-CALLBACK",
                          "HANDSHAKE-TIMEOUT", "SSL-ERROR-CALLBACK", "TLSEXT-HOST-NAME"]

    static func rejectSSL(_ rt: Runtime, _ kw: KeyArgs) throws(Unwind) {
        if kw["SSL-CTX"].isTrue { try commError(rt, kw.fname, "SSL (:ssl-ctx) is not yet supported") }
    }

    static func stateOptions(_ kw: KeyArgs, queueDefault: Bool) throws(Unwind) -> StateOptions {
        StateOptions(name: nil, userInfo: nil, readTimeout: try kw.seconds("READ-TIMEOUT"),
                     writeTimeout: try kw.seconds("WRITE-TIMEOUT"), queueOutput: kw.bool("QUEUE-OUTPUT", queueDefault))
    }

    static func register(_ rt: Runtime, _ d: Driver) {
        let comm = World.shared.comm

        // MARK: create-async-io-state
        rt.defN("CREATE-ASYNC-IO-STATE", 2, -1, in: comm) { rt, args throws(Unwind) in
            let fname = "CREATE-ASYNC-IO-STATE"
            let kw = try KeyArgs(rt, args, from: 2, allowed: ["READ-TIMEOUT", "WRITE-TIMEOUT", "USER-INFO", "UDP", "IPV6", "NAME", "QUEUE-OUTPUT"], fname: fname)
            let lc = try rt.collectionArg(args[0], fname)
            var fd: Int32
            var isStream = false
            switch args[1] {
            case .fixnum(let n) where n >= 0 && n <= Int(Int32.max): fd = Int32(n)
            case .object(let o) where o is SocketStream:
                let ss = o as! SocketStream
                if ss.fd < 0 { try commError(rt, fname, "the socket-stream is closed") }
                fd = ss.fd
                isStream = true
            default: try argError(rt, fname, "object", args[1], "a socket handle (integer) or a SOCKET-STREAM")
            }
            var kind = SocketKind.tcp
            let udp = kw["UDP"]
            if !isStream {
                switch udp {
                case .null: kind = .tcp
                case .symbol(let s) where s === Symbol.T: kind = .udp
                case .symbol(let s) where s.isKeyword && s.name == "CONNECTED": kind = .udpConnected
                default: try kw.fail("UDP", udp, "NIL, T or :CONNECTED")
                }
            }
            let opts = try stateOptions(kw, queueDefault: false)
            do throws(SystemError) {
                let s = try lc.coll.makeState(fd: fd, kind: kind, ipv6: kw.bool("IPV6", false), options: opts)
                if isStream, case .object(let o) = args[1], let ss = o as? SocketStream {
                    // Closing the state (without :keep-alive-p) closes the stream's socket:
                    // the stream is closed with it (spec 7.4), never left on a reused number.
                    s.descriptorClosed = { [weak ss] in ss?.descriptorClosedElsewhere() }
                }
                return .object(LispState(state: s, collection: lc, object: args[1], name: kw["NAME"], userInfo: kw["USER-INFO"]).timeouts(kw))
            } catch { try socketError(rt, fname, error) }
        }

        // MARK: create-async-io-state-and-connected-tcp-socket
        rt.defN("CREATE-ASYNC-IO-STATE-AND-CONNECTED-TCP-SOCKET", 4, -1, in: comm) { rt, args throws(Unwind) in
            let fname = "CREATE-ASYNC-IO-STATE-AND-CONNECTED-TCP-SOCKET"
            let kw = try KeyArgs(rt, args, from: 4, allowed: ["READ-TIMEOUT", "WRITE-TIMEOUT", "USER-INFO", "CONNECT-TIMEOUT",
                                                              "LOCAL-ADDRESS", "LOCAL-PORT", "KEEPALIVE", "NODELAY", "NAME",
                                                              "QUEUE-OUTPUT", "IPV6"] + sslKeys, fname: fname)
            let lc = try rt.collectionArg(args[0], fname)
            let callback = try functionDesignator(rt, fname, "callback", args[3])
            let port = try servicePort(rt, fname, args[2])
            let mode = try kw.ipv6Mode("IPV6", .any)
            var addresses: [SocketAddress] = []
            var resolveFailure: String?
            if let ip = literalAddress(args[1]) {
                addresses = [SocketAddress(ip: ip, port: port)]
            } else if case .string(let h) = args[1] {
                do throws(SystemError) {
                    addresses = try Resolver.resolve(host: h.string, port: port, family: familyPreference(mode))
                } catch { resolveFailure = error.message }
            } else {
                try argError(rt, fname, "hostspec", args[1], "a host name or address string, an integer IPv4 address or an IPV6-ADDRESS")
            }
            var copts = ConnectOptions(timeout: try kw.seconds("CONNECT-TIMEOUT"), keepAlive: kw.bool("KEEPALIVE", false),
                                       noDelay: kw.bool("NODELAY", true))
            copts.tls = try SSLBridge.attachOptions(rt, kw, defaultSide: .client, forceSide: .client, hostspec: args[1], server: false)
            if kw["LOCAL-ADDRESS"].isTrue || kw["LOCAL-PORT"].isTrue {
                let lport = try servicePort(rt, fname, kw["LOCAL-PORT"])
                let fam: Resolver.FamilyPreference = addresses.first.map { $0.ip.isIPv6 ? .ipv6 : .ipv4 } ?? .any
                copts.localAddress = try resolveHost(rt, fname, kw["LOCAL-ADDRESS"], lport, family: fam, passive: true).first
            }
            let opts = try stateOptions(kw, queueDefault: false)
            let hostText = rt.princString(args[1])
            var wrapper: LispState?
            let s = lc.coll.connectTCP(to: addresses, options: opts, connect: copts) { [d] st, failure in
                guard let w = wrapper ?? (st.bridgeObject as? LispState) else { return }
                let sv = Value.object(w)
                d.runCallback(lc, sv) { () throws(Unwind) in
                    var fv: Value = .null
                    if let f = failure {
                        let why = resolveFailure ?? f.message
                        fv = SSLBridge.connectFailureArgs(d.rt, st, f) ?? list(Value("Failed to connect to ~A port ~D: ~A"), Value(hostText), .fixnum(Int(port)), Value(why))
                    }
                    _ = try d.rt.funcall(callback, sv, fv)
                }
                wrapper = nil
            }
            let w = LispState(state: s, collection: lc, object: .null, name: kw["NAME"], userInfo: kw["USER-INFO"]).timeouts(kw)
            wrapper = w
            return .object(w)
        }

        // MARK: UDP creators
        func udpCreate(_ rt: Runtime, _ args: Args, connected: Bool) throws(Unwind) -> Value {
            let fname = connected ? "CREATE-ASYNC-IO-STATE-AND-CONNECTED-UDP-SOCKET" : "CREATE-ASYNC-IO-STATE-AND-UDP-SOCKET"
            let first = connected ? 3 : 1
            let kw = try KeyArgs(rt, args, from: first, allowed: ["QUEUE-OUTPUT", "NAME", "ERRORP", "IPV6", "READ-TIMEOUT", "WRITE-TIMEOUT",
                                                                  "USER-INFO", "LOCAL-ADDRESS", "LOCAL-PORT"], fname: fname)
            let lc = try rt.collectionArg(args[0], fname)
            let errorp = kw.bool("ERRORP", true)
            let mode = try kw.ipv6Mode("IPV6", .any)
            let opts = try stateOptions(kw, queueDefault: true)
            var remote: SocketAddress?
            var local: SocketAddress?
            do throws(Unwind) {
                if connected {
                    let port = try servicePort(rt, fname, args[2], proto: "udp")
                    remote = try resolveHost(rt, fname, args[1], port, family: familyPreference(mode), udp: true).first
                }
                if kw["LOCAL-ADDRESS"].isTrue || kw["LOCAL-PORT"].isTrue || kw.has("LOCAL-PORT") {
                    let lport = try servicePort(rt, fname, kw["LOCAL-PORT"], proto: "udp")
                    var fam = familyPreference(mode)
                    if let r = remote { fam = r.ip.isIPv6 ? .ipv6 : .ipv4 }
                    if kw["LOCAL-ADDRESS"].isNil {
                        let wild: IPAddress = (fam == .ipv6) ? .v6(.any) : .v4(0)
                        local = SocketAddress(ip: wild, port: lport)
                    } else {
                        local = try resolveHost(rt, fname, kw["LOCAL-ADDRESS"], lport, family: fam, udp: true, passive: true).first
                    }
                }
            } catch {
                if errorp { throw error }
                return .null
            }
            do throws(SystemError) {
                let s = try lc.coll.makeUDPState(ipv6: mode, local: local, connectTo: remote, options: opts)
                return .object(LispState(state: s, collection: lc, object: .fixnum(Int(s.fd)), name: kw["NAME"], userInfo: kw["USER-INFO"]).timeouts(kw))
            } catch {
                if errorp { try socketError(rt, fname, error) }
                return .null
            }
        }
        rt.defN("CREATE-ASYNC-IO-STATE-AND-UDP-SOCKET", 1, -1, in: comm) { rt, args throws(Unwind) in
            try udpCreate(rt, args, connected: false)
        }
        rt.defN("CREATE-ASYNC-IO-STATE-AND-CONNECTED-UDP-SOCKET", 3, -1, in: comm) { rt, args throws(Unwind) in
            try udpCreate(rt, args, connected: true)
        }

        // MARK: accept-tcp-connections-creating-async-io-states
        rt.defN("ACCEPT-TCP-CONNECTIONS-CREATING-ASYNC-IO-STATES", 3, -1, in: comm) { rt, args throws(Unwind) in
            let fname = "ACCEPT-TCP-CONNECTIONS-CREATING-ASYNC-IO-STATES"
            let kw = try KeyArgs(rt, args, from: 3, allowed: ["INIT-FUNCTION", "INIT-TIMEOUT", "BACKLOG", "ADDRESS", "NODELAY", "KEEPALIVE",
                                                              "IPV6", "REUSEPORT", "CREATE-STATE", "NAME", "QUEUE-OUTPUT", "HANDLE-NAME",
                                                              "USER-INFO"] + sslKeys, fname: fname)
            let lc = try rt.collectionArg(args[0], fname)
            let port = try servicePort(rt, fname, args[1])
            let connFn = try functionDesignator(rt, fname, "connection-function", args[2])
            let initFn = try kw.function("INIT-FUNCTION")
            var config = AcceptingHandle.Configuration(port: port)
            config.ipv6 = try kw.ipv6Mode("IPV6", .any)
            if let b = try kw.integer("BACKLOG", min: 1, max: Int(Int32.max)) { config.backlog = Int32(b) }
            config.reusePort = kw.bool("REUSEPORT", false)
            config.noDelay = kw.bool("NODELAY", true)
            config.keepAlive = kw.bool("KEEPALIVE", false)
            config.bindRetryTimeout = try kw.seconds("INIT-TIMEOUT", allowZero: true) ?? 60
            config.createState = kw.bool("CREATE-STATE", true)
            // A socket handle (an integer) cannot carry SSL: refuse before binding rather than
            // hand out plain sockets the caller believes are TLS (README compatibility notes).
            if !config.createState && !kw["SSL-CTX"].isNil {
                try commError(rt, fname, ":SSL-CTX needs :CREATE-STATE T (a socket handle cannot carry SSL); with :CREATE-STATE NIL attach SSL yourself, e.g. with ATTACH-SSL on a socket-stream made from the handle")
            }
            config.stateOptions = StateOptions(queueOutput: kw.bool("QUEUE-OUTPUT", false))
            if !kw["ADDRESS"].isNil {
                let fam: Resolver.FamilyPreference = config.ipv6 == .ipv4 ? .ipv4 : (config.ipv6 == .any ? .any : .ipv6)
                config.address = try resolveHost(rt, fname, kw["ADDRESS"], port, family: fam, passive: true).first?.ip
            }
            let stateName = kw["NAME"], userInfo = kw["USER-INFO"]
            var wrapper: LispAcceptor?
            config.tls = try SSLBridge.acceptTLS(rt, kw, d, lc, handle: { wrapper }, stateName: stateName, userInfo: userInfo)
            let handle: AcceptingHandle
            do throws(SystemError) {
                handle = try lc.coll.listen(config) { [d] h, conn in
                    guard let w = wrapper else { return }
                    let hv = Value.object(w)
                    switch conn {
                    case .state(let s):
                        let ls = LispState(state: s, collection: lc, object: .fixnum(Int(s.fd)), name: stateName, userInfo: userInfo)
                        let sv = Value.object(ls)
                        d.runCallback(lc, sv) { () throws(Unwind) in _ = try d.rt.funcall(connFn, hv, sv) }
                    case .socket(let fd):
                        d.runCallback(lc, hv) { () throws(Unwind) in _ = try d.rt.funcall(connFn, hv, .fixnum(Int(fd))) }
                    }
                }
            } catch { try socketError(rt, fname, error) }
            let w = LispAcceptor(handle: handle, collection: lc, name: kw["HANDLE-NAME"], userInfo: userInfo)
            wrapper = w
            handle.onAcceptError = { [d] h, e in
                let out = d.rt.errorOutputStream
                out.writeString("COMM: accepting on port \(h.localPort): \(e.message); backing off\n")
                out.finishOutput()
            }
            if let f = initFn {
                // Called synchronously, before this call returns: its errors are the caller's
                // (not the collection's :handler), and the acceptor is then not made.
                do throws(Unwind) { _ = try d.rt.funcall(f, .fixnum(Int(handle.fd))) } catch {
                    handle.close()
                    throw error
                }
            }
            return .object(w)
        }

        // MARK: accepting-handle readers
        rt.def1("ACCEPTING-HANDLE-SOCKET", in: comm) { rt, h throws(Unwind) in
            let a = try rt.acceptorArg(h, "ACCEPTING-HANDLE-SOCKET")
            return a.handle.fd < 0 ? .null : .fixnum(Int(a.handle.fd))
        }
        rt.def1("ACCEPTING-HANDLE-COLLECTION", in: comm) { rt, h throws(Unwind) in
            let a = try rt.acceptorArg(h, "ACCEPTING-HANDLE-COLLECTION")
            return a.handle.isClosed ? .null : .object(a.collection)
        }
        rt.def1("ACCEPTING-HANDLE-LOCAL-PORT", in: comm) { rt, h throws(Unwind) in
            .fixnum(Int(try rt.acceptorArg(h, "ACCEPTING-HANDLE-LOCAL-PORT").handle.localPort))
        }
        rt.def1("ACCEPTING-HANDLE-NAME", in: comm) { rt, h throws(Unwind) in
            try rt.acceptorArg(h, "ACCEPTING-HANDLE-NAME").name
        }
        rt.def1("ACCEPTING-HANDLE-USER-INFO", in: comm) { rt, h throws(Unwind) in
            try rt.acceptorArg(h, "ACCEPTING-HANDLE-USER-INFO").userInfo
        }
        rt.defN("CLOSE-ACCEPTING-HANDLE", 1, 2, in: comm) { rt, args throws(Unwind) in
            let fname = "CLOSE-ACCEPTING-HANDLE"
            let a = try rt.acceptorArg(args[0], fname)
            let cb = args.count > 1 && args[1].isTrue ? try functionDesignator(rt, fname, "callback", args[1]) : nil
            let lc = a.collection
            if let f = cb {
                a.handle.close { [d] _ in
                    d.runCallback(lc, .object(a)) { () throws(Unwind) in _ = try d.rt.funcall(f, .object(lc)) }
                }
            } else {
                a.handle.close()
            }
            return .null
        }

        // MARK: state accessors
        func reader(_ name: String, _ get: @escaping (Runtime, LispState) throws(Unwind) -> Value) {
            rt.def1(name, in: comm) { rt, s throws(Unwind) in try get(rt, try rt.stateArg(s, name)) }
            // Calls of a reader on a state skip the call machinery while the reader is not redefined.
            registerGuardedUnaryInline(comm.internExternal(name)) { rt, slot throws(Unwind) in
                guard let st = slot.borrowedState else { return nil }
                return try withGuaranteed(st) { (st) throws(Unwind) in try get(rt, st) }
            }
        }
        func accessor(_ name: String, _ get: @escaping (Runtime, LispState) throws(Unwind) -> Value,
                      _ set: @escaping (Runtime, LispState, Value) throws(Unwind) -> Void) {
            reader(name, get)
            rt.defSetf(name, in: comm, 2, 2) { rt, args throws(Unwind) in
                let st = try rt.stateArg(args[1], name)
                try set(rt, st, args[0])
                return args[0]
            }
        }
        func timeoutValue(_ t: Double?) -> Value {
            guard let t else { return .null }
            if t == t.rounded() && abs(t) < 1e15 { return .fixnum(Int(t)) }
            return .double(t)
        }
        func setTimeout(_ rt: Runtime, _ name: String, _ v: Value) throws(Unwind) -> Double? {
            if v.isNil { return nil }
            guard let t = realValue(v), t > 0 else { try argError(rt, "(SETF COMM:\(name))", "new value", v, "NIL or a positive real") }
            return t
        }
        reader("ASYNC-IO-STATE-OBJECT") { _, s throws(Unwind) in
            // The connected-TCP creator's socket exists once the connect started.
            if s.object.isNil && s.state.fd >= 0 { s.object = .fixnum(Int(s.state.fd)) }
            return s.object
        }
        reader("ASYNC-IO-STATE-COLLECTION") { _, s throws(Unwind) in .object(s.collection) }
        accessor("ASYNC-IO-STATE-NAME", { _, s throws(Unwind) in s.name }, { _, s, v throws(Unwind) in s.name = v })
        accessor("ASYNC-IO-STATE-USER-INFO", { _, s throws(Unwind) in s.userInfo }, { _, s, v throws(Unwind) in s.userInfo = v })
        accessor("ASYNC-IO-STATE-READ-TIMEOUT", { _, s throws(Unwind) in
            realValue(s.readTimeoutValue) == s.state.readTimeout ? s.readTimeoutValue : timeoutValue(s.state.readTimeout)
        }, { rt, s, v throws(Unwind) in
            s.state.readTimeout = try setTimeout(rt, "ASYNC-IO-STATE-READ-TIMEOUT", v)
            s.readTimeoutValue = v
        })
        accessor("ASYNC-IO-STATE-WRITE-TIMEOUT", { _, s throws(Unwind) in
            realValue(s.writeTimeoutValue) == s.state.writeTimeout ? s.writeTimeoutValue : timeoutValue(s.state.writeTimeout)
        }, { rt, s, v throws(Unwind) in
            s.state.writeTimeout = try setTimeout(rt, "ASYNC-IO-STATE-WRITE-TIMEOUT", v)
            s.writeTimeoutValue = v
        })
        accessor("ASYNC-IO-STATE-MAX-READ", { _, s throws(Unwind) in .fixnum(s.state.maxRead) }, { rt, s, v throws(Unwind) in
            guard case .fixnum(let n) = v, n > 0 else { try argError(rt, "(SETF COMM:ASYNC-IO-STATE-MAX-READ)", "new value", v, "a positive integer") }
            s.state.maxRead = n
        })
        reader("ASYNC-IO-STATE-OLD-LENGTH") { _, s throws(Unwind) in .fixnum(s.state.oldLength) }
        reader("ASYNC-IO-STATE-READ-STATUS") { rt, s throws(Unwind) in s.statusValue(rt, s.state.readStatus, write: false) }
        reader("ASYNC-IO-STATE-WRITE-STATUS") { rt, s throws(Unwind) in s.statusValue(rt, s.state.settledWriteStatus, write: true) }
        reader("ASYNC-IO-STATE-BUFFERED-DATA-LENGTH") { _, s throws(Unwind) in .fixnum(s.state.bufferedDataLength) }
        rt.def1("SOCKET-ERROR-ERRNO", in: comm) { rt, c throws(Unwind) in
            if case .object(let o) = c, let cond = o as? LispCondition { return cond.slot("ERRNO") }
            try argError(rt, "SOCKET-ERROR-ERRNO", "condition", c, "a COMM:SOCKET-ERROR")
        }
    }
}

extension LispState {
    /// Remembers the :read-timeout / :write-timeout values as given.
    func timeouts(_ kw: KeyArgs) -> LispState {
        readTimeoutValue = kw["READ-TIMEOUT"]
        writeTimeoutValue = kw["WRITE-TIMEOUT"]
        return self
    }
}
