import XCTest
import Foundation
import Glibc
@testable import Comm

/// Certificates made at test time with the `openssl` CLI (nothing private is committed):
/// a CA, a server certificate for localhost/127.0.0.1 signed by it (plain and encrypted key),
/// a self-signed certificate, a PEM file with a cert+key pair, and DH parameters.
final class TLSFixtures: @unchecked Sendable {
    static let shared: TLSFixtures = {
        do { return try TLSFixtures() } catch { fatalError("cannot make TLS fixtures: \(error)") }
    }()

    let dir: String
    var caCert: String { dir + "/ca.pem" }
    var serverCert: String { dir + "/server.pem" }
    var serverKey: String { dir + "/server.key" }
    var serverKeyEncrypted: String { dir + "/server-enc.key" }
    let keyPassword = "secret"
    var selfSignedCert: String { dir + "/self.pem" }
    var selfSignedKey: String { dir + "/self.key" }
    var pairFile: String { dir + "/pair.pem" }
    var dhFile: String { dir + "/dh.pem" }

    init() throws {
        dir = NSTemporaryDirectory() + "commtls-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
        try sh("""
        cd '\(dir)' &&
        printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > ext.cnf &&
        openssl req -x509 \(ec) -keyout ca.key -out ca.pem -days 2 -subj '/O=CommLisp Test CA/CN=CommLisp Test CA' &&
        openssl req \(ec) -keyout server.key -out server.csr -subj '/O=CommLisp/CN=localhost' &&
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile ext.cnf &&
        openssl pkey -in server.key -aes256 -passout pass:\(keyPassword) -out server-enc.key &&
        openssl req -x509 \(ec) -keyout self.key -out self.pem -days 2 -subj '/O=Rogue/CN=localhost' &&
        cat server.pem server.key > pair.pem &&
        openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out dh.pem
        """)
    }

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    func serverContext(proto: TLSProtocol = .negotiated, selfSigned: Bool = false) throws -> TLSContext {
        let c = try TLSContext(side: .server, protocol: proto)
        try c.useCertificateChainFile(selfSigned ? selfSignedCert : serverCert)
        try c.usePrivateKeyFile(selfSigned ? selfSignedKey : serverKey)
        return c
    }

    func clientContext(proto: TLSProtocol = .negotiated, verify: Bool = true) throws -> TLSContext {
        let c = try TLSContext(side: .client, protocol: proto)
        if verify {
            try c.loadVerifyLocations(file: caCert)
            c.setVerify(.peer)
        }
        return c
    }
}

@discardableResult
func sh(_ script: String) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/sh")
    p.arguments = ["-c", script]
    let out = Pipe()
    p.standardOutput = out
    p.standardError = out
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    if p.terminationStatus != 0 {
        throw NSError(domain: "sh", code: Int(p.terminationStatus), userInfo: [NSLocalizedDescriptionKey: text])
    }
    return text
}

/// A TLS listener on 127.0.0.1 whose handshaken states are collected, plus failures.
final class TLSServer {
    var states: [AsyncIOState] = []
    var failures: [TLSFailure] = []
    let acceptor: AcceptingHandle
    var port: UInt16 { acceptor.localPort }

    init(_ c: EventCollection, context: TLSContext, timeout: Double? = 5, onState: ((AsyncIOState) -> Void)? = nil) throws {
        var cfg = AcceptingHandle.Configuration(port: 0)
        cfg.address = IPAddress("127.0.0.1")
        cfg.bindRetryTimeout = 0
        var box: TLSServer?
        cfg.tls = .init(TLSAttachOptions(context: context, side: .server, handshakeTimeout: timeout)) { _, _, f in
            box?.failures.append(f)
        }
        var sink: ((AsyncIOState) -> Void)?
        acceptor = try c.listen(cfg) { _, conn in
            if case .state(let s) = conn { sink?(s) }
        }
        box = self
        sink = { [unowned self] s in
            self.states.append(s)
            onState?(s)
        }
    }
}

func loopback(_ port: UInt16) -> [SocketAddress] { [SocketAddress(ip: IPAddress("127.0.0.1")!, port: port)] }

func tlsConnect(_ c: EventCollection, port: UInt16, context: TLSContext, host: String? = "localhost",
                timeout: Double? = 5, result: @escaping (AsyncIOState, SystemError?) -> Void) -> AsyncIOState {
    var co = ConnectOptions(timeout: 5)
    co.tls = TLSAttachOptions(context: context, side: .client, hostName: host, handshakeTimeout: timeout)
    return c.connectTCP(to: loopback(port), connect: co, callback: result)
}

