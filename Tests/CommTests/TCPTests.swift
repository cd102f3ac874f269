import XCTest
import Glibc
@testable import Comm

/// Loopback TCP: echo, read-with-checking, queued writes, usage errors, timeouts, EOF, resets,
/// closing from callbacks, abort and shutdown.
final class TCPTests: XCTestCase {
    /// Server echoes 5-byte messages with read-buffer + write-buffer; the client checks.
    func echo(ipv6: Bool) throws {
        let c = try EventCollection()
        defer { c.close() }
        let p = try makePair(c, ipv6: ipv6)
        func serve(_ s: AsyncIOState) throws {
            try s.readBuffer(ByteArray(count: 5), callback: { st, buf, n in
                guard st.readStatus == .ok else { st.close(); return }
                try! st.writeBuffer(buf, end: n, callback: { st2, _, _ in try? serve(st2) })
            })
        }
        try serve(p.server)
        var replies: [String] = []
        var called = false
        for msg in ["hello", "world"] {
            called = false
            try p.client.writeBuffer(bytes(msg), callback: { _, _, n in XCTAssertEqual(n, 5); called = true })
            XCTAssertFalse(called, "callback must not run synchronously")
            try p.client.readBuffer(ByteArray(count: 5), callback: { st, buf, n in
                XCTAssertEqual(st.readStatus, .ok)
                replies.append(text(buf, 0, n))
            })
            XCTAssertTrue(runUntil(c) { replies.count == (msg == "hello" ? 1 : 2) })
        }
        XCTAssertEqual(replies, ["hello", "world"])
        XCTAssertEqual(p.server.peerAddress, p.client.localAddress)
        XCTAssertEqual(p.client.peerAddress?.port, p.acceptor.localPort)
        p.acceptor.close()
    }

    func testEchoIPv4() throws { try echo(ipv6: false) }
    func testEchoIPv6() throws { try echo(ipv6: true) }

    func testReadWithCheckingSplitsLinesDiscardAndFinish() throws {
        let c = try EventCollection()
        defer { c.close() }
        let p = try makePair(c)
        var lines: [String] = []
        var oldLengths: [Int] = []
        var finishedLeft = -1
        try p.server.readWithChecking(callback: { st, buf, end in
            XCTAssertTrue(st.inCheckingCallback)
            oldLengths.append(st.oldLength)
            guard st.readStatus == .ok else { st.finish(); return }
            let s = text(buf, 0, end)
            if let nl = s.firstIndex(of: "\n") {
                let len = s.distance(from: s.startIndex, to: nl) + 1
                lines.append(String(s[..<nl]))
                if lines.count == 3 {
                    finishedLeft = st.finish(discard: len)
                } else {
                    st.discard(len)
                }
            }
        })
        try p.client.writeBuffer(bytes("a\nbb\npart"), callback: nil)
        XCTAssertTrue(runUntil(c) { lines.count == 2 })
        XCTAssertEqual(lines, ["a", "bb"])
        runFor(c, 0.05)
        XCTAssertEqual(oldLengths.last, 0, "after a discard the rest is re-presented from 0")
        try p.client.writeBuffer(bytes("ial\nrest"), callback: nil)
        XCTAssertTrue(runUntil(c) { lines.count == 3 })
        XCTAssertEqual(lines[2], "partial")
        XCTAssertFalse(p.server.isReading)
        runFor(c, 0.05)
        XCTAssertEqual(finishedLeft, 4)
        XCTAssertEqual(p.server.bufferedDataLength, 4)
        // A later read-buffer takes buffered data first.
        var got = ""
        try p.server.readBuffer(ByteArray(count: 6), callback: { _, b, n in got = text(b, 0, n) })
        try p.client.writeBuffer(bytes("!!"), callback: nil)
        XCTAssertTrue(runUntil(c) { !got.isEmpty })
        XCTAssertEqual(got, "rest!!")
    }

