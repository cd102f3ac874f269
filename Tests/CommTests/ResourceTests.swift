import XCTest
import Glibc
@testable import Comm

/// Connect failures and timeouts, descriptor exhaustion (EMFILE back-off), descriptor leaks.
final class ResourceTests: XCTestCase {
    /// A port with nothing listening: bind a socket for an ephemeral port, then close it.
    func closedPort() throws -> UInt16 {
        let fd = try Posix.socket(family: AF_INET)
        try Posix.bind(fd, to: SocketAddress(ip: .v4(0x7F00_0001), port: 0))
        let port = Posix.localAddress(fd)!.port
        Posix.close(fd)
        return port
    }

    func testConnectFailureIsAsynchronous() throws {
        let c = try EventCollection()
        defer { c.close() }
        let port = try closedPort()
        var failure: SystemError?? = .none
        let s = c.connectTCP(to: [SocketAddress(ip: .v4(0x7F00_0001), port: port)]) { _, e in failure = .some(e) }
        XCTAssertNil(failure ?? nil, "never called synchronously")
        XCTAssertTrue(failure == nil)
        XCTAssertTrue(runUntil(c) { failure != nil })
        XCTAssertEqual(failure??.errno, ECONNREFUSED)
        XCTAssertEqual(failure??.message, "Connection refused")
        XCTAssertEqual(s.fd, -1)
        s.close()
        XCTAssertEqual(c.stateCount, 0)
    }

    func testConnectFallsBackToNextAddress() throws {
        let c = try EventCollection()
        defer { c.close() }
        var cfg = AcceptingHandle.Configuration(port: 0)
        cfg.address = IPAddress("127.0.0.1")
        let h = try c.listen(cfg) { _, _ in }
        let bad = SocketAddress(ip: .v4(0x7F00_0001), port: try closedPort())
        let good = SocketAddress(ip: .v4(0x7F00_0001), port: h.localPort)
        var result: SystemError?? = .none
        _ = c.connectTCP(to: [bad, good]) { _, e in result = .some(e) }
        XCTAssertTrue(runUntil(c) { result != nil })
        XCTAssertTrue(result! == nil, "second address connects")
    }

    func testConnectTimeout() throws {
        let c = try EventCollection()
        defer { c.close() }
        // A listener with backlog 0 that never accepts: once its queue is full, further SYNs
        // are dropped and a connect hangs until our connect-timeout.
        let lfd = try Posix.socket(family: AF_INET)
        defer { Posix.close(lfd) }
        try Posix.bind(lfd, to: SocketAddress(ip: .v4(0x7F00_0001), port: 0))
        try Posix.listen(lfd, backlog: 0)
        let addr = Posix.localAddress(lfd)!
        var fillers: [Int32] = []
        defer { fillers.forEach(Posix.close) }
        for _ in 0..<4 {
            let f = try Posix.socket(family: AF_INET)
            _ = try? Posix.connect(f, to: addr)
            fillers.append(f)
        }
        usleep(50_000)
        var failure: SystemError?? = .none
        let t0 = monotonicNanos()
        _ = c.connectTCP(to: [addr], connect: ConnectOptions(timeout: 0.3)) { _, e in failure = .some(e) }
        XCTAssertTrue(runUntil(c) { failure != nil })
        let elapsed = Double(monotonicNanos() - t0) / 1e9
        XCTAssertEqual(failure??.errno, ETIMEDOUT)
        XCTAssertGreaterThan(elapsed, 0.25)
        XCTAssertLessThan(elapsed, 3)
    }

    func testThousandConnectionsLeaveNoDescriptors() throws {
        let before = fdCount()
        do {
            let c = try EventCollection()
            var cfg = AcceptingHandle.Configuration(port: 0)
            cfg.address = IPAddress("127.0.0.1")
            var servers: [AsyncIOState] = []
            let h = try c.listen(cfg) { _, conn in
                if case .state(let s) = conn {
                    servers.append(s)
                    // Each server state holds a closure that captures the state (a cycle that
                    // close must break).
                    try? s.readWithChecking(callback: { st, _, _ in st.close() })
                }
            }
            let addr = SocketAddress(ip: .v4(0x7F00_0001), port: h.localPort)
            for _ in 0..<10 {
                var clients: [AsyncIOState] = []
                var connected = 0
                servers.removeAll()
                for _ in 0..<100 {
                    clients.append(c.connectTCP(to: [addr]) { st, e in
                        XCTAssertNil(e)
                        connected += 1
                        st.userInfo = st   // another cycle, dropped by close
                    })
                }
                XCTAssertTrue(runUntil(c, timeout: 10) { connected == 100 && servers.count == 100 })
                for cl in clients { cl.close() }
                XCTAssertTrue(runUntil(c, timeout: 10) { servers.allSatisfy(\.isClosed) })
            }
            XCTAssertEqual(c.stateCount, 0)
            h.close()
            c.close()
        }
        XCTAssertEqual(fdCount(), before, "every descriptor was released")
    }

    func testEMFILEBackoffDoesNotSpinAndResumes() throws {
        var saved = rlimit()
        getrlimit(RLIMIT_NOFILE_CONST, &saved)
        let c = try EventCollection()
        defer { c.close() }
        var cfg = AcceptingHandle.Configuration(port: 0)
        cfg.address = IPAddress("127.0.0.1")
        var accepted: [AsyncIOState] = []
        var errors: [Int32] = []
        let h = try c.listen(cfg) { _, conn in if case .state(let s) = conn { accepted.append(s) } }
        h.onAcceptError = { _, e in errors.append(e.errno) }
        let addr = SocketAddress(ip: .v4(0x7F00_0001), port: h.localPort)
        // Room for 20 more descriptors: 15 clients, then only 5 accepts succeed.
        var lim = saved
        lim.rlim_cur = rlim_t(fdCount() + 20)
        XCTAssertEqual(setrlimit(RLIMIT_NOFILE_CONST, &lim), 0)
        var clients: [Int32] = []
        defer {
            clients.forEach(Posix.close)
            var s = saved
            setrlimit(RLIMIT_NOFILE_CONST, &s)
        }
        for _ in 0..<15 {
            let fd = try Posix.socket(family: AF_INET)
            _ = try Posix.connect(fd, to: addr)
            clients.append(fd)
        }
        XCTAssertTrue(runUntil(c, timeout: 5) { h.backoffCount > 0 })
        XCTAssertTrue(errors.contains(EMFILE))
        let stuck = accepted.count
        XCTAssertLessThan(stuck, 15)
        // While descriptors are exhausted the loop must sleep, not spin.
        let d0 = c.dispatchCount
        let t0 = monotonicNanos()
        while monotonicNanos() - t0 < 500_000_000 {
            c.wait(timeoutSeconds: 1)
            c.dispatch()
        }
        XCTAssertLessThan(c.dispatchCount - d0, 40, "dispatches in 0.5 s while backed off")
        // Free descriptors (close what was accepted, and give the limit back): accepting
        // resumes on the back-off timer and drains the queue.
        for s in accepted { s.close() }
        var restore = saved
        setrlimit(RLIMIT_NOFILE_CONST, &restore)
        XCTAssertTrue(runUntil(c, timeout: 5) { accepted.count == 15 }, "accepted \(accepted.count)")
        h.close()
    }
}

/// RLIMIT_NOFILE as Glibc imports it (an enum value on some glibc versions).
let RLIMIT_NOFILE_CONST = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