/// Echo: reads with read-with-checking and writes everything back (queue-output style).
func startEcho(_ s: AsyncIOState) {
    try? s.readWithChecking(callback: { s, buf, end in
        guard end > 0, s.readStatus == .ok else { s.close(); return }
        let copy = ByteArray(count: end)
        buf.withUnsafeMutableBytes { src in copy.withUnsafeMutableBytes { $0.baseAddress!.copyMemory(from: src.baseAddress!, byteCount: end) } }
        s.discard(end)
        try? s.writeBuffer(copy, callback: nil)
    }, errorCallback: { s, _, _ in s.close() })
}

final class TLSEngineTests: XCTestCase {
    var fx: TLSFixtures { TLSFixtures.shared }

    override func setUp() { _ = TLSFixtures.shared }  // before any fd counting

    /// Client and server handshake in one collection, message echoed, cert fields visible.
    func echoRoundTrip(proto: TLSProtocol, expectVersion: String) throws {
        _ = fx
        let fds = fdCount()
        let c = try EventCollection()
        let server = try TLSServer(c, context: try fx.serverContext(proto: proto)) { startEcho($0) }
        var connected: SystemError?? = .none
        let client = tlsConnect(c, port: server.port, context: try fx.clientContext(proto: proto)) { _, e in connected = .some(e) }
        XCTAssert(runUntil(c) { connected != nil })
        XCTAssertNil(connected!, "\(String(describing: connected))")
        XCTAssertEqual(client.tlsTransport?.protocolVersionName, expectVersion)
        XCTAssertEqual(client.tlsSide, .client)
        XCTAssertNotNil(client.sslPointer)
        XCTAssertNotNil(client.tlsContext)
        let cert = try XCTUnwrap(client.peerCertificate)
        XCTAssertEqual(cert.subjectField("CN"), "localhost")
        XCTAssertEqual(cert.subjectField("organizationName"), "CommLisp")
        XCTAssertEqual(cert.issuerField("O"), "CommLisp Test CA")
        XCTAssertTrue(cert.subject.contains("CN=localhost"), cert.subject)
        XCTAssertTrue(cert.issuer.contains("O=CommLisp Test CA"), cert.issuer)
        XCTAssertEqual(client.tlsTransport?.verifyResult.code, 0)

        let msg = bytes("hello over TLS")
        let reply = ByteArray(count: msg.count)
        var got = -1
        try client.writeBuffer(msg, callback: nil)
        try client.readBuffer(reply, callback: { _, _, n in got = n })
        XCTAssert(runUntil(c) { got >= 0 })
        XCTAssertEqual(text(reply, 0, got), "hello over TLS")
        XCTAssertEqual(server.states.count, 1)
        XCTAssertEqual(server.states.first?.tlsSide, .server)
        client.close()
        XCTAssert(runUntil(c) { server.states.first?.isClosed == true })
        server.acceptor.close()
        c.close()
        XCTAssertLessThanOrEqual(fdCount(), fds + 2)  // <=: Foundation may close pipes of earlier tests meanwhile  // the collection's epoll fd and eventfd
    }

    func testEchoNegotiatedIsTLS13() throws { try echoRoundTrip(proto: .negotiated, expectVersion: "TLSv1.3") }
    func testEchoForcedTLS12() throws { try echoRoundTrip(proto: .tls1_2, expectVersion: "TLSv1.2") }
    func testEchoForcedTLS13() throws { try echoRoundTrip(proto: .tls1_3, expectVersion: "TLSv1.3") }

    func testVersionMismatchFailsBothSides() throws {
        let c = try EventCollection()
        let server = try TLSServer(c, context: try fx.serverContext(proto: .tls1_3))
        var connected: SystemError?? = .none
        let client = tlsConnect(c, port: server.port, context: try fx.clientContext(proto: .tls1_2)) { _, e in connected = .some(e) }
        XCTAssert(runUntil(c) { connected != nil && server.failures.count == 1 })
        let e = try XCTUnwrap(connected!)
        XCTAssertEqual(TLSFailure.kind(of: e), .protocolError)
        XCTAssertEqual(client.lastTLSFailure?.kind, .protocolError)
        XCTAssertFalse(client.lastTLSFailure!.messages.isEmpty)
        XCTAssertEqual(client.fd, -1)
        XCTAssertEqual(server.failures.first?.kind, .protocolError)
        XCTAssertEqual(c.stateCount, 1)  // the failed client, until closed; the server side is gone
        client.close()
        c.close()
    }