    func testReadWithCheckingNeitherShowsOldLengthAndEOFAfterData() throws {
        let c = try EventCollection()
        defer { c.close() }
        let p = try makePair(c)
        var calls: [(String, Int, IOStatus)] = []
        var errorCalls = 0
        try p.server.readWithChecking(callback: { st, buf, end in
            calls.append((text(buf, 0, end), st.oldLength, st.readStatus))
        }, errorCallback: { st, buf, end in
            errorCalls += 1
            calls.append((text(buf, 0, end), st.oldLength, st.readStatus))
        })
        try p.client.writeBuffer(bytes("abc"), callback: nil)
        XCTAssertTrue(runUntil(c) { calls.count == 1 })
        try p.client.writeBuffer(bytes("de"), callback: { st, _, _ in st.close() })
        XCTAssertTrue(runUntil(c) { errorCalls == 1 })
        XCTAssertEqual(calls[0].0, "abc"); XCTAssertEqual(calls[0].1, 0)
        // "de" may arrive alone or together with the FIN; either way data comes before :eof.
        let last = calls.last!
        XCTAssertEqual(last.2, .eof)
        XCTAssertEqual(last.0, "abcde")
        XCTAssertEqual(calls.filter { $0.2 == .ok }.last?.0, "abcde")
        XCTAssertEqual(calls[1].1, 3, "old-length = bytes shown to the previous call")
        XCTAssertFalse(p.server.isReading)
    }

    func testQueuedWritesAreFIFO() throws {
        let c = try EventCollection()
        defer { c.close() }
        let p = try makePair(c, clientOptions: StateOptions(queueOutput: true))
        let big = ByteArray(count: 4 << 20)
        big.withUnsafeMutableBytes { for i in 0..<$0.count { $0[i] = UInt8(i % 251) } }
        var order: [Int] = []
        try p.client.writeBuffer(bytes("first:"), callback: { _, _, _ in order.append(1) })
        try p.client.writeBuffer(big, callback: { _, _, n in XCTAssertEqual(n, 4 << 20); order.append(2) })
        try p.client.writeBuffer(bytes(":last"), callback: { _, _, _ in order.append(3) })
        XCTAssertEqual(p.client.pendingWriteCount, 2, "the first write completed eagerly, its callback is queued")
        var received = 0
        var head = "", tail = [UInt8]()
        try p.server.readWithChecking(callback: { st, buf, end in
            if head.isEmpty && end >= 6 { head = text(buf, 0, 6) }
            received += end
            if received >= 6 + (4 << 20) + 5 {
                tail = buf.withUnsafeMutableBytes { Array($0[(end - 5)..<end]) }
            }
            st.discard(end)
        })
        XCTAssertTrue(runUntil(c, timeout: 20) { order.count == 3 && received == 6 + (4 << 20) + 5 })
        XCTAssertEqual(order, [1, 2, 3])
        XCTAssertEqual(head, "first:")
        XCTAssertEqual(String(decoding: tail, as: UTF8.self), ":last")
        XCTAssertEqual(p.client.pendingWriteBytes, 0)
    }

    func testSecondWriteWithoutQueueOutputAndSecondReadThrow() throws {
        let c = try EventCollection()
        defer { c.close() }
        let p = try makePair(c)
        try p.client.writeBuffer(ByteArray(count: 16 << 20), callback: nil)
        XCTAssertThrowsError(try p.client.writeBuffer(bytes("x"), callback: nil)) {
            XCTAssertEqual($0 as? CommUsageError, .writeInProgress)
        }
        try p.server.readBuffer(ByteArray(count: 1), callback: { _, _, _ in })
        XCTAssertThrowsError(try p.server.readWithChecking(callback: { _, _, _ in })) {
            XCTAssertEqual($0 as? CommUsageError, .readInProgress)
        }
        XCTAssertThrowsError(try p.server.waitForInput(callback: { _ in }))
        XCTAssertThrowsError(try p.server.readBuffer(ByteArray(count: 1), start: 0, end: 2, callback: { _, _, _ in }))
        XCTAssertThrowsError(try p.server.getBufferedData(into: ByteArray(count: 1)))
    }

