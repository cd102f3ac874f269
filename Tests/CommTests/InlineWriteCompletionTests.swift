import XCTest
import Glibc
@testable import Comm

/// A write that the collection's end-of-batch flush completes runs its callback right there
/// (`AsyncIOState.completeLastWriteInline`) instead of through the ready queue. These tests
/// pin down what must not change with that shortcut: callbacks never run inside the call that
/// started the write, never nested inside another callback, in order, and a callback may close
/// its state or start the next write.
final class InlineWriteCompletionTests: XCTestCase {
    /// Counts callbacks running; every callback asserts it is the only one.
    final class Nesting {
        var depth = 0
        var maxDepth = 0
        func enter() { depth += 1; maxDepth = max(maxDepth, depth) }
        func leave() { depth -= 1 }
    }

    /// Two connections answered in the same batch: while A's write callback runs, it asks B
    /// for its pending writes (which settles B's deferred write). B's callback must then wait
    /// for the loop, not run inside A's.
    func testWriteCallbacksOfOneBatchNeverNest() throws {
        let c = try EventCollection()
        defer { c.close() }
        let a = try makePair(c), b = try makePair(c)
        let nesting = Nesting()
        var written: [String] = []
        var startedInsideWriteBuffer = false
        var inWriteBuffer = false
        func answer(_ s: AsyncIOState, _ name: String, other: @escaping () -> AsyncIOState) throws {
            try s.readBuffer(ByteArray(count: 2), callback: { st, buf, n in
                nesting.enter(); defer { nesting.leave() }
                inWriteBuffer = true
                try! st.writeBuffer(buf, end: n, callback: { _, _, _ in
                    if inWriteBuffer { startedInsideWriteBuffer = true }
                    nesting.enter(); defer { nesting.leave() }
                    written.append(name)
                    _ = other().pendingWriteCount  // settles the other state's deferred write
                })
                inWriteBuffer = false
            })
        }
        try answer(a.server, "A") { b.server }
        try answer(b.server, "B") { a.server }
        // Both requests are on the wire before the loop runs, so one batch reads both.
        try a.client.writeBuffer(bytes("aa"), callback: nil)
        try b.client.writeBuffer(bytes("bb"), callback: nil)
        c.flushDeferredWrites()
        usleep(20_000)
        var replies: [String] = []
        for (pair, tag) in [(a, "A"), (b, "B")] {
            try pair.client.readBuffer(ByteArray(count: 2), callback: { _, buf, n in replies.append(tag + text(buf, 0, n)) })
        }
        XCTAssertTrue(runUntil(c) { written.count == 2 && replies.count == 2 })
        XCTAssertEqual(nesting.maxDepth, 1, "a write callback ran inside another callback")
        XCTAssertFalse(startedInsideWriteBuffer, "a write callback ran inside the write-buffer call")
        XCTAssertEqual(Set(written), ["A", "B"])
        XCTAssertEqual(Set(replies), ["Aaa", "Bbb"])
    }

    /// Writes queued behind each other all go out in one flush before any callback runs (as
    /// before the shortcut); the first callback closes the state, so the second never runs.
    func testWriteCallbackClosingItsStateWithAWriteQueuedBehind() throws {
        let (calls, received, closed) = try closeFromWriteCallback(queueSecond: true)
        XCTAssertEqual(calls, ["first 5"])
        XCTAssertEqual(received, "firstsecond")
        XCTAssertTrue(closed)
    }

    /// The single write of a batch completes inline and its callback closes the state: the
    /// peer gets the data, then end of file; the descriptor is released after the callback.
    func testWriteCallbackClosingItsStateInline() throws {
        let fds = fdCount()
        let (calls, received, closed) = try closeFromWriteCallback(queueSecond: false)
        XCTAssertEqual(calls, ["first 5"])
        XCTAssertEqual(received, "first")
        XCTAssertTrue(closed)
        XCTAssertEqual(fdCount(), fds)
    }

    private func closeFromWriteCallback(queueSecond: Bool) throws -> ([String], String, Bool) {
        let c = try EventCollection()
        defer { c.close() }
        var options = StateOptions()
        options.queueOutput = true
        let p = try makePair(c, serverOptions: options)
        var calls: [String] = []
        try p.server.readBuffer(ByteArray(count: 1), callback: { st, _, _ in
            try! st.writeBuffer(bytes("first"), callback: { st2, _, n in
                calls.append("first \(n)")
                st2.close()
            })
            if queueSecond { try! st.writeBuffer(bytes("second"), callback: { _, _, _ in calls.append("second") }) }
        })
        try p.client.writeBuffer(bytes("x"), callback: nil)
        var received = ""
        var eof = false
        try p.client.readWithChecking(callback: { st, buf, end in
            if st.readStatus != .ok { eof = true; st.finish(); return }
            received += text(buf, 0, end)
            st.discard(end)
        })
        XCTAssertTrue(runUntil(c) { eof })
        runFor(c, 0.05)
        let closed = p.server.isClosed
        p.client.close()
        p.acceptor.close()
        return (calls, received, closed)
    }

    /// Each write callback starts the next write: all go out in order, each callback once.
    func testWriteCallbackStartingTheNextWrite() throws {
        let c = try EventCollection()
        defer { c.close() }
        let p = try makePair(c)
        var calls: [Int] = []
        func send(_ st: AsyncIOState, _ k: Int) {
            try! st.writeBuffer(bytes("\(k);"), callback: { st2, _, _ in
                calls.append(k)
                if k < 5 { send(st2, k + 1) }
            })
        }
        try p.server.readBuffer(ByteArray(count: 1), callback: { st, _, _ in send(st, 1) })
        try p.client.writeBuffer(bytes("x"), callback: nil)
        var received = ""
        try p.client.readWithChecking(callback: { st, buf, end in
            received += text(buf, 0, end)
            st.discard(end)
        })
        XCTAssertTrue(runUntil(c) { received == "1;2;3;4;5;" })
        XCTAssertEqual(calls, [1, 2, 3, 4, 5])
    }
}