    /// Several MB in both directions at once: partial writes, WANT_* in both directions.
    func testLargeTransferBothDirections() throws {
        let c = try EventCollection()
        let size = 6 * 1024 * 1024
        func pattern(_ seed: UInt8) -> ByteArray {
            let b = ByteArray(count: size)
            b.withUnsafeMutableBytes { p in for i in 0..<size { p[i] = UInt8(truncatingIfNeeded: i &* 31 &+ Int(seed) &+ (i >> 12)) } }
            return b
        }
        let up = pattern(1), down = pattern(7)
        var serverGot = ByteArray(count: size), clientGot = ByteArray(count: size)
        var done = 0
        let server = try TLSServer(c, context: try fx.serverContext()) { s in
            try? s.writeBuffer(down, callback: { _, _, n in XCTAssertEqual(n, size); done += 1 })
            try? s.readBuffer(serverGot, callback: { _, _, n in XCTAssertEqual(n, size); done += 1 })
        }
        var connected: SystemError?? = .none
        let client = tlsConnect(c, port: server.port, context: try fx.clientContext()) { s, e in
            connected = .some(e)
            guard e == nil else { return }
            try? s.writeBuffer(up, callback: { _, _, n in XCTAssertEqual(n, size); done += 1 })
            try? s.readBuffer(clientGot, callback: { _, _, n in XCTAssertEqual(n, size); done += 1 })
        }
        XCTAssert(runUntil(c, timeout: 30) { done == 4 }, "done \(done)")
        XCTAssertNil(connected!)
        XCTAssertTrue(serverGot.withUnsafeMutableBytes { a in up.withUnsafeMutableBytes { b in memcmp(a.baseAddress!, b.baseAddress!, size) == 0 } })
        XCTAssertTrue(clientGot.withUnsafeMutableBytes { a in down.withUnsafeMutableBytes { b in memcmp(a.baseAddress!, b.baseAddress!, size) == 0 } })
        serverGot = ByteArray(count: 0); clientGot = ByteArray(count: 0)
        client.close()
        c.close()
    }

    /// Decrypted bytes held by OpenSSL (SSL_pending) are delivered without socket readiness:
    /// one 12000-byte record is consumed 100 bytes at a time.
    func testPendingPlaintextIsDrainedWithoutSocketActivity() throws {
        let c = try EventCollection()
        let total = 12000
        var received = 0
        var reads = 0
        let server = try TLSServer(c, context: try fx.serverContext()) { s in
            let buf = ByteArray(count: 100)
            func next(_ s: AsyncIOState) {
                try? s.readBuffer(buf, callback: { s, _, n in
                    received += n
                    reads += 1
                    if received < total && s.readStatus == .ok { next(s) }
                })
            }
            next(s)
        }
        let client = tlsConnect(c, port: server.port, context: try fx.clientContext()) { s, e in
            XCTAssertNil(e)
            try? s.writeBuffer(ByteArray(count: total), callback: nil)
        }
        XCTAssert(runUntil(c, timeout: 5) { received == total }, "received \(received)")
        XCTAssertEqual(reads, 120)
        // read-with-checking with a small max-read also drains pending bytes.
        var seen = 0
        let s = server.states[0]
        s.maxRead = 500
        try s.readWithChecking(callback: { s, _, end in seen += end; s.discard(end) })
        try client.writeBuffer(ByteArray(count: total), callback: nil)
        XCTAssert(runUntil(c, timeout: 5) { seen == total }, "seen \(seen)")
        client.close()
        c.close()
    }

    /// STARTTLS: plain pair, attach (server + client), TLS echo, detach both, plain again.
    func testAttachHandshakeDetach() throws {
        let fds = fdCount()
        let c = try EventCollection()
        let pair = try makePair(c)
        var results: [String: TLSFailure?] = [:]
        try pair.server.attachTLS(TLSAttachOptions(context: try fx.serverContext(), handshakeTimeout: 5)) { _, f in results["server"] = .some(f) }
        try pair.client.attachTLS(TLSAttachOptions(context: try fx.clientContext(), side: .client, hostName: "localhost",
                                                   handshakeTimeout: 5)) { _, f in results["client"] = .some(f) }
        // No other operation while the handshake runs.
        XCTAssertThrowsError(try pair.client.readBuffer(ByteArray(count: 1), callback: { _, _, _ in }))
        XCTAssertThrowsError(try pair.client.attachTLS(TLSAttachOptions(context: try fx.clientContext()), callback: { _, _ in }))
        XCTAssert(runUntil(c) { results.count == 2 })
        XCTAssertNil(results["server"]!)
        XCTAssertNil(results["client"]!)
        XCTAssertEqual(pair.server.tlsSide, .server)
        // async-io-state-handshake on an established connection succeeds at once.
        var again: TLSFailure?? = .none
        try pair.client.handshake(timeout: 1) { _, f in again = .some(f) }
        XCTAssert(runUntil(c) { again != nil })
        XCTAssertNil(again!)

        func exchange(_ m: String) {
            let buf = ByteArray(count: m.utf8.count)
            var got = -1
            try? pair.client.writeBuffer(bytes(m), callback: nil)
            try? pair.server.readBuffer(buf, callback: { _, _, n in got = n })
            XCTAssert(runUntil(c) { got >= 0 })
            XCTAssertEqual(text(buf, 0, max(got, 0)), m)
        }
        exchange("secret message")
        var detached = 0
        try pair.client.detachTLS { _ in detached += 1 }
        try pair.server.detachTLS { _ in detached += 1 }
        XCTAssert(runUntil(c) { detached == 2 })
        XCTAssertNil(pair.client.tlsSide)
        XCTAssertNil(pair.server.sslPointer)
        exchange("plain again")
        // The bytes really are plain: a raw read shows them.
        pair.client.close(); pair.server.close(); pair.acceptor.close()
        c.close()
        XCTAssertLessThanOrEqual(fdCount(), fds + 2)  // <=: Foundation may close pipes of earlier tests meanwhile
    }

