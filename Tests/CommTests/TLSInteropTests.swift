import XCTest
import Foundation
import Glibc
@testable import Comm

/// The engine against the `openssl` CLI: s_server as the peer of our client, s_client as the
/// peer of our server, TLS 1.2 and 1.3 forced.
final class TLSInteropTests: XCTestCase {
    var fx: TLSFixtures { TLSFixtures.shared }

    override func setUp() { _ = TLSFixtures.shared }

    /// A port nobody listens on right now (bind to 0, read it back, close).
    func freePort() throws -> UInt16 {
        let fd = try Posix.socket(family: AF_INET)
        defer { Posix.close(fd) }
        try Posix.bind(fd, to: SocketAddress(ip: IPAddress("127.0.0.1")!, port: 0))
        return Posix.localAddress(fd)!.port
    }

    func launch(_ args: [String], stdin: Pipe? = nil) throws -> (Process, Pipe) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["openssl"] + args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        if let stdin { p.standardInput = stdin } else { p.standardInput = FileHandle.nullDevice }
        try p.run()
        return (p, out)
    }

    /// Our client against `openssl s_server -rev` (echoes each line reversed).
    func clientAgainstSServer(_ flag: String, _ proto: TLSProtocol, _ expect: String) throws {
        let fds = fdCount()
        let port = try freePort()
        let (proc, out) = try launch(["s_server", "-accept", "127.0.0.1:\(port)", "-cert", fx.serverCert, "-key", fx.serverKey,
                                      "-rev", "-naccept", "1", flag])
        defer { if proc.isRunning { proc.terminate() }; proc.waitUntilExit() }
        let c = try EventCollection()
        var client: AsyncIOState?
        var connected: SystemError?? = .none
        // s_server needs a moment to listen: retry refused connects.
        let deadline = monotonicNanos() + 5_000_000_000
        while monotonicNanos() < deadline {
            connected = .none
            client?.close()
            client = tlsConnect(c, port: port, context: try fx.clientContext(proto: proto)) { _, e in connected = .some(e) }
            XCTAssert(runUntil(c) { connected != nil })
            if case .some(.some(let e)) = connected, e.errno == ECONNREFUSED, e.domain == .posix {
                usleep(50_000)
                continue
            }
            break
        }
        let s = try XCTUnwrap(client)
        XCTAssertNil(connected!, "\(String(describing: connected))")
        XCTAssertEqual(s.tlsTransport?.protocolVersionName, expect)
        let line = "hello from comm\n"
        let reply = ByteArray(count: line.utf8.count)
        var got = -1
        try s.writeBuffer(bytes(line), callback: nil)
        try s.readBuffer(reply, callback: { _, _, n in got = n })
        XCTAssert(runUntil(c) { got >= 0 })
        XCTAssertEqual(text(reply, 0, max(got, 0)), "mmoc morf olleh\n")
        s.close()
        c.close()
        proc.waitUntilExit()
        _ = out.fileHandleForReading.readDataToEndOfFile()
        try? out.fileHandleForReading.close()
        XCTAssertLessThanOrEqual(fdCount(), fds + 2)  // <=: Foundation may close pipes of earlier tests meanwhile
    }

    func testClientAgainstSServerTLS12() throws { try clientAgainstSServer("-tls1_2", .tls1_2, "TLSv1.2") }
    func testClientAgainstSServerTLS13() throws { try clientAgainstSServer("-tls1_3", .negotiated, "TLSv1.3") }

    /// `openssl s_client` against our server: it verifies our chain, we echo and close.
    func serverAgainstSClient(_ flag: String, _ expect: String) throws {
        let c = try EventCollection()
        var version: String?
        let server = try TLSServer(c, context: try fx.serverContext()) { s in
            version = s.tlsTransport?.protocolVersionName
            let buf = ByteArray(count: 5)
            try? s.readBuffer(buf, callback: { s, b, n in
                try? s.writeBuffer(b, end: n, callback: { s, _, _ in s.close() })
            })
        }
        let input = Pipe()
        let (proc, out) = try launch(["s_client", "-connect", "127.0.0.1:\(server.port)", "-CAfile", fx.caCert,
                                      "-verify_return_error", "-servername", "localhost", "-quiet", flag], stdin: input)
        input.fileHandleForWriting.write("ping\n".data(using: .utf8)!)
        XCTAssert(runUntil(c, timeout: 10) { !proc.isRunning }, "s_client did not finish")
        if proc.isRunning { proc.terminate() }
        proc.waitUntilExit()
        try? input.fileHandleForWriting.close()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertTrue(text.contains("ping"), text)
        XCTAssertFalse(text.contains("verify error"), text)
        XCTAssertEqual(version, expect)
        XCTAssertTrue(server.failures.isEmpty, "\(server.failures)")
        c.close()
    }

    func testServerAgainstSClientTLS12() throws { try serverAgainstSClient("-tls1_2", "TLSv1.2") }
    func testServerAgainstSClientTLS13() throws { try serverAgainstSClient("-tls1_3", "TLSv1.3") }

    /// s_client that does not trust our (self-signed) certificate aborts; our side reports it.
    func testSClientRejectsUntrustedServer() throws {
        let c = try EventCollection()
        let server = try TLSServer(c, context: try fx.serverContext(selfSigned: true))
        let (proc, out) = try launch(["s_client", "-connect", "127.0.0.1:\(server.port)", "-CAfile", fx.caCert,
                                      "-verify_return_error", "-quiet"])
        XCTAssert(runUntil(c, timeout: 10) { !proc.isRunning && server.failures.count == 1 })
        proc.waitUntilExit()
        _ = out.fileHandleForReading.readDataToEndOfFile()
        XCTAssertNotEqual(proc.terminationStatus, 0)
        XCTAssertEqual(server.failures.first?.kind, .protocolError)
        XCTAssertTrue(server.failures.first?.messages.joined().contains("alert") ?? false, "\(server.failures)")
        c.close()
    }
}
