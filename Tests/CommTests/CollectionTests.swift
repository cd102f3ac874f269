import XCTest
import Glibc
import CShims
@testable import Comm

/// Collection-level behaviour: silent close, closing from a callback, driving the collection
/// from an outer epoll set (the REPL driver's way).
final class CollectionTests: XCTestCase {
    func testCloseCollectionIsSilentAndCollectionStaysUsable() throws {
        let c = try EventCollection()
        let p = try makePair(c)
        var calls = 0
        try p.server.readBuffer(ByteArray(count: 4), callback: { _, _, _ in calls += 1 })
        try p.client.writeBuffer(ByteArray(count: 64 << 20), callback: { _, _, _ in calls += 1 })
        p.client.abortAndClose { _ in calls += 1 }   // its close-callback is dropped too
        c.schedule(after: 0.01) { calls += 1 }
        c.close()
        XCTAssertEqual(c.stateCount, 0)
        XCTAssertEqual(c.acceptorCount, 0)
        XCTAssertTrue(p.server.isClosed && p.client.isClosed && p.acceptor.isClosed)
        runFor(c, 0.1)
        XCTAssertEqual(calls, 0, "close-wait-state-collection runs no callbacks")
        // Still usable.
        let q = try makePair(c)
        var got = 0
        try q.server.readBuffer(ByteArray(count: 2), callback: { _, _, n in got = n })
        try q.client.writeBuffer(bytes("ok"), callback: nil)
        XCTAssertTrue(runUntil(c) { got == 2 })
        c.close()
    }

    func testCloseCollectionFromInsideCallback() throws {
        let c = try EventCollection()
        let p = try makePair(c)
        let q = try makePair(c)
        var calls = 0
        try p.server.readBuffer(ByteArray(count: 1), callback: { _, _, _ in calls += 1; c.close() })
        try q.server.readBuffer(ByteArray(count: 1), callback: { _, _, _ in calls += 1; c.close() })
        try p.client.writeBuffer(bytes("x"), callback: nil)
        try q.client.writeBuffer(bytes("y"), callback: nil)
        runFor(c, 0.2)
        XCTAssertEqual(calls, 1, "the first callback's close silences the other")
        XCTAssertEqual(c.stateCount, 0)
    }

    func testOuterDriverEpollSet() throws {
        let c = try EventCollection()
        defer { c.close() }
        let p = try makePair(c)
        let outer = epoll_create1(0)
        defer { close(outer) }
        XCTAssertEqual(cshim_epoll_ctl(outer, EPOLL_CTL_ADD, c.pollFD, CSHIM_EPOLLIN, 42), 0)
        var echoed = ""
        try p.server.readBuffer(ByteArray(count: 3), callback: { st, b, n in
            try? st.writeBuffer(b, end: n, callback: nil)
        })
        try p.client.writeBuffer(bytes("abc"), callback: nil)
        try p.client.readBuffer(ByteArray(count: 3), callback: { _, b, n in echoed = text(b, 0, n) })
        var timerFired = false
        c.schedule(after: 0.05) { timerFired = true }
        var ev = [cshim_event](repeating: cshim_event(), count: 4)
        let deadline = monotonicNanos() + 5_000_000_000
        while (echoed.isEmpty || !timerFired) && monotonicNanos() < deadline {
            let ms = c.hasImmediateWork ? 0 : c.millisecondsUntilNextEvent()
            let n = cshim_epoll_wait(outer, &ev, 4, ms < 0 ? 1000 : ms)
            if n > 0 || c.hasImmediateWork || c.millisecondsUntilNextEvent() == 0 { c.dispatch() }
        }
        XCTAssertEqual(echoed, "abc")
        XCTAssertTrue(timerFired)
    }

    func testCallbacksNeverSynchronousEvenWithBufferedData() throws {
        let c = try EventCollection()
        defer { c.close() }
        let p = try makePair(c)
        try p.client.writeBuffer(bytes("abcdef"), callback: nil)
        var seen = 0
        try p.server.readWithChecking(callback: { st, _, end in seen = end; st.finish(discard: 2) })
        XCTAssertTrue(runUntil(c) { seen == 6 })
        var done = false
        try p.server.readBuffer(ByteArray(count: 2), callback: { _, _, _ in done = true })
        XCTAssertFalse(done, "completed from buffered data, still delivered by dispatch")
        var waited = false
        runUntil(c) { done }
        try p.server.waitForInput { _ in waited = true }
        XCTAssertFalse(waited)
        XCTAssertTrue(runUntil(c) { waited })
    }

    final class Token {}

    func testDroppedCloseCallbackReleasesUserData() throws {
        let c = try EventCollection()
        let p = try makePair(c)
        weak var weakToken: Token?
        do {
            let tok = Token()
            weakToken = tok
            p.server.userInfo = tok
            p.server.abortAndClose { _ in XCTFail("dropped by close-wait-state-collection") }
        }
        XCTAssertNotNil(weakToken, "kept for the close-callback")
        c.close()
        runFor(c, 0.05)
        XCTAssertNil(weakToken)
        // And when it runs, the data is released right after it.
        let q = try makePair(c)
        var sawInfo = false
        do {
            let tok = Token()
            weakToken = tok
            q.server.userInfo = tok
            q.server.abortAndClose { st in sawInfo = st.userInfo is Token }
        }
        XCTAssertTrue(runUntil(c) { sawInfo })
        XCTAssertNil(weakToken)
        c.close()
    }
}