    /// Plain TCP bytes (an HTTP request) to a TLS port: the handshake fails, the failure
    /// callback fires, the server's descriptor is closed (the client sees EOF/reset).
    func testPlainBytesToTLSPort() throws { try garbageToTLSPort(Array("GET / HTTP/1.0\r\nHost: x\r\n\r\n".utf8)) }

    func testRandomBytesToTLSPort() throws {
        var g = SystemRandomNumberGenerator()
        try garbageToTLSPort((0..<4096).map { _ in UInt8.random(in: 0...255, using: &g) })
    }

    func garbageToTLSPort(_ payload: [UInt8]) throws {
        let fds = fdCount()
        let c = try EventCollection()
        let server = try TLSServer(c, context: try fx.serverContext())
        var connected = false
        var ended: IOStatus?
        let client = c.connectTCP(to: loopback(server.port)) { s, e in
            XCTAssertNil(e)
            connected = true
            try? s.writeBuffer(ByteArray(payload), callback: nil)
            try? s.readWithChecking(callback: { s, _, end in
                if s.readStatus != .ok { ended = s.readStatus } else { s.discard(end) }
            })
        }
        XCTAssert(runUntil(c) { connected && server.failures.count == 1 && ended != nil }, "failures \(server.failures) ended \(String(describing: ended))")
        XCTAssertEqual(server.failures.first?.kind, .protocolError)
        XCTAssertFalse(server.failures.first?.messages.isEmpty ?? true)
        XCTAssertTrue(server.states.isEmpty)
        XCTAssertEqual(c.stateCount, 1)  // only the client
        client.close()
        server.acceptor.close()
        c.close()
        XCTAssertLessThanOrEqual(fdCount(), fds + 2)  // <=: Foundation may close pipes of earlier tests meanwhile
    }

    /// A client that connects and says nothing: the handshake timeout fires, socket closed.
    func testSilentClientHandshakeTimeout() throws {
        let fds = fdCount()
        let c = try EventCollection()
        let server = try TLSServer(c, context: try fx.serverContext(), timeout: 0.3)
        var ended: IOStatus?
        let t0 = monotonicNanos()
        let client = c.connectTCP(to: loopback(server.port)) { s, e in
            XCTAssertNil(e)
            try? s.readBuffer(ByteArray(count: 1), callback: { s, _, _ in ended = s.readStatus })
        }
        XCTAssert(runUntil(c) { server.failures.count == 1 && ended != nil })
        let elapsed = Double(monotonicNanos() - t0) / 1e9
        XCTAssertEqual(server.failures.first?.kind, .timeout)
        XCTAssertEqual(server.failures.first?.description, "Handshake timed out")
        XCTAssertEqual(ended, .eof)
        XCTAssertGreaterThan(elapsed, 0.25)
        XCTAssertLessThan(elapsed, 3)
        client.close()
        server.acceptor.close()
        c.close()
        XCTAssertLessThanOrEqual(fdCount(), fds + 2)  // <=: Foundation may close pipes of earlier tests meanwhile
    }

    /// Client side handshake timeout through the connect callback (the server never answers).
    func testConnectHandshakeTimeoutAgainstSilentServer() throws {
        let c = try EventCollection()
        var cfg = AcceptingHandle.Configuration(port: 0)
        cfg.address = IPAddress("127.0.0.1")
        var silent: AsyncIOState?
        let acc = try c.listen(cfg) { _, conn in if case .state(let s) = conn { silent = s } }
        var connected: SystemError?? = .none
        let client = tlsConnect(c, port: acc.localPort, context: try fx.clientContext(), timeout: 0.3) { _, e in connected = .some(e) }
        XCTAssert(runUntil(c) { connected != nil })
        let e = try XCTUnwrap(connected!)
        XCTAssertEqual(TLSFailure.kind(of: e), .timeout)
        XCTAssertEqual(client.readStatus, .timeout)
        XCTAssertEqual(client.fd, -1)
        XCTAssertNotNil(silent)
        c.close()
    }

