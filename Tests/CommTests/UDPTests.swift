import XCTest
import Glibc
@testable import Comm

/// UDP: receive-message with source address, send-message-to-address, connected send-message.
final class UDPTests: XCTestCase {
    func roundTrip(ipv6: Bool) throws {
        let c = try EventCollection()
        defer { c.close() }
        let lo: IPAddress = ipv6 ? .v6(.loopback) : .v4(0x7F00_0001)
        let server = try c.makeUDPState(local: SocketAddress(ip: lo, port: 0))
        let serverAddr = try XCTUnwrap(server.localAddress)
        XCTAssertNotEqual(serverAddr.port, 0)
        XCTAssertEqual(server.kind, .udp)
        XCTAssertTrue(server.queueOutput, "UDP states queue output by default")
        var gotBy: SocketAddress?
        var gotText = ""
        try server.receiveMessage(ByteArray(count: 1500), callback: { st, buf, n, from in
            gotText = text(buf, 0, n)
            gotBy = from
            try? st.sendMessage(to: from!, bytes("pong:" + gotText), callback: nil)
        })
        let client = try c.makeUDPState(ipv6: ipv6 ? .ipv6 : .ipv4, local: SocketAddress(ip: lo, port: 0))
        var sent = false
        try client.sendMessage(to: serverAddr, bytes("ping"), callback: { _, _, _ in sent = true })
        XCTAssertFalse(sent)
        var reply = ""
        try client.receiveMessage(ByteArray(count: 100), start: 10, callback: { _, buf, n, _ in reply = text(buf, 10, 10 + n) })
        XCTAssertTrue(runUntil(c) { sent && !reply.isEmpty })
        XCTAssertEqual(gotText, "ping")
        XCTAssertEqual(gotBy, client.localAddress)
        XCTAssertEqual(reply, "pong:ping")
    }

    func testUDPv4() throws { try roundTrip(ipv6: false) }
    func testUDPv6() throws { try roundTrip(ipv6: true) }

    func testConnectedUDPAndReceiveTimeout() throws {
        let c = try EventCollection()
        defer { c.close() }
        let server = try c.makeUDPState(local: SocketAddress(ip: .v4(0x7F00_0001), port: 0))
        let client = try c.makeUDPState(connectTo: server.localAddress!)
        XCTAssertEqual(client.kind, .udpConnected)
        XCTAssertEqual(client.peerAddress, server.localAddress)
        var got = [String]()
        func arm() throws {
            try server.receiveMessage(ByteArray(count: 64), callback: { _, b, n, _ in got.append(text(b, 0, n)); try? arm() })
        }
        try arm()
        for m in ["one", "two", "three"] { try client.sendMessage(bytes(m), callback: nil) }
        XCTAssertTrue(runUntil(c) { got.count == 3 })
        XCTAssertEqual(got, ["one", "two", "three"])
        // Timeout on an idle receive goes to the callback with :timeout.
        client.readTimeout = 0.1
        var st: IOStatus?
        try client.receiveMessage(ByteArray(count: 8), callback: { s, _, n, _ in st = s.readStatus; XCTAssertEqual(n, 0) })
        XCTAssertTrue(runUntil(c) { st != nil })
        XCTAssertEqual(st, .timeout)
    }
}
