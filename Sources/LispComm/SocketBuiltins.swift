import CShims
import Comm
import Glibc
import LispCore

/// COMM:SOCKET-STREAM: a bidirectional stream over a connected TCP socket. The descriptor is
/// nonblocking; a read or write that would block runs the driver until the socket is ready,
/// so running collections keep being served (and a script can talk to its own server).
/// Characters are bytes (Latin-1), as LispWorks' default external format for sockets.
public final class SocketStream: LispStream {
    public private(set) var fd: Int32
    let binary: Bool
    var readTimeout: Double?
    var inBuf = [UInt8](repeating: 0, count: 65536)
    var inPos = 0, inEnd = 0
    var outBuf: [UInt8] = []
    var pushback: [Unicode.Scalar] = []
    var sawEOF = false
    /// A TLS read failure met by `listen`'s read attempt, reported by the next read.
    var pendingReadError: SystemError?
    unowned let driver: Driver

    init(fd: Int32, binary: Bool, driver: Driver) {
        self.fd = fd
        self.binary = binary
        self.driver = driver
        super.init()
        _ = try? Posix.setNonBlocking(fd)
    }
    public override var isInput: Bool { true }
    public override var isOutput: Bool { true }
    public override var typeName: String { "SOCKET-STREAM" }
    public override var typePackage: String { "COMM" }
    public override var supertypeNames: [String] { ["STREAM"] }
    public override var elementType: Value {
        binary ? list(Value(World.shared.cl.internExternal("UNSIGNED-BYTE")), .fixnum(8))
            : Value(World.shared.cl.internExternal("BASE-CHAR"))
    }
    public override func printUnreadable() -> String { "COMM:SOCKET-STREAM fd \(fd)" }

    // MARK: output
    public override func writeChar(_ c: Unicode.Scalar) {
        outBuf.append(c.value < 256 ? UInt8(c.value) : 0x3F)
        column = c == "\n" ? 0 : column + 1
    }
    public override func writeString(_ s: String) {
        for c in s.unicodeScalars { writeChar(c) }
    }
    public override func writeByte(_ b: UInt8) throws(Unwind) { outBuf.append(b) }
    public override func finishOutput() {
        do throws(Unwind) { try flush() } catch {
            if case .quit(let n) = error { driver.pendingQuit = n }
        }
    }
    /// FORCE-OUTPUT, FINISH-OUTPUT and CLOSE: a failed send (EPIPE, ECONNRESET ...) signals
    /// COMM:SOCKET-ERROR to the caller instead of losing the data silently.
    public override func finishOutputSignalling() throws(Unwind) { try flush() }
    func flush() throws(Unwind) {
        if let t = SSLStreams.transport(self) { try tlsFlush(t); return }
        var off = 0
        defer { if off > 0 { outBuf.removeFirst(min(off, outBuf.count)) } }
        while off < outBuf.count && fd >= 0 {
            let n = outBuf.withUnsafeBytes { p in Glibc.send(fd, p.baseAddress! + off, p.count - off, Int32(MSG_NOSIGNAL)) }
            if n > 0 { off += n; continue }
            let e = errno
            if n < 0 && e == EINTR { continue }
            if n < 0 && (e == EAGAIN || e == EWOULDBLOCK) {
                _ = try driver.waitUntil(timeout: nil) { () throws(Unwind) -> Bool in
                    var p = pollfd(fd: self.fd, events: Int16(POLLOUT), revents: 0)
                    return poll(&p, 1, 0) > 0
                }
                continue
            }
            outBuf.removeAll()
            off = 0
            try streamError("write", e)
        }
    }

    func streamError(_ op: String, _ e: Int32) throws(Unwind) -> Never {
        let rt = driver.rt
        try rt.signalError(LispComm.errorCondition(rt, SystemError(errno: e, op: op), context: "socket-stream"))
    }