    /// The client resets (RST) right after the handshake: the server's read fails cleanly.
    func testClientResetAfterHandshake() throws {
        let c = try EventCollection()
        var status: IOStatus?
        let server = try TLSServer(c, context: try fx.serverContext()) { s in
            try? s.readBuffer(ByteArray(count: 10), callback: { s, _, _ in status = s.readStatus })
        }
        var connected = false
        let client = tlsConnect(c, port: server.port, context: try fx.clientContext()) { _, e in
            XCTAssertNil(e)
            connected = true
        }
        XCTAssert(runUntil(c) { connected && server.states.count == 1 })
        try Posix.setLingerZero(client.fd)
        // Close the descriptor without close_notify: RST.
        let fd = client.fd
        client.close(keepAlive: true)
        Posix.close(fd)
        XCTAssert(runUntil(c) { status != nil })
        switch status! {
        case .eof: break
        case .error(let e): XCTAssertEqual(e.errno, ECONNRESET, "\(e)")
        default: XCTFail("unexpected \(status!)")
        }
        c.close()
    }

    /// Self-signed server certificate, client verifies: verification failure with the X509 text.
    func testVerificationFailureSelfSigned() throws {
        let c = try EventCollection()
        let server = try TLSServer(c, context: try fx.serverContext(selfSigned: true))
        var connected: SystemError?? = .none
        let client = tlsConnect(c, port: server.port, context: try fx.clientContext()) { _, e in connected = .some(e) }
        XCTAssert(runUntil(c) { connected != nil && server.failures.count == 1 })
        let f = try XCTUnwrap(client.lastTLSFailure)
        XCTAssertEqual(f.kind, .verification)
        XCTAssertNotEqual(f.verifyResult, 0)
        XCTAssertTrue(f.verifyText?.contains("self") ?? false, "\(f)")
        XCTAssertTrue(f.description.contains("verification"), f.description)
        XCTAssertEqual(TLSFailure.kind(of: connected!!), .verification)
        client.close()
        c.close()
    }

    /// The certificate is fine but for another host name.
    func testHostNameMismatchFailsVerification() throws {
        let c = try EventCollection()
        let server = try TLSServer(c, context: try fx.serverContext())
        var connected: SystemError?? = .none
        let client = tlsConnect(c, port: server.port, context: try fx.clientContext(), host: "other.example") { _, e in connected = .some(e) }
        XCTAssert(runUntil(c) { connected != nil })
        XCTAssertEqual(client.lastTLSFailure?.kind, .verification)
        XCTAssertTrue(client.lastTLSFailure?.verifyText?.contains("hostname") ?? false, "\(String(describing: client.lastTLSFailure))")
        c.close()
    }

    /// An IP address as the host: no SNI, the certificate's IP SAN is verified.
    func testIPAddressHostVerification() throws {
        let c = try EventCollection()
        let server = try TLSServer(c, context: try fx.serverContext())
        var connected: SystemError?? = .none
        _ = tlsConnect(c, port: server.port, context: try fx.clientContext(), host: "127.0.0.1") { _, e in connected = .some(e) }
        XCTAssert(runUntil(c) { connected != nil })
        XCTAssertNil(connected!)
        connected = .none
        let bad = tlsConnect(c, port: server.port, context: try fx.clientContext(), host: "127.0.0.2") { _, e in connected = .some(e) }
        XCTAssert(runUntil(c) { connected != nil })
        XCTAssertEqual(bad.lastTLSFailure?.kind, .verification)
        c.close()
    }

    /// Without verification the same self-signed server is accepted.
    func testNoVerifyAcceptsSelfSigned() throws {
        let c = try EventCollection()
        let server = try TLSServer(c, context: try fx.serverContext(selfSigned: true))
        var connected: SystemError?? = .none
        let client = tlsConnect(c, port: server.port, context: try fx.clientContext(verify: false)) { _, e in connected = .some(e) }
        XCTAssert(runUntil(c) { connected != nil })
        XCTAssertNil(connected!)
        XCTAssertEqual(client.peerCertificate?.issuerField("O"), "Rogue")
        c.close()
    }