    func testReadTimeoutStatus() throws {
        let c = try EventCollection()
        defer { c.close() }
        let p = try makePair(c)
        p.server.readTimeout = 0.2
        var result: (IOStatus, Int)?
        let t0 = monotonicNanos()
        let buf = ByteArray(count: 10)
        try p.client.writeBuffer(bytes("abc"), callback: nil)
        try p.server.readBuffer(buf, callback: { st, _, n in result = (st.readStatus, n) },
                                errorCallback: { _, _, _ in XCTFail("timeout goes to callback") })
        XCTAssertTrue(runUntil(c) { result != nil })
        let elapsed = Double(monotonicNanos() - t0) / 1e9
        XCTAssertEqual(result?.0, .timeout)
        XCTAssertEqual(result?.1, 3, "partial count on timeout")
        XCTAssertGreaterThan(elapsed, 0.18)
        XCTAssertLessThan(elapsed, 2)
        // The next operation starts with a clean status.
        var again: IOStatus?
        try p.server.readBuffer(ByteArray(count: 1), callback: { st, _, _ in again = st.readStatus })
        try p.client.writeBuffer(bytes("z"), callback: nil)
        XCTAssertTrue(runUntil(c) { again != nil })
        XCTAssertEqual(again, .ok)
    }

    func testPeerEOF() throws {
        let c = try EventCollection()
        defer { c.close() }
        let p = try makePair(c)
        var viaCallback: (IOStatus, Int)?
        var viaError: (IOStatus, Int)?
        try p.server.readBuffer(ByteArray(count: 10), callback: { st, _, n in viaCallback = (st.readStatus, n) })
        try p.client.writeBuffer(bytes("ab"), callback: { st, _, _ in st.close() })
        XCTAssertTrue(runUntil(c) { viaCallback != nil })
        XCTAssertEqual(viaCallback?.0, .eof)
        XCTAssertEqual(viaCallback?.1, 2)
        // EOF is sticky and routed to the error-callback when one is given.
        try p.server.readBuffer(ByteArray(count: 10), callback: { _, _, _ in XCTFail() },
                                errorCallback: { st, _, n in viaError = (st.readStatus, n) })
        XCTAssertTrue(runUntil(c) { viaError != nil })
        XCTAssertEqual(viaError?.0, .eof)
        XCTAssertEqual(viaError?.1, 0)
    }

    func testPeerResetMidReadAndMidWrite() throws {
        let c = try EventCollection()
        defer { c.close() }
        // Mid-read: the server waits for 10 bytes, the client aborts the connection.
        let p = try makePair(c)
        var status: IOStatus?
        try p.server.readBuffer(ByteArray(count: 10), callback: { st, _, _ in status = st.readStatus })
        try Posix.setLingerZero(p.client.fd)
        p.client.close()
        XCTAssertTrue(runUntil(c) { status != nil })
        guard case .error(let e)? = status else { return XCTFail("expected an error, got \(String(describing: status))") }
        XCTAssertEqual(e.errno, ECONNRESET)

        // Mid-write: the server pushes 32 MiB that the client never reads, then the client resets.
        let q = try makePair(c)
        var wstatus: IOStatus?
        var written = -1
        try q.server.writeBuffer(ByteArray(count: 32 << 20), callback: { _, _, _ in XCTFail("error-callback expected") },
                                 errorCallback: { st, _, n in wstatus = st.writeStatus; written = n })
        runFor(c, 0.1)
        XCTAssertNil(wstatus, "32 MiB cannot fit in the socket buffers")
        try Posix.setLingerZero(q.client.fd)
        q.client.close()
        XCTAssertTrue(runUntil(c) { wstatus != nil })
        guard case .error(let we)? = wstatus else { return XCTFail("expected a write error") }
        XCTAssertTrue([EPIPE, ECONNRESET].contains(we.errno), "\(we)")
        XCTAssertGreaterThan(written, 0)
        XCTAssertLessThan(written, 32 << 20)
    }