    // MARK: input
    /// Refill; false at end of file.
    func fill() throws(Unwind) -> Bool {
        if let t = SSLStreams.transport(self) { return try tlsFill(t) }
        if sawEOF || fd < 0 { return false }
        if !outBuf.isEmpty { try flush() }
        while true {
            let n = inBuf.withUnsafeMutableBytes { p in Glibc.recv(fd, p.baseAddress!, p.count, 0) }
            if n > 0 { inPos = 0; inEnd = n; return true }
            if n == 0 { sawEOF = true; return false }
            let e = errno
            if e == EINTR { continue }
            if e == EAGAIN || e == EWOULDBLOCK {
                if !(try driver.waitReadable(fd, timeout: readTimeout)) {
                    try driver.rt.signalError(LispComm.errorCondition(driver.rt, SystemError(errno: ETIMEDOUT, op: "read"), context: "socket-stream"))
                }
                continue
            }
            if e == ECONNRESET { sawEOF = true; return false }
            try streamError("read", e)
        }
    }
    public override func readByte() throws(Unwind) -> UInt8? {
        if inPos >= inEnd { guard try fill() else { return nil } }
        let b = inBuf[inPos]
        inPos += 1
        return b
    }
    public override func readChar() throws(Unwind) -> Unicode.Scalar? {
        if let c = pushback.popLast() { return c }
        return try readByte().map { Unicode.Scalar($0) }
    }
    public override func unreadChar(_ c: Unicode.Scalar) { pushback.append(c) }
    public override func peekChar() throws(Unwind) -> Unicode.Scalar? {
        guard let c = try readChar() else { return nil }
        pushback.append(c)
        return c
    }
    public override func listen() -> Bool {
        if !pushback.isEmpty || inPos < inEnd { return true }
        if let t = SSLStreams.transport(self) { return tlsListen(t) }
        if sawEOF || fd < 0 { return false }
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        if poll(&p, 1, 0) <= 0 { return false }
        // Readable may mean end of file, for which LISTEN is false: look without blocking.
        let n = inBuf.withUnsafeMutableBytes { p in Glibc.recv(fd, p.baseAddress!, p.count, Int32(MSG_DONTWAIT)) }
        if n > 0 { inPos = 0; inEnd = n; return true }
        if n == 0 { sawEOF = true; return false }
        // An error is left for the next read to report; EAGAIN: nothing after all.
        return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR
    }
    public override func clearInput() { inPos = inEnd; pushback.removeAll() }
    public override func close() {
        if fd >= 0 {
            finishOutput()
            SSLStreams.closing(self)
            Glibc.close(fd)
            fd = -1
        }
        isOpen = false
    }
    /// An async-io-state made from this stream closed the shared descriptor: the stream is
    /// closed too (its unsent output is dropped; the socket is gone).
    func descriptorClosedElsewhere() {
        fd = -1
        outBuf.removeAll()
        inPos = inEnd
        isOpen = false
    }
}

