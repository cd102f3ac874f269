import Foundation
import XCTest

/// Runs `commlisp` on an example (or the REPL) as a child process, learns the port it listens on
/// from its first output line ("... listening on port N"), and runs clients nobody here wrote
/// (Python's socket module, curl, nc) against it.
final class ServerProcess: @unchecked Sendable {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static var commlisp: String {
        if let p = ProcessInfo.processInfo.environment["COMMLISP_BIN"] { return p }
        var dir = Bundle(for: ServerProcess.self).bundleURL.deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent("commlisp")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate.path }
            dir = dir.deletingLastPathComponent()
        }
        return repoRoot.appendingPathComponent(".build/debug/commlisp").path
    }

    let process = Process()
    let stdinPipe = Pipe()
    let stdoutPipe = Pipe()
    let stderrPipe = Pipe()
    private var outText = ""
    private var errText = ""
    private let lock = NSLock()
    private(set) var port = 0

    /// `launcher`: e.g. ["prlimit", "--nofile=32:32", "--"] to run under a limit.
    init(arguments: [String], launcher: [String] = []) throws {
        if launcher.isEmpty {
            process.executableURL = URL(fileURLWithPath: Self.commlisp)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = launcher + [Self.commlisp] + arguments
        }
        process.currentDirectoryURL = Self.repoRoot
        process.standardInput = stdinPipe
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        stdoutPipe.fileHandleForReading.readabilityHandler = { [weak self] h in
            let d = h.availableData
            guard let self, !d.isEmpty else { return }
            self.lock.lock(); self.outText += String(decoding: d, as: UTF8.self); self.lock.unlock()
        }
        stderrPipe.fileHandleForReading.readabilityHandler = { [weak self] h in
            let d = h.availableData
            guard let self, !d.isEmpty else { return }
            self.lock.lock(); self.errText += String(decoding: d, as: UTF8.self); self.lock.unlock()
        }
        try process.run()
    }

    static func example(_ name: String, launcher: [String] = []) throws -> ServerProcess {
        let s = try ServerProcess(arguments: ["lisp/examples/\(name)", "0"], launcher: launcher)
        try s.waitForPort()
        return s
    }

    var stdout: String { lock.lock(); defer { lock.unlock() }; return outText }
    var stderr: String { lock.lock(); defer { lock.unlock() }; return errText }

    /// Waits (at most `timeout` s) for "listening on port N" in the output.
    func waitForPort(timeout: TimeInterval = 20) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let text = stdout
            if let r = text.range(of: "on port ") {
                let digits = text[r.upperBound...].prefix { $0.isNumber }
                if let p = Int(digits), p > 0 { port = p; return }
            }
            if !process.isRunning { break }
            usleep(20_000)
        }
        throw NSError(domain: "ServerProcess", code: 1,
                      userInfo: [NSLocalizedDescriptionKey: "no port announced; stdout: \(stdout) stderr: \(stderr)"])
    }

    func send(_ text: String) {
        stdinPipe.fileHandleForWriting.write(text.data(using: .utf8)!)
    }

    var isRunning: Bool { process.isRunning }

    /// Number of open descriptors of the server process.
    var openFDCount: Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(process.processIdentifier)/fd").count) ?? -1
    }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        stdoutPipe.fileHandleForReading.readabilityHandler = nil
        stderrPipe.fileHandleForReading.readabilityHandler = nil
    }

    /// Runs a command with a timeout; returns (status, stdout, stderr).
    @discardableResult
    static func run(_ argv: [String], input: String? = nil, timeout: TimeInterval = 60) -> (Int32, String, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = argv
        let out = Pipe(), err = Pipe(), inp = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = inp
        do { try p.run() } catch { return (-1, "", "cannot run \(argv): \(error)") }
        if let input { inp.fileHandleForWriting.write(input.data(using: .utf8)!) }
        try? inp.fileHandleForWriting.close()
        final class Box: @unchecked Sendable { var data = Data() }
        let ob = Box(), eb = Box()
        let g = DispatchGroup()
        g.enter(); DispatchQueue.global().async { ob.data = out.fileHandleForReading.readDataToEndOfFile(); g.leave() }
        g.enter(); DispatchQueue.global().async { eb.data = err.fileHandleForReading.readDataToEndOfFile(); g.leave() }
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(5_000) }
        if p.isRunning { p.terminate() }
        p.waitUntilExit()
        g.wait()
        return (p.terminationStatus, String(decoding: ob.data, as: UTF8.self), String(decoding: eb.data, as: UTF8.self))
    }

    /// `python3 -c SCRIPT PORT`: the script reads the port from sys.argv[1].
    @discardableResult
    static func python(_ script: String, port: Int, timeout: TimeInterval = 60) -> (Int32, String, String) {
        run(["python3", "-c", script, String(port)], timeout: timeout)
    }

    static func have(_ tool: String) -> Bool {
        run(["sh", "-c", "command -v \(tool)"]).0 == 0
    }
}