    func testCloseFromInsideCallback() throws {
        let c = try EventCollection()
        defer { c.close() }
        let p = try makePair(c)
        var calls = 0
        var fdDuringCallback: Int32 = -2
        try p.server.readWithChecking(callback: { st, _, _ in
            calls += 1
            XCTAssertEqual(st.close(), 3)
            XCTAssertEqual(st.close(), 3, "idempotent")
            fdDuringCallback = st.fd    // physical close is deferred until we return
            do { try st.readBuffer(ByteArray(count: 1), callback: { _, _, _ in }); XCTFail("closed state") } catch {}
        })
        try p.client.writeBuffer(bytes("abc"), callback: nil)
        XCTAssertTrue(runUntil(c) { calls == 1 })
        XCTAssertGreaterThanOrEqual(fdDuringCallback, 0)
        XCTAssertEqual(p.server.fd, -1)
        try p.client.writeBuffer(bytes("more"), callback: nil)
        runFor(c, 0.1)
        XCTAssertEqual(calls, 1, "no callbacks after close")
        XCTAssertEqual(c.stateCount, 1)
        let buf = ByteArray(count: 8)
        XCTAssertEqual(try p.server.getBufferedData(into: buf), 3, "buffered data survives close")
        XCTAssertEqual(p.server.bufferedDataLength, 0)
    }

    func testAbortReadAndAbortAndClose() throws {
        let c = try EventCollection()
        defer { c.close() }
        let p = try makePair(c)
        var aborted: AbortedOperation??
        try p.server.readBuffer(ByteArray(count: 10), callback: { _, _, _ in XCTFail("aborted op's callback ran") })
        p.server.abort(.input) { _, op in aborted = .some(op) }
        XCTAssertNil(aborted ?? nil, "abort callback is asynchronous")
        XCTAssertTrue(runUntil(c) { aborted != nil })
        if case .some(.some(.readBuffer(_, let n))) = aborted { XCTAssertEqual(n, 0) } else { XCTFail("\(String(describing: aborted))") }
        // Nothing active: the callback gets nil.
        var none: AbortedOperation?? = .none
        p.server.abort(.output) { _, op in none = .some(op) }
        XCTAssertTrue(runUntil(c) { none != nil })
        XCTAssertTrue(none! == nil)
        var closedCB = false
        p.server.userInfo = "info"
        try p.server.readWithChecking(callback: { _, _, _ in XCTFail() })
        p.server.abortAndClose { st in closedCB = st.isClosed && (st.userInfo as? String) == "info" }
        XCTAssertTrue(runUntil(c) { closedCB })
        XCTAssertNil(p.server.userInfo, "user data dropped after the close-callback")
        var eof = false
        try p.client.readBuffer(ByteArray(count: 1), callback: { st, _, _ in eof = st.readStatus == .eof })
        XCTAssertTrue(runUntil(c) { eof })
    }

    func testShutdownOutputGivesPeerEOFAndWaitForInput() throws {
        let c = try EventCollection()
        defer { c.close() }
        let p = try makePair(c)
        var ready = false
        try p.server.waitForInput { st in ready = st.readStatus == .ok }
        XCTAssertEqual(try p.client.shutdown(.output), .done(nil))
        XCTAssertTrue(runUntil(c) { ready })
        var status: IOStatus?
        try p.server.readBuffer(ByteArray(count: 1), callback: { st, _, _ in status = st.readStatus })
        XCTAssertTrue(runUntil(c) { status != nil })
        XCTAssertEqual(status, .eof)
        // Shutdown with a pending read: error without abort, deferred with abort.
        try p.client.readBuffer(ByteArray(count: 1), callback: { _, _, _ in XCTFail() })
        XCTAssertThrowsError(try p.client.shutdown(.input))
        var result: Int32?? = .none
        XCTAssertEqual(try p.client.shutdown(.input, abort: true) { _, r in result = .some(r) }, .deferred)
        XCTAssertTrue(runUntil(c) { result != nil })
        XCTAssertTrue(result! == nil)
    }

    func testAcceptorCloseIdempotentAndPortFreed() throws {
        let c = try EventCollection()
        defer { c.close() }
        var cfg = AcceptingHandle.Configuration(port: 0)
        cfg.address = IPAddress("127.0.0.1")
        let h = try c.listen(cfg) { _, _ in }
        let port = h.localPort
        XCTAssertGreaterThan(port, 0)
        var calls = 0
        h.close { coll in XCTAssertTrue(coll === c); calls += 1 }
        h.close { _ in calls += 1 }
        XCTAssertEqual(calls, 0)
        XCTAssertTrue(runUntil(c) { calls == 2 })
        XCTAssertTrue(h.isClosed)
        XCTAssertNil(h.collection)
        XCTAssertEqual(h.fd, -1)
        XCTAssertEqual(c.acceptorCount, 0)
        cfg.port = port
        cfg.bindRetryTimeout = 0
        let again = try c.listen(cfg) { _, _ in }
        XCTAssertEqual(again.localPort, port)
        again.close()
    }

