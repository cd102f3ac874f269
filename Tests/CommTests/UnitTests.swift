import XCTest
import Glibc
import CShims
@testable import Comm

/// Timer heap, selector stale-event guard, addresses and resolution.
final class UnitTests: XCTestCase {
    func testTimerHeapOrderCancelAndReschedule() {
        var h = TimerHeap()
        let ts = (0..<10).map { i in LoopTimer { _ = i } }
        let deadlines: [UInt64] = [50, 10, 90, 30, 70, 20, 80, 40, 60, 100]
        for (t, d) in zip(ts, deadlines) { h.schedule(t, at: d) }
        h.cancel(ts[1])           // 10
        h.cancel(ts[1])           // idempotent
        h.schedule(ts[2], at: 5)  // 90 -> 5
        XCTAssertEqual(h.count, 9)
        var popped: [UInt64] = []
        while let t = h.popDue(now: 1000) { popped.append(t.deadline) }
        XCTAssertEqual(popped, [5, 20, 30, 40, 50, 60, 70, 80, 100])
        XCTAssertTrue(h.isEmpty)
        h.schedule(ts[0], at: 10)
        XCTAssertNil(h.popDue(now: 9))
        XCTAssertNotNil(h.popDue(now: 10))
    }

    func testCollectionTimersRunInDispatch() throws {
        let c = try EventCollection()
        var fired: [Int] = []
        c.schedule(after: 0.05) { fired.append(2) }
        c.schedule(after: 0.01) { fired.append(1) }
        let t = c.schedule(after: 0.02) { fired.append(99) }
        c.cancel(t)
        XCTAssertTrue(fired.isEmpty, "timers never run synchronously")
        XCTAssertTrue(runUntil(c, timeout: 2) { fired.count == 2 })
        XCTAssertEqual(fired, [1, 2])
    }

    /// A handler that records the events it receives.
    final class Recorder: SelectorHandler {
        var events: [UInt32] = []
        func selectorEvent(_ e: UInt32) { events.append(e) }
    }

    func testSelectorDropsStaleEvents() throws {
        let sel = try Selector()
        let fd = eventfd(0, CSHIM_EFD_NONBLOCK)
        defer { close(fd) }
        let old = Recorder(), new = Recorder()
        let id1 = try sel.register(fd: fd, interest: CSHIM_EPOLLIN, handler: old)
        sel.deregister(fd: fd)
        let id2 = try sel.register(fd: fd, interest: CSHIM_EPOLLIN, handler: new)
        XCTAssertNotEqual(id1, id2)
        sel.injectForTesting(fd: fd, id: id1, events: CSHIM_EPOLLIN)   // stale: fd reused
        sel.injectForTesting(fd: fd, id: id2, events: CSHIM_EPOLLIN)
        sel.deliverPending { _, _ in }
        XCTAssertEqual(old.events.count, 0)
        XCTAssertEqual(new.events.count, 1)
        // A real event through epoll.
        eventfd_write(fd, 1)
        XCTAssertEqual(try sel.poll(timeoutMS: 1000), 1)
        sel.deliverPending { _, _ in }
        XCTAssertEqual(new.events.count, 2)
    }

    func testAddresses() throws {
        XCTAssertEqual(IPAddress("204.71.177.75"), .v4(0xCC47_B14B))
        XCTAssertEqual(IPAddress.v4(0x7F00_0001).description, "127.0.0.1")
        let v6 = try XCTUnwrap(IPAddress("2001:500:2f::f"))
        XCTAssertTrue(v6.isIPv6)
        XCTAssertEqual(v6.description, "2001:500:2f::f")
        XCTAssertNil(IPAddress("not an address"))
        XCTAssertEqual(IPv6Address("fe80::1%1")?.scopeID, 1)
        let sa = SocketAddress(ip: .v4(0x7F00_0001), port: 8080)
        XCTAssertEqual(sa.port, 8080)
        XCTAssertEqual(sa.ip, .v4(0x7F00_0001))
        XCTAssertEqual(sa.description, "127.0.0.1:8080")
        XCTAssertEqual(SocketAddress(ipString: "::1", port: 1)?.description, "[::1]:1")
    }

    func testResolver() throws {
        let r = try Resolver.resolve(host: "127.0.0.1", port: 80)
        XCTAssertEqual(r.first, SocketAddress(ip: .v4(0x7F00_0001), port: 80))
        let local = try Resolver.resolve(host: "localhost", port: 7, family: .ipv4)
        XCTAssertTrue(local.contains(SocketAddress(ip: .v4(0x7F00_0001), port: 7)))
        let wild = try Resolver.resolve(host: nil, port: 0, family: .ipv4, passive: true)
        XCTAssertEqual(wild.first?.ip, .v4(0))
        XCTAssertThrowsError(try Resolver.resolve(host: "no-such-host.invalid", port: 1))
        XCTAssertEqual(Resolver.port(forService: "8080"), 8080)
        if let http = Resolver.port(forService: "http") {   // needs /etc/services
            XCTAssertEqual(http, 80)
            XCTAssertEqual(Resolver.serviceEntry(port: 80, proto: "tcp")?.name, "http")
        }
        XCTAssertEqual(try Resolver.hostEntry("127.0.0.1").addresses.first, .v4(0x7F00_0001))
    }

    func testSystemErrorText() {
        let e = SystemError(errno: ECONNREFUSED, op: "connect")
        XCTAssertEqual(e.message, "Connection refused")
        XCTAssertTrue(e.description.contains("connect"))
    }

    func testPostFromAnotherThreadWakesLoop() throws {
        let c = try EventCollection()
        let ran = Box(false)
        let loopThread = pthread_self()
        let sameThread = Box(false)
        let started = monotonicNanos()
        let t = Thread {
            usleep(100_000)
            c.post {
                ran.value = true
                sameThread.value = pthread_equal(pthread_self(), loopThread) != 0
                c.stopLoop()
            }
        }
        t.start()
        c.runLoop()   // returns only through the posted stopLoop
        XCTAssertTrue(ran.value)
        XCTAssertTrue(sameThread.value, "posted work runs on the loop thread")
        XCTAssertLessThan(Double(monotonicNanos() - started) / 1e9, 5)
    }

    func testStopLoopFromOtherThreadWhileBlocked() throws {
        let c = try EventCollection()
        let t = Thread { usleep(50_000); c.stopLoop() }
        t.start()
        let started = monotonicNanos()
        c.runLoop()
        XCTAssertLessThan(Double(monotonicNanos() - started) / 1e9, 5)
        XCTAssertGreaterThan(c.pollFD, 0)
    }
}
