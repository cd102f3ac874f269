import Foundation
import Glibc
import XCTest

/// The REPL on a terminal, as a user types at it: the interactive mode (Ctrl-C handling) is on
/// only when standard input is a tty, so these tests drive `commlisp` through a pseudo-terminal.
final class InteractiveREPLTests: XCTestCase {
    /// A `commlisp` REPL whose standard input and output are the slave side of a pty.
    final class Terminal {
        let process = Process()
        let master: Int32
        private var transcript = ""

        /// grantpt, unlockpt and ptsname are not in Swift's Glibc module; they are looked up in libc.
        private static func libc<T>(_ name: String, as type: T.Type) -> T {
            guard let p = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { fatalError("no \(name) in libc") }
            return unsafeBitCast(p, to: type)
        }

        init() throws {
            typealias IntOfFD = @convention(c) (Int32) -> Int32
            let grantpt = Terminal.libc("grantpt", as: IntOfFD.self), unlockpt = Terminal.libc("unlockpt", as: IntOfFD.self)
            let ptsname = Terminal.libc("ptsname", as: (@convention(c) (Int32) -> UnsafeMutablePointer<CChar>?).self)
            master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
            guard master >= 0, grantpt(master) == 0, unlockpt(master) == 0, let name = ptsname(master) else {
                throw NSError(domain: "pty", code: Int(errno))
            }
            let slave = open(String(cString: name), O_RDWR | O_NOCTTY)
            guard slave >= 0 else { throw NSError(domain: "pty", code: Int(errno)) }
            let handle = FileHandle(fileDescriptor: slave, closeOnDealloc: true)
            process.executableURL = GoldenTests.commlisp
            process.standardInput = handle
            process.standardOutput = handle
            process.standardError = handle
            process.currentDirectoryURL = GoldenTests.repoRoot
            try process.run()
        }

        deinit {
            if process.isRunning { process.terminate() }
            close(master)
        }

        func type(_ line: String) {
            let bytes = Array((line + "\n").utf8)
            _ = bytes.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
        }

        /// Reads the terminal until `text` has appeared after what earlier waits consumed, or
        /// `timeout` seconds passed. Returns whether it appeared.
        func waitFor(_ text: String, timeout: Double = 10) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if let r = transcript.range(of: text) {
                    transcript = String(transcript[r.upperBound...])
                    return true
                }
                var p = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
                if poll(&p, 1, 100) > 0 {
                    var buf = [UInt8](repeating: 0, count: 4096)
                    let n = read(master, &buf, buf.count)
                    if n <= 0 { return false }
                    transcript += String(decoding: buf[0..<n], as: UTF8.self)
                }
            }
            return false
        }

        var rest: String { transcript }
    }

    /// Ctrl-C ends whatever the REPL is waiting in (a busy loop, sleep with and without a running
    /// collection, process-wait) with an INTERACTIVE-INTERRUPT, and the REPL prompts again.
    func testCtrlCInterruptsWaitsAndTheREPLGoesOn() throws {
        let t: Terminal
        do { t = try Terminal() } catch { throw XCTSkip("no pseudo-terminal on this machine: \(error)") }
        XCTAssertTrue(t.waitFor("* "), "prompt: \(t.rest)")
        let cases = ["(loop)", "(sleep 60)", "(progn (comm:create-and-run-wait-state-collection \"c\") (sleep 60))",
                     "(mp:process-wait \"never\" (lambda () nil))"]
        for (i, form) in cases.enumerated() where t.process.isRunning {
            t.type(form)
            XCTAssertTrue(t.waitFor(form), "echo of \(form): \(t.rest)")
            usleep(300_000)  // it is now waiting
            t.process.interrupt()
            guard t.waitFor("INTERACTIVE-INTERRUPT", timeout: 5) else {
                XCTFail("\(form) not interrupted: \(t.rest)")
                return  // (deinit ends the stuck REPL)
            }
            let probe = "(+ \(i) 1000)"
            t.type(probe)
            XCTAssertTrue(t.waitFor(probe), "echo of \(probe): \(t.rest)")
            XCTAssertTrue(t.waitFor("\(i + 1000)"), "REPL alive after interrupting \(form): \(t.rest)")
        }
        t.type("(quit :status 3)")
        let deadline = Date().addingTimeInterval(10)
        while t.process.isRunning && Date() < deadline { usleep(20_000) }
        XCTAssertFalse(t.process.isRunning, "REPL still running after (quit)")
        if !t.process.isRunning { XCTAssertEqual(t.process.terminationStatus, 3) }
    }
}