    /// Server requires a client certificate; a client without one fails.
    func testServerRequiresClientCertificate() throws {
        let c = try EventCollection()
        let sctx = try fx.serverContext(proto: .tls1_2)
        try sctx.loadVerifyLocations(file: fx.caCert)
        var verifyCalls = 0
        sctx.setVerify([.peer, .failIfNoPeerCert]) { ok, _ in verifyCalls += 1; return ok }
        sctx.setVerifyDepth(4)
        let server = try TLSServer(c, context: sctx)
        var connected: SystemError?? = .none
        _ = tlsConnect(c, port: server.port, context: try fx.clientContext(proto: .tls1_2)) { _, e in connected = .some(e) }
        XCTAssert(runUntil(c) { connected != nil && server.failures.count == 1 })
        XCTAssertNotNil(connected!)
        // Now with a client certificate (the server's own, signed by the CA).
        let cctx = try fx.clientContext(proto: .tls1_2)
        try cctx.useCertificateChainFile(fx.serverCert)
        try cctx.usePrivateKeyFile(fx.serverKey)
        connected = .none
        _ = tlsConnect(c, port: server.port, context: cctx) { _, e in connected = .some(e) }
        XCTAssert(runUntil(c) { connected != nil && server.states.count == 1 })
        XCTAssertNil(connected!)
        XCTAssertGreaterThan(verifyCalls, 0)
        XCTAssertEqual(server.states[0].peerCertificate?.subjectField("CN"), "localhost")
        c.close()
    }

    func testKeyPasswords() throws {
        let ctx = try TLSContext(side: .server)
        try ctx.useCertificateChainFile(fx.serverCert)
        ctx.setPassword("wrong")
        XCTAssertThrowsError(try ctx.usePrivateKeyFile(fx.serverKeyEncrypted)) { e in
            let t = e as! TLSError
            XCTAssertEqual(t.kind, .badPassword, "\(t)")
            XCTAssertTrue(t.description.contains("wrong password"), t.description)
        }
        ctx.setPassword(nil)
        XCTAssertThrowsError(try ctx.usePrivateKeyFile(fx.serverKeyEncrypted)) { e in
            XCTAssertEqual((e as! TLSError).kind, .badPassword, "\(e)")
        }
        var asked = 0
        ctx.setPasswordCallback { max, rw in
            asked += 1
            XCTAssertGreaterThan(max, 0)
            XCTAssertFalse(rw)
            return "secret"
        }
        try ctx.usePrivateKeyFile(fx.serverKeyEncrypted)
        XCTAssertEqual(asked, 1)
        XCTAssertThrowsError(try ctx.usePrivateKeyFile(fx.selfSignedKey)) { e in
            XCTAssertEqual((e as! TLSError).kind, .keyMismatch, "\(e)")
        }
        XCTAssertThrowsError(try ctx.useCertificateChainFile(fx.dir + "/missing.pem")) { e in
            XCTAssertEqual((e as! TLSError).kind, .file)
        }
        XCTAssertThrowsError(try PrivateKey(pemFile: fx.serverKeyEncrypted, password: "nope"))
        _ = try PrivateKey(pemFile: fx.serverKeyEncrypted, password: "secret")
    }

    func testCertificateKeyPairsDHAndCertCallback() throws {
        let pairs = try readCertificateKeyPairs(file: fx.pairFile)
        XCTAssertEqual(pairs.count, 1)
        XCTAssertEqual(pairs[0].0.subjectField("CN"), "localhost")
        XCTAssertNotNil(pairs[0].1)
        let cert = try X509Certificate(pemFile: fx.serverCert)
        XCTAssertEqual(cert.issuerField("CN"), "CommLisp Test CA")
        XCTAssertNil(cert.subjectField("emailAddress"))
        XCTAssertNil(cert.subjectField("noSuchField"))

        // A server context with no certificate of its own: the cert callback supplies one.
        let c = try EventCollection()
        let sctx = try TLSContext(side: .server, protocol: .tls1_2)
        try sctx.setDHParameters(file: fx.dhFile)
        try sctx.setDHParameters(file: nil)
        XCTAssertThrowsError(try sctx.setDHParameters(file: fx.caCert))
        var calls = 0
        sctx.setCertCallback { ssl in
            calls += 1
            return .use(pairs[0].0, pairs[0].1!)
        }
        let server = try TLSServer(c, context: sctx)
        var connected: SystemError?? = .none
        _ = tlsConnect(c, port: server.port, context: try fx.clientContext()) { _, e in connected = .some(e) }
        XCTAssert(runUntil(c) { connected != nil })
        XCTAssertNil(connected!)
        XCTAssertEqual(calls, 1)
        // .fail aborts the handshake.
        sctx.setCertCallback { _ in .fail }
        connected = .none
        _ = tlsConnect(c, port: server.port, context: try fx.clientContext()) { _, e in connected = .some(e) }
        XCTAssert(runUntil(c) { connected != nil && server.failures.count == 1 })
        XCTAssertNotNil(connected!)
        c.close()
    }

