import Foundation
import XCTest

/// Faults from the issue, against the example servers running as processes.
final class FaultTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(ServerProcess.have("python3"), "python3 is needed for the clients")
    }

    /// A second, well-behaved client must still be served.
    func assertEchoes(_ s: ServerProcess, file: StaticString = #filePath, line: UInt = #line) {
        let (status, out, err) = ServerProcess.python("""
            import socket, sys
            c = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=10)
            c.sendall(b'still alive\\n')
            got = b''
            while not got.endswith(b'\\n'):
                chunk = c.recv(100)
                if not chunk: break
                got += chunk
            print(got.decode(), end='')
            """, port: s.port)
        XCTAssertEqual(status, 0, err, file: file, line: line)
        XCTAssertEqual(out, "still alive\n", "stderr of server: \(s.stderr)", file: file, line: line)
        XCTAssertTrue(s.isRunning, file: file, line: line)
    }

    func testPeerResetMidReadAndMidWrite() throws {
        for example in ["line-echo-server.lisp", "echo-server.lisp"] {
            let s = try ServerProcess.example(example)
            defer { s.stop() }
            let (status, _, err) = ServerProcess.python("""
                import socket, struct, sys, time
                port = int(sys.argv[1])
                def reset(c):
                    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
                    c.close()
                # mid-read: half a line, then RST
                c = socket.create_connection(('127.0.0.1', port)); c.sendall(b'no newline yet'); time.sleep(0.1); reset(c)
                # mid-write: lots of data never read back, then RST while the server writes
                c = socket.create_connection(('127.0.0.1', port))
                c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                c.settimeout(2)
                try:
                    for _ in range(200): c.sendall(b'x' * 65535 + b'\\n')
                except Exception: pass
                reset(c)
                # half-close: send, shut down our side, read the echo to EOF
                c = socket.create_connection(('127.0.0.1', port), timeout=10)
                c.sendall(b'half\\n'); c.shutdown(socket.SHUT_WR)
                got = b''
                while True:
                    chunk = c.recv(100)
                    if not chunk: break
                    got += chunk
                assert got == b'half\\n', got
                # a client that connects and never sends
                idle = socket.create_connection(('127.0.0.1', port))
                time.sleep(0.2)
                """, port: s.port)
            XCTAssertEqual(status, 0, err)
            assertEchoes(s)
        }
    }

    func testLowFileDescriptorLimit() throws {
        guard ServerProcess.have("prlimit") else { throw XCTSkip("prlimit not installed") }
        let s = try ServerProcess.example("echo-server.lisp", launcher: ["prlimit", "--nofile=32:32", "--"])
        defer { s.stop() }
        let (status, out, err) = ServerProcess.python("""
            import socket, sys, time
            port = int(sys.argv[1])
            conns = []
            for i in range(80):
                conns.append(socket.create_connection(('127.0.0.1', port), timeout=10))
            time.sleep(0.5)
            for c in conns: c.close()
            time.sleep(0.5)
            print('opened', len(conns))
            """, port: s.port)
        XCTAssertEqual(status, 0, err)
        XCTAssertEqual(out, "opened 80\n")
        // Once the descriptors are back, the server accepts and echoes again.
        var ok = false
        for _ in 0..<20 where !ok {
            let (st, o, _) = ServerProcess.python("""
                import socket, sys
                c = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=3)
                c.sendall(b'after\\n')
                print(c.recv(100).decode(), end='')
                """, port: s.port)
            ok = st == 0 && o == "after\n"
            if !ok { usleep(200_000) }
        }
        XCTAssertTrue(ok, "server did not recover; stderr: \(s.stderr)")
        XCTAssertTrue(s.isRunning)
    }

    func testThousandConnectionsLeaveNoDescriptors() throws {
        let s = try ServerProcess.example("echo-server.lisp")
        defer { s.stop() }
        assertEchoesBytes(s)
        usleep(200_000)
        let before = s.openFDCount
        let (status, _, err) = ServerProcess.python("""
            import socket, sys
            port = int(sys.argv[1])
            for i in range(1000):
                c = socket.create_connection(('127.0.0.1', port), timeout=10)
                if i % 10 == 0:
                    c.sendall(b'abc'); assert c.recv(3) == b'abc'
                c.close()
            """, port: s.port, timeout: 120)
        XCTAssertEqual(status, 0, err)
        var after = s.openFDCount
        for _ in 0..<50 where after != before { usleep(100_000); after = s.openFDCount }
        XCTAssertEqual(after, before, "open descriptors before \(before), after \(after)")
    }

    func assertEchoesBytes(_ s: ServerProcess) {
        let (status, _, err) = ServerProcess.python("""
            import socket, sys
            c = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=10)
            c.sendall(b'warm'); assert c.recv(4) == b'warm'; c.close()
            """, port: s.port)
        XCTAssertEqual(status, 0, err)
    }
}
