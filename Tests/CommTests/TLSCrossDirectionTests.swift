import XCTest
import Glibc
@testable import Comm

/// The engine honours a transport's `wants` in the opposite direction (what OpenSSL does when
/// SSL_read needs the socket writable or SSL_write needs it readable), checked with a scripted
/// transport over a real socket pair.
final class TLSCrossDirectionTests: XCTestCase {
    /// Wraps the plain transport; the first read says "want write", the first write "want read".
    final class Scripted: Transport {
        let inner: PlainTransport
        var readCalls = 0, writeCalls = 0
        var readWantsWriteOnce = false, writeWantsReadOnce = false
        private(set) var wants: Interest = .read
        init(fd: Int32) { inner = PlainTransport(fd: fd) }
        var fd: Int32 { inner.fd }
        func read(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> TransportReadResult {
            readCalls += 1
            if readWantsWriteOnce {
                readWantsWriteOnce = false
                wants = .write
                return .wouldBlock
            }
            let r = try inner.read(into: buffer)
            wants = inner.wants
            return r
        }
        func write(from buffer: UnsafeRawBufferPointer) throws(SystemError) -> IOResult<Int> {
            writeCalls += 1
            if writeWantsReadOnce {
                writeWantsReadOnce = false
                wants = .read
                return .wouldBlock
            }
            let r = try inner.write(from: buffer)
            wants = inner.wants
            return r
        }
        var hasPendingBytes: Bool { false }
        var shortReadMeansDrained: Bool { true }
        func shutdown(_ how: Posix.ShutdownHow) throws(SystemError) { try inner.shutdown(how) }
        func close() {}
    }

    func testReadThatWantsWriteIsRetriedOnWritability() throws {
        let c = try EventCollection()
        let pair = try makePair(c)
        let t = Scripted(fd: pair.server.fd)
        t.readWantsWriteOnce = true
        pair.server.transport = t
        let buf = ByteArray(count: 5)
        var got = -1
        try pair.client.writeBuffer(bytes("hello"), callback: nil)
        try pair.server.readBuffer(buf, callback: { _, _, n in got = n })
        // Input makes the first read run; it wants writability and is retried on it.
        XCTAssert(runUntil(c) { got == 5 })
        XCTAssertGreaterThanOrEqual(t.readCalls, 2)
        XCTAssertEqual(text(buf, 0, 5), "hello")
        // A second read wanting write while no input is pending.
        t.readWantsWriteOnce = true
        let calls = t.readCalls
        try pair.client.writeBuffer(bytes("again"), callback: nil)
        got = -1
        try pair.server.readBuffer(buf, callback: { _, _, n in got = n })
        XCTAssert(runUntil(c) { got == 5 })
        XCTAssertGreaterThanOrEqual(t.readCalls, calls + 2)
        // No busy loop on EPOLLOUT once the read waits for input again.
        let before = c.dispatchCount
        runFor(c, 0.2)
        XCTAssertLessThan(c.dispatchCount - before, 30)
        c.close()
    }

    func testWriteThatWantsReadIsRetriedOnReadability() throws {
        let c = try EventCollection()
        let pair = try makePair(c)
        let t = Scripted(fd: pair.server.fd)
        t.writeWantsReadOnce = true
        pair.server.transport = t
        var wrote = -1
        try pair.server.writeBuffer(bytes("pong"), callback: { _, _, n in wrote = n })
        runFor(c, 0.1)
        XCTAssertEqual(wrote, -1, "write must wait for readability")
        XCTAssertEqual(t.writeCalls, 1)
        // Input arrives (nobody reads it): the write is retried and completes.
        try pair.client.writeBuffer(bytes("x"), callback: nil)
        XCTAssert(runUntil(c) { wrote == 4 })
        let buf = ByteArray(count: 4)
        var got = -1
        try pair.client.readBuffer(buf, callback: { _, _, n in got = n })
        XCTAssert(runUntil(c) { got == 4 })
        XCTAssertEqual(text(buf, 0, 4), "pong")
        c.close()
    }

    /// Regression (plain engine): a state made by a connect with connect-timeout used to keep
    /// the connect action on its write timer, so write timeouts never fired.
    func testWriteTimeoutAfterConnectWithConnectTimeout() throws {
        let c = try EventCollection()
        var cfg = AcceptingHandle.Configuration(port: 0)
        cfg.address = IPAddress("127.0.0.1")
        var server: AsyncIOState?
        let acc = try c.listen(cfg) { _, conn in if case .state(let s) = conn { server = s } }  // never reads
        var client: AsyncIOState?
        _ = c.connectTCP(to: [SocketAddress(ip: IPAddress("127.0.0.1")!, port: acc.localPort)],
                         connect: ConnectOptions(timeout: 5)) { s, e in XCTAssertNil(e); client = s }
        XCTAssert(runUntil(c) { client != nil && server != nil })
        client!.writeTimeout = 0.2
        var status: IOStatus?
        try client!.writeBuffer(ByteArray(count: 64 * 1024 * 1024), callback: { s, _, _ in status = s.writeStatus })
        XCTAssert(runUntil(c, timeout: 5) { status != nil })
        XCTAssertEqual(status, .timeout)
        c.close()
    }
}