enum SocketBuiltins {
    static func register(_ rt: Runtime, _ d: Driver) {
        let comm = World.shared.comm

        // MARK: addresses
        rt.def1("IP-ADDRESS-STRING", in: comm) { rt, a throws(Unwind) in
            switch a {
            case .fixnum(let n) where n >= 0 && n <= 0xFFFF_FFFF: return Value(IPAddress.v4(UInt32(n)).description)
            case .object(let o) where o is LispIPv6: return Value((o as! LispIPv6).address.description)
            default: try argError(rt, "IP-ADDRESS-STRING", "ip-address", a, "an integer IPv4 address or an IPV6-ADDRESS")
            }
        }
        rt.def1("STRING-IP-ADDRESS", in: comm) { rt, s throws(Unwind) in
            guard case .string(let str) = s else { try argError(rt, "STRING-IP-ADDRESS", "ip-address-string", s, "a string") }
            var a = in_addr()
            if str.string.withCString({ inet_pton(AF_INET, $0, &a) }) == 1 { return .fixnum(Int(UInt32(bigEndian: a.s_addr))) }
            return parseIPv6(str.string, trim: false)
        }
        rt.defN("PARSE-IPV6-ADDRESS", 1, -1, in: comm) { rt, args throws(Unwind) in
            let fname = "PARSE-IPV6-ADDRESS"
            let kw = try KeyArgs(rt, args, from: 1, allowed: ["START", "END", "TRIM-WHITESPACE", "TRIM-WHITESPACE-P"], fname: fname)
            guard case .string(let s) = args[0] else { try argError(rt, fname, "string", args[0], "a string") }
            let scalars = Array(s.string.unicodeScalars)
            let start = try kw.integer("START", min: 0, max: scalars.count) ?? 0
            let end = try kw.integer("END", min: start, max: scalars.count) ?? scalars.count
            let trim = kw.has("TRIM-WHITESPACE") ? kw.bool("TRIM-WHITESPACE", true) : kw.bool("TRIM-WHITESPACE-P", true)
            var text = ""
            text.unicodeScalars.append(contentsOf: scalars[start..<end])
            return parseIPv6(text, trim: trim)
        }
        rt.def1("IPV6-ADDRESS-P", in: comm) { _, a throws(Unwind) in
            if case .object(let o) = a, o is LispIPv6 { return .t }
            return .null
        }
        rt.defN("GET-SOCKET-ADDRESS", 1, 1, in: comm, mv: true) { rt, args throws(Unwind) in
            try addressValues(rt, Posix.localAddress(try socketFD(rt, "GET-SOCKET-ADDRESS", args[0])))
        }
        rt.defN("GET-SOCKET-PEER-ADDRESS", 1, 1, in: comm, mv: true) { rt, args throws(Unwind) in
            try addressValues(rt, Posix.peerAddress(try socketFD(rt, "GET-SOCKET-PEER-ADDRESS", args[0])))
        }
        rt.defN("SOCKET-STREAM-ADDRESS", 1, 1, in: comm, mv: true) { rt, args throws(Unwind) in
            try addressValues(rt, Posix.localAddress(try socketFD(rt, "SOCKET-STREAM-ADDRESS", args[0])))
        }
        rt.defN("SOCKET-STREAM-PEER-ADDRESS", 1, 1, in: comm, mv: true) { rt, args throws(Unwind) in
            try addressValues(rt, Posix.peerAddress(try socketFD(rt, "SOCKET-STREAM-PEER-ADDRESS", args[0])))
        }
        rt.def1("CLOSE-SOCKET-HANDLE", in: comm) { rt, s throws(Unwind) in
            guard case .fixnum(let n) = s, n >= 0, n <= Int(Int32.max) else { try argError(rt, "CLOSE-SOCKET-HANDLE", "socket", s, "a socket handle (integer)") }
            Posix.close(Int32(n))
            return .null
        }

        rt.defN("GET-HOST-ENTRY", 1, -1, in: comm, mv: true) { rt, args throws(Unwind) in
            let fname = "GET-HOST-ENTRY"
            let kw = try KeyArgs(rt, args, from: 1, allowed: ["FIELDS"], fname: fname)
            let fields = try fieldList(rt, kw, def: ["NAME"], allowed: ["NAME", "ADDRESS", "ADDRESSES", "ALIASES"])
            let host: String
            switch args[0] {
            case .string(let s): host = s.string
            case .fixnum, .object:
                guard let ip = literalAddress(args[0]) else { try argError(rt, fname, "hostspec", args[0], "a host name or address") }
                host = ip.description
            default: try argError(rt, fname, "hostspec", args[0], "a host name or address")
            }
            let e: Resolver.HostEntry
            do throws(SystemError) { e = try Resolver.hostEntry(host) } catch { return try rt.values(fields.map { _ in .null }) }
            return try rt.values(fields.map { f -> Value in
                switch f {
                case "NAME": return Value(e.name)
                case "ADDRESS": return e.addresses.first.map(addressValue) ?? .null
                case "ADDRESSES": return listFrom(e.addresses.map(addressValue))
                default: return listFrom(e.aliases.map { Value($0) })
                }
            })
        }

        rt.defN("GET-SERVICE-ENTRY", 2, -1, in: comm, mv: true) { rt, args throws(Unwind) in
            let fname = "GET-SERVICE-ENTRY"
            let kw = try KeyArgs(rt, args, from: 2, allowed: ["FIELDS"], fname: fname)
            let proto: String?
            switch args[1] {
            case .null: proto = nil
            case .string(let s): proto = s.string
            default: try argError(rt, fname, "protocol", args[1], "a string or NIL")
            }
            let e: Resolver.ServiceEntry?
            let fields: [String]
            switch args[0] {
            case .fixnum(let n) where n >= 0 && n <= 65535:
                e = Resolver.serviceEntry(port: UInt16(n), proto: proto)
                fields = try fieldList(rt, kw, def: ["NAME"], allowed: ["NAME", "PORT", "ALIASES", "PROTOCOL"])
            case .string(let s):
                e = Resolver.serviceEntry(name: s.string, proto: proto)
                fields = try fieldList(rt, kw, def: ["PORT"], allowed: ["NAME", "PORT", "ALIASES", "PROTOCOL"])
            default: try argError(rt, fname, "service", args[0], "a port number or a service name")
            }
            return try rt.values(fields.map { f -> Value in
                guard let e else { return .null }
                switch f {
                case "NAME": return Value(e.name)
                case "PORT": return .fixnum(Int(e.port))
                case "PROTOCOL": return Value(e.proto.lowercased())
                default: return listFrom(e.aliases.map { Value($0) })
                }
            })
        }

        // MARK: open-tcp-stream
        rt.defN("OPEN-TCP-STREAM", 2, -1, in: comm) { rt, args throws(Unwind) in
            let fname = "OPEN-TCP-STREAM"
            let kw = try KeyArgs(rt, args, from: 2, allowed: ["DIRECTION", "ELEMENT-TYPE", "ERRORP", "READ-TIMEOUT", "WRITE-TIMEOUT",
                                                              "TIMEOUT", "IPV6", "KEEPALIVE", "NODELAY", "LOCAL-ADDRESS", "LOCAL-PORT"]
                                 + StateBuiltins.sslKeys, fname: fname)
            let errorp = kw.bool("ERRORP", false)
            // Connecting needs a host (spec 10); NIL is a hostspec only for listening.
            if args[0].isNil { try argError(rt, fname, "hostspec", args[0], "a host name or address string, an integer IPv4 address or an IPV6-ADDRESS") }
            var binary = false
            let elementType = kw["ELEMENT-TYPE"]
            switch elementType {
            case .null: break
            case .symbol(let s) where ["BASE-CHAR", "CHARACTER", "STANDARD-CHAR"].contains(s.name) && s.package === World.shared.cl: break
            case .symbol(let s) where ["UNSIGNED-BYTE", "SIGNED-BYTE"].contains(s.name) && s.package === World.shared.cl: binary = true
            case .cons where octetTypeIsSigned(elementType) != nil: binary = true
            default: try kw.fail("ELEMENT-TYPE", elementType, "one of BASE-CHAR, CHARACTER, (UNSIGNED-BYTE 8)")
            }
            let port = try servicePort(rt, fname, args[1])
            let mode = try kw.ipv6Mode("IPV6", .any)
            let timeout = try kw.seconds("TIMEOUT")
            let readTimeout = try kw.seconds("READ-TIMEOUT")
            func fail(_ e: SystemError) throws(Unwind) -> Value {
                if errorp { try socketError(rt, fname, e) }
                return .null
            }
            let addrs: [SocketAddress]
            do throws(Unwind) {
                addrs = try resolveHost(rt, fname, args[0], port, family: familyPreference(mode))
            } catch {
                if errorp { throw error }
                return .null
            }
            var last = SystemError(errno: EADDRNOTAVAIL, op: "connect")
            for a in addrs {
                let fd: Int32
                do throws(SystemError) {
                    fd = try Posix.socket(family: a.family)
                    try Posix.setNonBlocking(fd)
                } catch { last = error; continue }
                var inProgress = false
                do throws(SystemError) {
                    if kw.bool("NODELAY", true) { try? Posix.setNoDelay(fd, true) }
                    if kw.bool("KEEPALIVE", false) { try? Posix.setKeepAlive(fd, true) }
                    if kw["LOCAL-ADDRESS"].isTrue || kw["LOCAL-PORT"].isTrue {
                        let lp = (try? servicePort(rt, fname, kw["LOCAL-PORT"])) ?? 0
                        let ip = literalAddress(kw["LOCAL-ADDRESS"]) ?? (a.ip.isIPv6 ? .v6(.any) : .v4(0))
                        try Posix.bind(fd, to: SocketAddress(ip: ip, port: lp))
                    }
                    inProgress = !(try Posix.connect(fd, to: a))
                } catch {
                    Posix.close(fd)
                    last = error
                    continue
                }
                if inProgress {
                    let ok = try d.waitUntil(timeout: timeout) { () throws(Unwind) -> Bool in
                        var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                        return poll(&p, 1, 0) > 0
                    }
                    let e = ok ? Posix.pendingError(fd) : ETIMEDOUT
                    if e != 0 {
                        Posix.close(fd)
                        last = SystemError(errno: e, op: "connect")
                        continue
                    }
                }
                let s = SocketStream(fd: fd, binary: binary, driver: d)
                s.readTimeout = readTimeout
                try SSLStreams.attachOnOpen(rt, kw, s, host: args[0])
                return .object(s)
            }
            return try fail(last)
        }

        // MARK: start-up-server
        let startUp = rt.defN("START-UP-SERVER", 0, -1, in: comm, mv: true) { rt, args throws(Unwind) in
            let fname = "START-UP-SERVER"
            let kw = try KeyArgs(rt, args, from: 0, allowed: ["FUNCTION", "ANNOUNCE", "SERVICE", "BACKLOG", "ADDRESS", "LOCAL-ADDRESS",
                                                              "LOCAL-PORT", "NODELAY", "KEEPALIVE", "PROCESS-NAME", "WAIT", "CREATE-STREAM",
                                                              "IPV6", "ERROR", "REUSEPORT"], fname: fname)
            let fn = try kw.function("FUNCTION")
            let serviceVal = kw.has("SERVICE") ? kw["SERVICE"] : kw["LOCAL-PORT"]
            let port = try servicePort(rt, fname, serviceVal)
            var config = AcceptingHandle.Configuration(port: port)
            config.ipv6 = try kw.ipv6Mode("IPV6", .any)
            if let b = try kw.integer("BACKLOG", min: 1, max: Int(Int32.max)) { config.backlog = Int32(b) }
            config.reusePort = kw.bool("REUSEPORT", false)
            config.noDelay = kw.bool("NODELAY", true)
            config.keepAlive = kw.bool("KEEPALIVE", false)
            config.createState = false
            config.bindRetryTimeout = 0
            let addrVal = kw.has("ADDRESS") ? kw["ADDRESS"] : kw["LOCAL-ADDRESS"]
            if !addrVal.isNil { config.address = try resolveHost(rt, fname, addrVal, port, passive: true).first?.ip }
            let createStream = kw.bool("CREATE-STREAM", false)
            let announce = kw["ANNOUNCE"]
            let pname = kw.has("PROCESS-NAME") ? kw["PROCESS-NAME"] : Value("\(rt.printString(serviceVal)) server")
            let lc: LispCollection
            do throws(SystemError) { lc = LispCollection(coll: try EventCollection(name: nil), name: pname) }
            catch { try socketError(rt, fname, error) }
            let handle: AcceptingHandle
            do throws(SystemError) {
                handle = try lc.coll.listen(config) { [d] _, conn in
                    guard case .socket(let fd) = conn else { return }
                    d.runCallback(lc, .null) { () throws(Unwind) in
                        let arg: Value = createStream ? .object(SocketStream(fd: fd, binary: false, driver: d)) : .fixnum(Int(fd))
                        if let f = fn { _ = try d.rt.funcall(f, arg) } else { Posix.close(fd) }
                    }
                }
            } catch {
                let cond = Value.object(LispComm.errorCondition(rt, error, context: fname))
                if kw.bool("ERROR", false) { try socketError(rt, fname, error) }
                if case .function = announce { _ = try rt.funcall(try rt.coerceToFunction(announce), .null, cond) }
                return try rt.values([.null, cond])
            }
            lc.running = true
            lc.alive = true
            let p = LispProcess(name: pname, function: LispFunction(name: .null, kind: .native0 { _ throws(Unwind) in .null }), arguments: [], id: d.nextProcessID)
            d.nextProcessID += 1
            p.started = true
            p.collection = lc
            lc.process = p
            d.allProcesses.append(p)
            d.drive(lc)
            switch announce {
            case .null: break
            case .function:
                _ = try rt.funcall(try rt.coerceToFunction(announce), .fixnum(Int(handle.fd)), .null)
            case .symbol(let s) where s !== Symbol.T:  // a function name; T means print the line
                _ = try rt.funcall(try rt.coerceToFunction(announce), .fixnum(Int(handle.fd)), .null)
            default:
                let out: LispStream
                if case .object(let o) = announce, let s = o as? LispStream { out = s } else { out = rt.standardOutputStream }
                out.writeString("Started server \(rt.princString(pname)) on port \(handle.localPort)\n")
                out.finishOutput()
            }
            return try rt.values([.object(p), .null])
        }
        // Multiprocessing is always "started" here: the same function.
        comm.internExternal("START-UP-SERVER-AND-MP").function = startUp
    }

