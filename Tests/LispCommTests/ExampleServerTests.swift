import Foundation
import XCTest

/// The examples, run as real processes and hit with clients nobody here wrote.
final class ExampleServerTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(ServerProcess.have("python3"), "python3 is needed for the clients")
    }

    func testEchoServerWithPythonClients() throws {
        let s = try ServerProcess.example("echo-server.lisp")
        defer { s.stop() }
        let (status, out, err) = ServerProcess.python("""
            import socket, sys
            port = int(sys.argv[1])
            conns = [socket.create_connection(('127.0.0.1', port), timeout=10) for _ in range(5)]
            for round in range(20):
                for i, c in enumerate(conns):
                    msg = (b'%d-%d:' % (i, round)) * (1 + round * 50)
                    c.sendall(msg)
                    got = b''
                    while len(got) < len(msg):
                        chunk = c.recv(65536)
                        assert chunk, 'eof'
                        got += chunk
                    assert got == msg, (got[:40], msg[:40])
            big = bytes(range(256)) * 4096          # 1 MiB in one go
            conns[0].sendall(big)
            got = b''
            while len(got) < len(big):
                got += conns[0].recv(1 << 20)
            assert got == big
            for c in conns: c.close()
            print('ok')
            """, port: s.port)
        XCTAssertEqual(status, 0, err)
        XCTAssertEqual(out, "ok\n")
        XCTAssertTrue(s.isRunning)
    }

    func testLineEchoServerWithPythonAndNc() throws {
        let s = try ServerProcess.example("line-echo-server.lisp")
        defer { s.stop() }
        let (status, out, err) = ServerProcess.python("""
            import socket, sys, time
            c = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=10)
            c.sendall(b'alpha\\nbe')
            time.sleep(0.1)
            c.sendall(b'ta\\ngamma\\n')
            got = b''
            while got.count(b'\\n') < 3:
                got += c.recv(100)
            print(got.decode(), end='')
            """, port: s.port)
        XCTAssertEqual(status, 0, err)
        XCTAssertEqual(out, "alpha\nbeta\ngamma\n")
        if ServerProcess.have("nc") {
            let (st2, out2, _) = ServerProcess.run(["sh", "-c", "printf 'via nc\\n' | timeout 5 nc -q 1 127.0.0.1 \(s.port) || printf 'via nc\\n' | timeout 5 nc -N 127.0.0.1 \(s.port)"])
            XCTAssertEqual(st2, 0)
            XCTAssertEqual(out2, "via nc\n")
        }
    }

    func testHTTPServerWithCurl() throws {
        guard ServerProcess.have("curl") else { throw XCTSkip("curl not installed") }
        let s = try ServerProcess.example("http-server.lisp")
        defer { s.stop() }
        for i in 1...3 {
            let (status, out, err) = ServerProcess.run(["curl", "-s", "--max-time", "10", "http://127.0.0.1:\(s.port)/page\(i)"])
            XCTAssertEqual(status, 0, err)
            XCTAssertTrue(out.contains("Hello from CommLisp"), out)
            XCTAssertTrue(out.contains("GET /page\(i) HTTP/1.1"), out)
            XCTAssertTrue(out.contains("Request number \(i)"), out)
        }
    }

    /// The REPL stays live while a server runs: callbacks run while it waits for input.
    func testREPLServesWhileWaitingForInput() throws {
        let s = try ServerProcess(arguments: [])
        defer { s.stop() }
        s.send("""
            (defvar *c* (comm:create-and-run-wait-state-collection "repl"))
            (defvar *a* (comm:accept-tcp-connections-creating-async-io-states *c* 0
              (lambda (h st) (declare (ignore h))
                (comm:async-io-state-read-buffer st (make-string 4)
                  (lambda (s b n) (comm:async-io-state-write-buffer s b (lambda (s2 b2 n2) (declare (ignore b2 n2)) (comm:close-async-io-state s2))))))))
            (format t "listening on port ~d~%" (comm:accepting-handle-local-port *a*))

            """)
        try s.waitForPort()
        let (status, out, err) = ServerProcess.python("""
            import socket, sys
            c = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=10)
            c.sendall(b'ping')
            print(c.recv(4).decode())
            """, port: s.port)
        XCTAssertEqual(status, 0, err)
        XCTAssertEqual(out, "ping\n")
        s.send("(quit)\n")
        s.process.waitUntilExit()
        XCTAssertEqual(s.process.terminationStatus, 0)
    }
}