    /// Closing a state in the middle of its handshake: no callback, no leak, no crash.
    func testCloseDuringHandshake() throws {
        let fds = fdCount()
        let c = try EventCollection()
        let pair = try makePair(c)
        var called = false
        try pair.client.attachTLS(TLSAttachOptions(context: try fx.clientContext(), side: .client, handshakeTimeout: 0.2)) { _, _ in called = true }
        pair.client.close()
        runFor(c, 0.4)
        XCTAssertFalse(called)
        pair.server.close(); pair.acceptor.close()
        c.close()
        XCTAssertLessThanOrEqual(fdCount(), fds + 2)  // <=: Foundation may close pipes of earlier tests meanwhile
    }

    func testProtocolContextsAndSideBoth() throws {
        for p in [TLSProtocol.negotiated, .tls1, .tls1_1, .tls1_2, .tls1_3] {
            _ = try TLSContext(side: .both, protocol: p)
        }
        // ssl-side :both: attach without handshake, choose the role, then handshake.
        let c = try EventCollection()
        let pair = try makePair(c)
        var r: [TLSFailure?] = []
        // The server context has no certificate: ssl-connection-read-certificates supplies one.
        try pair.server.attachTLS(TLSAttachOptions(context: try TLSContext(side: .server), side: .both)) { _, f in r.append(f) }
        try pair.client.attachTLS(TLSAttachOptions(context: try fx.clientContext(), side: .both, hostName: "localhost")) { _, f in r.append(f) }
        XCTAssert(runUntil(c) { r.count == 2 })
        let pairs = try readCertificateKeyPairs(file: fx.pairFile)
        XCTAssertThrowsError(try pair.server.tlsTransport!.useCertificate(pairs[0].0, key: try PrivateKey(pemFile: fx.selfSignedKey)))
        try pair.server.tlsTransport!.useCertificate(pairs[0].0, key: pairs[0].1!, chain: [try X509Certificate(pemFile: fx.caCert)])
        pair.server.tlsTransport!.setAcceptState()
        pair.client.tlsTransport!.setConnectState()
        try pair.server.handshake(timeout: 5) { _, f in r.append(f) }
        try pair.client.handshake(timeout: 5) { _, f in r.append(f) }
        XCTAssert(runUntil(c) { r.count == 4 })
        XCTAssertTrue(r.allSatisfy { $0 == nil }, "\(r)")
        XCTAssertEqual(pair.client.tlsTransport?.isHandshakeComplete, true)
        c.close()
    }

    /// Detach when the peer never answers close_notify: the timeout detaches anyway.
    func testDetachTimesOutWithoutPeerCloseNotify() throws {
        let c = try EventCollection()
        let pair = try makePair(c)
        var r = 0
        try pair.server.attachTLS(TLSAttachOptions(context: try fx.serverContext())) { _, f in XCTAssertNil(f); r += 1 }
        try pair.client.attachTLS(TLSAttachOptions(context: try fx.clientContext(), side: .client, hostName: "localhost")) { _, f in XCTAssertNil(f); r += 1 }
        XCTAssert(runUntil(c) { r == 2 })
        var detached = false
        let t0 = monotonicNanos()
        try pair.client.detachTLS(timeout: 0.2) { _ in detached = true }
        XCTAssertThrowsError(try pair.client.writeBuffer(bytes("x"), callback: nil))
        XCTAssert(runUntil(c) { detached })
        XCTAssertGreaterThan(Double(monotonicNanos() - t0) / 1e9, 0.15)
        XCTAssertNil(pair.client.tlsSide)
        XCTAssertEqual(pair.server.tlsSide, .server)
        // The server still reads TLS: it sees the client's close_notify as EOF.
        var st: IOStatus?
        try pair.server.readBuffer(ByteArray(count: 1), callback: { s, _, _ in st = s.readStatus })
        XCTAssert(runUntil(c) { st != nil })
        XCTAssertEqual(st, .eof)
        c.close()
    }

    /// TCP connect failure with TLS options: a plain SystemError, not a TLS failure.
    func testConnectRefusedWithTLSOptions() throws {
        let c = try EventCollection()
        let fd = try Posix.socket(family: AF_INET)
        try Posix.bind(fd, to: SocketAddress(ip: IPAddress("127.0.0.1")!, port: 0))
        let port = Posix.localAddress(fd)!.port
        Posix.close(fd)
        var connected: SystemError?? = .none
        let s = tlsConnect(c, port: port, context: try fx.clientContext()) { _, e in connected = .some(e) }
        XCTAssert(runUntil(c) { connected != nil })
        let e = try XCTUnwrap(connected!)
        XCTAssertEqual(e.errno, ECONNREFUSED)
        XCTAssertNil(TLSFailure.kind(of: e))
        XCTAssertNil(s.lastTLSFailure)
        c.close()
    }