    static func socketFD(_ rt: Runtime, _ fname: String, _ v: Value) throws(Unwind) -> Int32 {
        switch v {
        case .fixnum(let n) where n >= 0 && n <= Int(Int32.max): return Int32(n)
        case .object(let o) where o is SocketStream: return (o as! SocketStream).fd
        case .object(let o) where o is LispState: return (o as! LispState).state.fd
        default: try argError(rt, fname, "socket", v, "a socket handle or a SOCKET-STREAM")
        }
    }

    static func fieldList(_ rt: Runtime, _ kw: KeyArgs, def: [String], allowed: [String]) throws(Unwind) -> [String] {
        guard kw.has("FIELDS") else { return def }
        var out: [String] = []
        for f in try rt.listItems(kw["FIELDS"]) {
            guard case .symbol(let s) = f, s.isKeyword, allowed.contains(s.name) else {
                try kw.fail("FIELDS", kw["FIELDS"], "a list of " + allowed.map { ":" + $0 }.joined(separator: " "))
            }
            out.append(s.name)
        }
        return out
    }

    /// parse-ipv6-address: optional %scope and /prefix; nil on failure.
    static func parseIPv6(_ input: String, trim: Bool) -> Value {
        var text = Substring(input)
        if trim { text = Substring(input.trimmingWhitespace()) }
        var prefix: Int?
        if let slash = text.firstIndex(of: "/") {
            guard let p = Int(text[text.index(after: slash)...]), p >= 0, p <= 128 else { return .null }
            prefix = p
            text = text[..<slash]
        }
        var scope: Value = .null
        var addrText = text
        if let pct = text.firstIndex(of: "%") {
            let sc = String(text[text.index(after: pct)...])
            if sc.isEmpty { return .null }
            scope = Int(sc).map { .fixnum($0) } ?? Value(sc)
            addrText = text[..<pct]
        }
        if addrText.contains(where: { $0 == " " || $0 == "\t" }) { return .null }
        guard let a = IPv6Address(String(addrText)) else { return .null }
        let o = LispIPv6(a)
        o.scope = scope
        o.prefix = prefix
        return .object(o)
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let ws: Set<Character> = [" ", "\t", "\n", "\r"]
        var s = Substring(self)
        while let f = s.first, ws.contains(f) { s = s.dropFirst() }
        while let l = s.last, ws.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
