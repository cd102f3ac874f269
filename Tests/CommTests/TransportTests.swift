import XCTest
import Glibc
import CShims
@testable import Comm

/// A TLS-shaped fake transport over a real socket: it pulls everything the socket has into a
/// private buffer and hands it out a few bytes at a time (like SSL_pending plaintext), and its
/// first read pretends to need writability (like SSL_ERROR_WANT_WRITE during renegotiation).
/// The state code must handle both without knowing which transport it has.
final class ChunkyTransport: Transport {
    let fd: Int32
    var pending: [UInt8] = []
    var crossOnce = true
    var chunk = 3
    private(set) var wants: Interest = .read
    private(set) var crossedReads = 0

    init(fd: Int32) { self.fd = fd }

    var hasPendingBytes: Bool { !pending.isEmpty }
    var shortReadMeansDrained: Bool { false }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> TransportReadResult {
        if crossOnce {
            crossOnce = false
            crossedReads += 1
            wants = .write
            return .wouldBlock
        }
        if pending.isEmpty {
            let tmp = ByteArray(count: 65536)
            let r = try withBytes(tmp) { (p) throws(SystemError) -> IOResult<Int> in try Posix.read(fd, p) }
            switch r {
            case .processed(0): return .endOfFile
            case .processed(let n): pending += tmp.bytes(0, n)
            case .wouldBlock:
                wants = .read
                return .wouldBlock
            }
        }
        let n = min(chunk, buffer.count, pending.count)
        for i in 0..<n { buffer[i] = pending[i] }
        pending.removeFirst(n)
        return .bytes(n)
    }

    func write(from buffer: UnsafeRawBufferPointer) throws(SystemError) -> IOResult<Int> {
        try Posix.send(fd, buffer)
    }

    func shutdown(_ how: Posix.ShutdownHow) throws(SystemError) { try Posix.shutdown(fd, how) }
    func close() {}
}

final class TransportTests: XCTestCase {
    func socketPair() -> (Int32, Int32) {
        var fds: [Int32] = [-1, -1]
        XCTAssertEqual(socketpair(AF_UNIX, CSHIM_SOCK_STREAM | CSHIM_SOCK_CLOEXEC, 0, &fds), 0)
        return (fds[0], fds[1])
    }

    func testPendingBytesAndCrossedWantsWithReadWithChecking() throws {
        let c = try EventCollection()
        defer { c.close() }
        let (a, b) = socketPair()
        defer { close(b) }
        let s = try c.makeState(fd: a)
        let t = ChunkyTransport(fd: a)
        s.transport = t
        s.maxRead = 4
        let message = "hello world, this is a test"
        var seen = ""
        try s.readWithChecking(callback: { st, buf, end in
            seen = text(buf, 0, end)
            if end == message.utf8.count { st.finish() }
        })
        _ = message.withCString { write(b, $0, strlen($0)) }
        // One socket read pulls everything; the rest must come from hasPendingBytes, since epoll
        // will not report bytes already taken off the socket.
        XCTAssertTrue(runUntil(c, timeout: 5) { seen == message }, "saw \(seen)")
        XCTAssertEqual(t.crossedReads, 1)
        XCTAssertFalse(s.isReading)
    }

    func testPendingBytesServeNextReadBuffer() throws {
        let c = try EventCollection()
        defer { c.close() }
        let (a, b) = socketPair()
        defer { close(b) }
        let s = try c.makeState(fd: a)
        let t = ChunkyTransport(fd: a)
        t.crossOnce = false
        s.transport = t
        _ = "abcdefghij".withCString { write(b, $0, 10) }
        var first = "", second = ""
        try s.readBuffer(ByteArray(count: 4), callback: { st, buf, n in
            first = text(buf, 0, n)
            try? st.readBuffer(ByteArray(count: 6), callback: { _, b2, n2 in second = text(b2, 0, n2) })
        })
        XCTAssertTrue(runUntil(c, timeout: 5) { !second.isEmpty })
        XCTAssertEqual(first, "abcd")
        XCTAssertEqual(second, "efghij")
        XCTAssertFalse(t.hasPendingBytes)
    }

    func testOutputQueueLimitAndWrongKind() throws {
        let c = try EventCollection()
        defer { c.close() }
        let (a, b) = socketPair()
        defer { close(b) }
        let s = try c.makeState(fd: a, options: StateOptions(queueOutput: true))
        s.maxQueuedOutputBytes = 1 << 20
        try s.writeBuffer(ByteArray(count: 8 << 20), callback: nil)   // fills the socket, stays pending
        XCTAssertGreaterThan(s.pendingWriteBytes, 0)
        XCTAssertThrowsError(try s.writeBuffer(ByteArray(count: 2 << 20), callback: nil)) {
            guard case .outputQueueFull? = $0 as? CommUsageError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try s.sendMessage(bytes("x"), callback: nil))
    }
}