    func testPortInUseRetriesUntilInitTimeout() throws {
        let c = try EventCollection()
        defer { c.close() }
        var cfg = AcceptingHandle.Configuration(port: 0)
        cfg.address = IPAddress("127.0.0.1")
        let h = try c.listen(cfg) { _, _ in }
        cfg.port = h.localPort
        cfg.bindRetryTimeout = 0.3
        let t0 = monotonicNanos()
        XCTAssertThrowsError(try c.listen(cfg) { _, _ in }) { e in
            XCTAssertEqual((e as? SystemError)?.errno, EADDRINUSE)
        }
        let elapsed = Double(monotonicNanos() - t0) / 1e9
        XCTAssertGreaterThan(elapsed, 0.25)
        XCTAssertLessThan(elapsed, 3)
        h.close()
    }

    func testCreateStateNilHandsOverSocketAndMakeState() throws {
        let c = try EventCollection()
        defer { c.close() }
        var cfg = AcceptingHandle.Configuration(port: 0)
        cfg.address = IPAddress("127.0.0.1")
        cfg.createState = false
        var raw: Int32 = -1
        let h = try c.listen(cfg) { _, conn in if case .socket(let fd) = conn { raw = fd } }
        let client = c.connectTCP(to: [SocketAddress(ip: .v4(0x7F00_0001), port: h.localPort)]) { _, _ in }
        XCTAssertTrue(runUntil(c) { raw >= 0 && !client.isConnecting })
        let s = try c.makeState(fd: raw)
        var got = ""
        try s.readBuffer(ByteArray(count: 2), callback: { _, b, n in got = text(b, 0, n) })
        try client.writeBuffer(bytes("hi"), callback: nil)
        XCTAssertTrue(runUntil(c) { got == "hi" })
        h.close()
    }

    func testWriteTimeoutThenQueuedWriteStillRuns() throws {
        let c = try EventCollection()
        defer { c.close() }
        let p = try makePair(c, clientOptions: StateOptions(writeTimeout: 0.2, queueOutput: true))
        var first: (IOStatus, Int)?
        var second: IOStatus?
        try p.client.writeBuffer(ByteArray(count: 32 << 20), callback: { st, _, n in first = (st.writeStatus, n) },
                                 errorCallback: { _, _, _ in XCTFail("timeout goes to the callback") })
        try p.client.writeBuffer(bytes("tail"), callback: { st, _, _ in second = st.writeStatus })
        XCTAssertTrue(runUntil(c) { first != nil })
        XCTAssertEqual(first?.0, .timeout)
        XCTAssertGreaterThan(first?.1 ?? 0, 0)
        XCTAssertLessThan(first?.1 ?? Int.max, 32 << 20)
        // Drain the receiver: the queued write goes out (it may already have fitted into the
        // tail of the socket buffer) and completes with a clean status.
        try p.server.readWithChecking(callback: { st, _, end in st.discard(end) })
        XCTAssertTrue(runUntil(c, timeout: 10) { second != nil })
        XCTAssertEqual(second, .ok)
    }

    func testDualStackListenerAcceptsIPv4() throws {
        let c = try EventCollection()
        defer { c.close() }
        var cfg = AcceptingHandle.Configuration(port: 0)
        cfg.ipv6 = .both
        var peer: SocketAddress?
        let h = try c.listen(cfg) { _, conn in if case .state(let s) = conn { peer = s.peerAddress } }
        XCTAssertEqual(h.localAddress.family, AF_INET6)
        var ok = false
        _ = c.connectTCP(to: [SocketAddress(ip: .v4(0x7F00_0001), port: h.localPort)]) { _, e in ok = e == nil }
        XCTAssertTrue(runUntil(c) { ok && peer != nil })
        XCTAssertEqual(peer?.ip.description, "::ffff:127.0.0.1")
        h.close()
    }
}