    /// read-timeout applies to TLS reads; closing from the handshake callback is safe.
    func testReadTimeoutOverTLSAndCloseInCallback() throws {
        let c = try EventCollection()
        var st: IOStatus?
        let server = try TLSServer(c, context: try fx.serverContext()) { s in
            s.readTimeout = 0.2
            try? s.readBuffer(ByteArray(count: 4), callback: { s, _, _ in st = s.readStatus })
        }
        var closedInCallback = false
        _ = tlsConnect(c, port: server.port, context: try fx.clientContext()) { s, e in
            XCTAssertNil(e)
            s.close()
            closedInCallback = s.isClosed
        }
        // The client closed (close_notify): the server read sees EOF, not a timeout.
        XCTAssert(runUntil(c) { st != nil })
        XCTAssertTrue(closedInCallback)
        XCTAssertEqual(st, .eof)
        // A silent TLS peer: timeout.
        st = nil
        var client: AsyncIOState?
        _ = tlsConnect(c, port: server.port, context: try fx.clientContext()) { s, _ in client = s }
        XCTAssert(runUntil(c) { st != nil })
        XCTAssertEqual(st, .timeout)
        XCTAssertNotNil(client)
        c.close()
    }

    /// A blocking client (socket-stream style) on another thread against the engine's server;
    /// the server's cert callback sees the SNI name.
    func testBlockingClientHandshakeAndSNI() throws {
        let c = try EventCollection()
        let sctx = try fx.serverContext()
        var sni: String?
        sctx.setCertCallback { ssl in sni = TLSTransport.serverName(ssl: ssl); return .keep }
        let server = try TLSServer(c, context: sctx) { startEcho($0) }
        let port = server.port
        let cctx = Box(try fx.clientContext())
        let result = Box<String?>(nil)
        let done = Box(false)
        let t = Thread {
            defer { done.value = true }
            guard let fd = try? Posix.socket(family: AF_INET) else { return }
            defer { Posix.close(fd) }
            // Blocking socket: clear O_NONBLOCK that Posix.socket may have set.
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
            var sa = sockaddr_in()
            sa.sin_family = sa_family_t(AF_INET)
            sa.sin_port = port.bigEndian
            sa.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            let rc = withUnsafePointer(to: &sa) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            guard rc == 0, let tls = try? TLSTransport(context: cctx.value, fd: fd, side: .client, hostName: "localhost") else {
                result.value = "connect failed"; return
            }
            if let f = tls.blockingHandshake(timeout: 5) { result.value = "handshake: \(f)"; return }
            let msg: [UInt8] = Array("blocking hello".utf8)
            _ = msg.withUnsafeBytes { try? tls.write(from: $0) }
            var buf = [UInt8](repeating: 0, count: msg.count)
            var got = 0
            while got < msg.count {
                let r = buf.withUnsafeMutableBytes { p in try? tls.read(into: UnsafeMutableRawBufferPointer(rebasing: p[got...])) }
                guard case .bytes(let n)? = r else { break }
                got += n
            }
            result.value = String(decoding: buf.prefix(got), as: UTF8.self)
            _ = tls.blockingShutdown(retryCount: 1, retryTimeout: 0.05)
        }
        t.start()
        XCTAssert(runUntil(c, timeout: 10) { done.value })
        XCTAssertEqual(result.value, "blocking hello")
        XCTAssertEqual(sni, "localhost")
        c.close()
    }

    /// A TLS write that times out mid-record leaves OpenSSL holding that record: later writes
    /// fail (EPIPE) instead of sending it against other bytes.
    func testWriteTimeoutMidRecordBreaksLaterWrites() throws {
        let c = try EventCollection()
        var serverState: AsyncIOState?
        let server = try TLSServer(c, context: try fx.serverContext()) { serverState = $0 }  // never reads
        var client: AsyncIOState?
        _ = tlsConnect(c, port: server.port, context: try fx.clientContext()) { s, e in XCTAssertNil(e); client = s }
        XCTAssert(runUntil(c) { client != nil && serverState != nil })
        let s = client!
        s.writeTimeout = 0.3
        var first: (IOStatus, Int)?
        try s.writeBuffer(ByteArray(count: 64 * 1024 * 1024), callback: { s, _, n in first = (s.writeStatus, n) })
        XCTAssert(runUntil(c, timeout: 10) { first != nil })
        XCTAssertEqual(first?.0, .timeout)
        XCTAssertLessThan(first!.1, 64 * 1024 * 1024)
        var second: IOStatus?
        try s.writeBuffer(bytes("after"), callback: { s, _, _ in second = s.writeStatus })
        XCTAssert(runUntil(c) { second != nil })
        guard case .error(let e)? = second else { return XCTFail("expected an error, got \(String(describing: second))") }
        XCTAssertEqual(e.errno, EPIPE)
        c.close()
    }
}
