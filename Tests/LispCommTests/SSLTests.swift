import Foundation
import XCTest

/// SSL from Lisp, end to end: the TLS echo server example against `openssl s_client` and
/// Python's ssl module, handshake faults, the Lisp TLS client against `openssl s_server`, and
/// wrong key passwords. Certificates are made at test time with the openssl CLI (a CA, a server
/// certificate for localhost/127.0.0.1 signed by it, an unrelated CA, an encrypted key copy).
final class SSLTests: XCTestCase {
    static let certDir: URL = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("commlisp-ssl-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let script = """
            set -e
            cd '\(dir.path)'
            openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj '/CN=CommLisp Test CA'
            openssl req -newkey rsa:2048 -nodes -keyout key.pem -out server.csr -subj '/O=CommLisp Test/CN=localhost'
            printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > ext.cnf
            openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out cert.pem -days 2 -extfile ext.cnf
            openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other-ca.pem -days 2 -subj '/CN=Other CA'
            openssl rsa -in key.pem -aes256 -passout pass:secret -out enc-key.pem
            """
        let (st, _, err) = ServerProcess.run(["sh", "-c", script])
        if st != 0 { print("certificate generation failed: \(err)") }
        return dir
    }()

    override class func tearDown() {
        try? FileManager.default.removeItem(at: certDir)   // no key outlives the run
        super.tearDown()
    }

    func path(_ name: String) -> String { Self.certDir.appendingPathComponent(name).path }

    override func setUpWithError() throws {
        try XCTSkipUnless(ServerProcess.have("openssl") && ServerProcess.have("python3"), "needs openssl and python3")
        XCTAssertTrue(FileManager.default.fileExists(atPath: path("enc-key.pem")), "certificates not generated")
    }

    func startServer(timeout: String = "10", key: String = "key.pem", password: String? = nil) throws -> ServerProcess {
        var args = ["lisp/examples/tls-echo-server.lisp", "0", path("cert.pem"), path(key), timeout]
        if let p = password { args.append(p) }
        let s = try ServerProcess(arguments: args)
        try s.waitForPort()
        return s
    }

    /// The HTTP example over TLS, fetched by curl verifying the chain and the host name.
    func testHTTPSServerWithCurl() throws {
        try XCTSkipUnless(ServerProcess.have("curl"), "needs curl")
        let s = try ServerProcess(arguments: ["lisp/examples/http-server.lisp", "0", path("cert.pem"), path("key.pem")])
        defer { s.stop() }
        try s.waitForPort()
        for i in 1...2 {
            let (st, out, err) = ServerProcess.run(["curl", "-s", "--max-time", "10", "--cacert", path("ca.pem"),
                                                    "--resolve", "localhost:\(s.port):127.0.0.1",
                                                    "https://localhost:\(s.port)/secure\(i)"])
            XCTAssertEqual(st, 0, err)
            XCTAssertTrue(out.contains("Hello from CommLisp"), out)
            XCTAssertTrue(out.contains("GET /secure\(i) HTTP/1.1"), out)
        }
        // A plain HTTP request to the TLS port fails cleanly and the server keeps serving.
        let (pst, _, _) = ServerProcess.run(["curl", "-s", "--max-time", "5", "http://127.0.0.1:\(s.port)/plain"])
        XCTAssertNotEqual(pst, 0)
        let (st, out, err) = ServerProcess.run(["curl", "-s", "--max-time", "10", "--cacert", path("ca.pem"),
                                                "--resolve", "localhost:\(s.port):127.0.0.1", "https://localhost:\(s.port)/again"])
        XCTAssertEqual(st, 0, err)
        XCTAssertTrue(out.contains("GET /again HTTP/1.1"), out)
    }

    func testEchoServerWithSClientAndPythonSSL() throws {
        let s = try startServer()
        defer { s.stop() }
        // openssl s_client, verifying the chain and the host name.
        let (st, out, err) = ServerProcess.run(["sh", "-c",
            "(echo hello-from-s_client; sleep 1) | openssl s_client -connect 127.0.0.1:\(s.port) -servername localhost " +
            "-verify_return_error -verify_hostname localhost -CAfile '\(path("ca.pem"))' -quiet -no_ign_eof"], timeout: 20)
        XCTAssertEqual(st, 0, err)
        XCTAssertTrue(out.contains("hello-from-s_client"), "s_client got: \(out) \(err)")
        // Python: verified connections, interleaved, up to 1 MiB, TLS 1.2 and 1.3.
        let (pst, pout, perr) = ServerProcess.python("""
            import socket, ssl, sys
            port = int(sys.argv[1])
            def ctx(version=None):
                c = ssl.create_default_context(cafile='\(path("ca.pem"))')
                if version: c.minimum_version = c.maximum_version = version
                return c
            conns = [ctx(v).wrap_socket(socket.create_connection(('127.0.0.1', port), timeout=10), server_hostname='localhost')
                     for v in (None, ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3, None)]
            print(sorted(set(c.version() for c in conns)))
            for rnd in range(10):
                for i, c in enumerate(conns):
                    msg = (b'%d-%d;' % (i, rnd)) * (1 + rnd * 300)
                    c.sendall(msg)
                    got = b''
                    while len(got) < len(msg):
                        chunk = c.recv(65536)
                        assert chunk, 'eof'
                        got += chunk
                    assert got == msg
            big = bytes(range(256)) * 4096
            conns[0].sendall(big)
            got = b''
            while len(got) < len(big):
                got += conns[0].recv(1 << 20)
            assert got == big
            for c in conns: c.close()
            print('ok')
            """, port: s.port)
        XCTAssertEqual(pst, 0, perr)
        XCTAssertEqual(pout, "['TLSv1.2', 'TLSv1.3']\nok\n")
        XCTAssertTrue(s.isRunning)
        XCTAssertFalse(s.stdout.contains("handshake failed"), s.stdout)
    }

    func testHandshakeFaultsKeepTheServerServingWithoutLeaks() throws {
        let s = try startServer(timeout: "1")
        defer { s.stop() }
        usleep(200_000)
        let baseline = s.openFDCount
        let (st, out, err) = ServerProcess.python("""
            import os, socket, ssl, struct, sys, time
            port = int(sys.argv[1])
            def good():
                c = ssl.create_default_context(cafile='\(path("ca.pem"))')
                t = c.wrap_socket(socket.create_connection(('127.0.0.1', port), timeout=10), server_hostname='localhost')
                t.sendall(b'still serving')
                assert t.recv(100) == b'still serving'
                return t
            def drained(sock):
                sock.settimeout(10)
                try:
                    while sock.recv(4096): pass
                except (ConnectionResetError, ssl.SSLError): pass
                return True
            keep = good()                                    # a client that stays during all faults
            p = socket.create_connection(('127.0.0.1', port)); p.sendall(b'GET / HTTP/1.0\\r\\n\\r\\n')
            print('plain tcp closed', drained(p))
            r = socket.create_connection(('127.0.0.1', port)); r.sendall(os.urandom(4000))
            print('random bytes closed', drained(r))
            t0 = time.time()
            m = socket.create_connection(('127.0.0.1', port)); m.sendall(bytes([22, 3, 1, 2, 0, 1, 0]))  # half a ClientHello
            print('stalled client closed', drained(m), 0.5 < time.time() - t0 < 5)
            bad = ssl.create_default_context(cafile='\(path("other-ca.pem"))')
            try:
                bad.wrap_socket(socket.create_connection(('127.0.0.1', port), timeout=10), server_hostname='localhost')
                print('verification unexpectedly passed')
            except ssl.SSLCertVerificationError as e:
                print('client rejected certificate', e.verify_code)
            x = good()
            x.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0)); x.close()   # RST after handshake
            keep.sendall(b'still serving'); assert keep.recv(100) == b'still serving'
            keep.close()
            good().close()
            print('ok')
            """, port: s.port)
        XCTAssertEqual(st, 0, err)
        XCTAssertEqual(out, """
            plain tcp closed True
            random bytes closed True
            stalled client closed True True
            client rejected certificate 20
            ok

            """)
        // Give the server a moment to see the last closes, then compare descriptors.
        var fds = s.openFDCount
        for _ in 0..<50 where fds > baseline { usleep(100_000); fds = s.openFDCount }
        XCTAssertEqual(fds, baseline, "descriptor leak")
        let log = s.stdout
        XCTAssertTrue(log.contains("wrong version number [SSL-FAILURE]") || log.contains("[SSL-FAILURE]"), log)
        XCTAssertTrue(log.contains("Handshake timed out [TIMEOUT]"), log)
        XCTAssertTrue(log.contains("unknown ca") || log.contains("alert"), log)   // the client's alert
        XCTAssertTrue(s.isRunning)
    }

    func testLispClientAgainstOpenSSLServer() throws {
        let (_, portText, _) = ServerProcess.run(["python3", "-c",
            "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"])
        let port = portText.trimmingCharacters(in: .whitespacesAndNewlines)
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = ["openssl", "s_server", "-cert", path("cert.pem"), "-key", path("key.pem"), "-accept", port,
                            "-rev", "-naccept", "3", "-quiet"]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        server.standardInput = FileHandle.nullDevice
        try server.run()
        defer { if server.isRunning { server.terminate() }; server.waitUntilExit() }
        usleep(500_000)
        let (st, out, err) = ServerProcess.run([ServerProcess.commlisp,
                                                ServerProcess.repoRoot.appendingPathComponent("lisp/tests/ssl-live/tls-client.lisp").path,
                                                port, path("ca.pem"), path("other-ca.pem")], timeout: 30)
        XCTAssertEqual(st, 0, err)
        XCTAssertEqual(out, """
            verified client: failure NIL side :CLIENT ctx COMM:SSL-CTX-POINTER ssl COMM:SSL-POINTER
            peer subject O="CommLisp Test" CN="localhost" issuer CN="CommLisp Test CA"
            reply "olleh
            " status NIL
            wrong CA: SSL-VERIFICATION-FAILURE code :VERIFICATION verify failed in report T
            plain connect: failure NIL ssl NIL
            attach-ssl: error NIL side :CLIENT
            reply "cba
            " status NIL
            detached: ssl NIL

            """)
    }

    func testKeyPasswords() throws {
        // Right password: serves.
        let s = try startServer(key: "enc-key.pem", password: "secret")
        defer { s.stop() }
        let (st, out, err) = ServerProcess.run(["sh", "-c",
            "(echo pw-ok; sleep 1) | openssl s_client -connect 127.0.0.1:\(s.port) -quiet -no_ign_eof"], timeout: 20)
        XCTAssertEqual(st, 0, err)
        XCTAssertTrue(out.contains("pw-ok"), out)
        // Wrong password: create-ssl-server-context signals SSL-FAILURE naming the cause.
        let (bst, _, berr) = ServerProcess.run([ServerProcess.commlisp, "lisp/examples/tls-echo-server.lisp", "0",
                                                path("cert.pem"), path("enc-key.pem"), "10", "wrong"], timeout: 20)
        XCTAssertNotEqual(bst, 0)
        XCTAssertTrue(berr.contains("SSL-FAILURE") || berr.contains("password"), berr)
        // From Lisp: handler-case sees the condition; the OpenSSL-level call returns 0.
        let script = """
            (handler-case (comm:create-ssl-server-context :cert-file "\(path("cert.pem"))" :key-file "\(path("enc-key.pem"))" :password "wrong")
              (comm:ssl-failure (c) (format t "~s ~s ~s~%" (type-of c) (integerp (comm:ssl-condition-ssl-code c))
                                             (not (null (search "password" (princ-to-string c)))))))
            (let ((ctx (comm:make-ssl-ctx)) (asked nil))
              (comm:set-ssl-ctx-password-callback ctx :callback (lambda (max rw) (declare (ignore rw)) (setf asked (integerp max)) "wrong"))
              (format t "~s ~s~%" (comm:ssl-ctx-use-rsaprivatekey-file ctx "\(path("enc-key.pem"))" comm:ssl_filetype_pem) asked)
              (comm:set-ssl-ctx-password-callback ctx :password "secret")
              (format t "~s ~s~%" (comm:ssl-ctx-use-certificate-chain-file ctx "\(path("cert.pem"))")
                      (comm:ssl-ctx-use-privatekey-file ctx "\(path("enc-key.pem"))" comm:ssl_filetype_pem)))
            (format t "~s~%" (length (comm:read-certificate-key-pairs "\(path("enc-key.pem"))" :pass-phrase "secret")))
            """
        let file = Self.certDir.appendingPathComponent("passwords.lisp")
        try script.write(to: file, atomically: true, encoding: .utf8)
        let (pst, pout, perr) = ServerProcess.run([ServerProcess.commlisp, file.path], timeout: 20)
        XCTAssertEqual(pst, 0, perr)
        XCTAssertEqual(pout, "COMM:SSL-FAILURE T T\n0 T\n1 1\n0\n")
    }
    /// Issue 5 details: attach-ssl feeds bytes already buffered (a ClientHello right behind a
    /// STARTTLS line) to OpenSSL, on async-io-states and socket streams; listen on a TLS stream
    /// means decrypted data (session tickets alone make the socket readable); :create-state nil
    /// with :ssl-ctx is refused.
    func testTLSGaps() throws {
        let (st, out, err) = ServerProcess.run([ServerProcess.commlisp,
                                                ServerProcess.repoRoot.appendingPathComponent("lisp/tests/ssl-live/tls-gaps.lisp").path,
                                                path("cert.pem"), path("key.pem")], timeout: 30)
        XCTAssertEqual(st, 0, err)
        XCTAssertEqual(out, """
            server: "STARTTLS", handshake bytes already buffered: T
            client: attach-ssl -> COMM:SSL-POINTER
            server: attach-ssl -> NIL
            client: listen with only session tickets received: NIL
            client: listen once the reply came: T
            client: reply "OVER TLS", listen after it: NIL
            client: "TWO"
            client: listen with the second line buffered: T
            client: "LINES"
            stream server: "STARTTLS"
            client state: attach-ssl -> NIL
            stream server: attach-ssl -> COMM:SSL-POINTER
            client state: reply "STREAM UPGRADE"
            create-state nil + ssl-ctx: SIMPLE-ERROR: COMM:ACCEPT-TCP-CONNECTIONS-CREATING-ASYNC-IO-STATES: :SSL-CTX needs :CREATE-STATE T (a socket handle cannot carry SSL); with :CREATE-STATE NIL attach SSL yourself, e.g. with ATTACH-SSL on a socket-stream made from the handle

            """)
    }

    /// reset-ssl-abstract-context re-reads the context's files: a running acceptor serves the
    /// renewed certificate to new connections; an older connection keeps working.
    func testResetAbstractContext() throws {
        let fm = FileManager.default
        for (from, to) in [("cert.pem", "live-cert.pem"), ("key.pem", "live-key.pem")] {
            try? fm.removeItem(atPath: path(to))
            try fm.copyItem(atPath: path(from), toPath: path(to))
        }
        let (st, out, err) = ServerProcess.run([ServerProcess.commlisp,
                                                ServerProcess.repoRoot.appendingPathComponent("lisp/tests/ssl-live/tls-reset.lisp").path,
                                                path("live-cert.pem"), path("live-key.pem"), path("ca.pem"), path("ca.key")], timeout: 30)
        XCTAssertEqual(st, 0, err)
        XCTAssertEqual(out, """
            before reset: "localhost" "ONE"
            reset -> #<COMM:SSL-ABSTRACT-CONTEXT server "live">
            after reset: "CommLisp Test CA" "TWO"
            connection made before: "localhost" "THREE"
            bad argument: SIMPLE-TYPE-ERROR

            """)
    }

    func testSocketStreamsWithSSL() throws {
        let (st, out, err) = ServerProcess.run([ServerProcess.commlisp,
                                                ServerProcess.repoRoot.appendingPathComponent("lisp/tests/ssl-live/tls-stream.lisp").path,
                                                path("cert.pem"), path("key.pem"), path("ca.pem")], timeout: 30)
        XCTAssertEqual(st, 0, err)
        XCTAssertEqual(out, """
            open-tcp-stream ssl: COMM:SSL-POINTER
            reply "HELLO OVER TLS"
            plain: ssl NIL
            attach-ssl -> COMM:SSL-POINTER
            reply "LATE UPGRADE"
            untrusted server: COMM:SSL-VERIFICATION-FAILURE code :VERIFICATION
            reply "VERIFIED BY LISP", callback saw ((NIL "localhost") (T "localhost"))
            handshake -> T
            reply "BOTH"
            detached: NIL
            manual server: attach NIL handshake NIL side :BOTH
            reply "BY HAND"
            attach :both -> COMM:SSL-POINTER
            second attach: SIMPLE-ERROR
            silent server: COMM:SSL-HANDSHAKE-TIMEOUT

            """)
    }
}
