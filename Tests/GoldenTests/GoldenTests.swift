import Foundation
import XCTest

/// Runs every `lisp/tests/<dir>/*.lisp` with the `commlisp` executable and compares standard
/// output with `NAME.out` (and standard error / exit status with `NAME.err` / `NAME.exit` when
/// present; otherwise the exit status must be 0). `UPDATE_GOLDEN=1` rewrites the `.out` files.
final class GoldenTests: XCTestCase {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The commlisp binary built next to this test bundle.
    static var commlisp: URL {
        if let p = ProcessInfo.processInfo.environment["COMMLISP_BIN"] { return URL(fileURLWithPath: p) }
        var dir = Bundle(for: GoldenTests.self).bundleURL.deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent("commlisp")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return repoRoot.appendingPathComponent(".build/debug/commlisp")
    }

    struct Result {
        let stdout: String
        let stderr: String
        let status: Int32
        let timedOut: Bool
    }

    static func run(_ file: URL, timeout: TimeInterval = 120) -> Result {
        let p = Process()
        p.executableURL = commlisp
        p.arguments = [file.lastPathComponent]
        p.currentDirectoryURL = file.deletingLastPathComponent()
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        do { try p.run() } catch { return Result(stdout: "", stderr: "cannot run \(commlisp.path): \(error)", status: -1, timedOut: false) }
        // Each pipe is drained on its own queue (a full pipe would block the child); the
        // results come back in boxes, read only after group.wait().
        let outData = DataBox(), errData = DataBox()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { outData.data = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter()
        DispatchQueue.global().async { errData.data = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(2000) }
        var timedOut = false
        if p.isRunning { p.terminate(); timedOut = true }
        p.waitUntilExit()
        group.wait()
        return Result(stdout: String(decoding: outData.data, as: UTF8.self), stderr: String(decoding: errData.data, as: UTF8.self),
                      status: p.terminationStatus, timedOut: timedOut)
    }

    /// Run every test in `lisp/tests/<dir>`; returns the failures with a short diff each.
    func runDirectory(_ dir: String) {
        let base = Self.repoRoot.appendingPathComponent("lisp/tests/\(dir)")
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: base.path) else {
            XCTFail("no directory \(base.path)")
            return
        }
        let files = names.filter { $0.hasSuffix(".lisp") }.sorted().map { base.appendingPathComponent($0) }
        XCTAssertFalse(files.isEmpty, "no golden tests in \(dir)")
        var failures = [String?](repeating: nil, count: files.count)
        let update = ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1"
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: files.count) { i in
            let f = files[i]
            let stem = f.deletingPathExtension()
            let r = Self.run(f)
            var problems: [String] = []
            if r.timedOut { problems.append("timed out") }
            let outFile = stem.appendingPathExtension("out")
            if update && !r.timedOut { try? r.stdout.write(to: outFile, atomically: true, encoding: .utf8) }
            let want = (try? String(contentsOf: outFile, encoding: .utf8)) ?? ""
            if r.stdout != want { problems.append("stdout differs:\n" + Self.diff(want, r.stdout)) }
            let errFile = stem.appendingPathExtension("err")
            if let wantErr = try? String(contentsOf: errFile, encoding: .utf8), !Self.stderrMatches(wantErr, r.stderr) {
                problems.append("stderr differs: expected lines\n\(wantErr)got\n\(r.stderr)")
            }
            let exitFile = stem.appendingPathExtension("exit")
            let wantStatus = (try? String(contentsOf: exitFile, encoding: .utf8)).flatMap {
                Int32($0.trimmingCharacters(in: .whitespacesAndNewlines))
            } ?? 0
            if r.status != wantStatus {
                problems.append("exit status \(r.status), expected \(wantStatus); stderr:\n\(r.stderr.prefix(2000))")
            }
            if !problems.isEmpty {
                lock.lock()
                failures[i] = "\(dir)/\(f.lastPathComponent): " + problems.joined(separator: "\n")
                lock.unlock()
            }
        }
        let failed = failures.compactMap { $0 }
        for f in failed { XCTFail(f) }
        print("golden \(dir): \(files.count - failed.count) passed, \(failed.count) failed")
    }

    /// Every line of the `.err` file must appear, in order, in stderr (backtraces vary).
    static func stderrMatches(_ want: String, _ got: String) -> Bool {
        var rest = Substring(got)
        for line in want.split(separator: "\n") where !line.isEmpty {
            guard let r = rest.range(of: line) else { return false }
            rest = rest[r.upperBound...]
        }
        return true
    }

    static func diff(_ want: String, _ got: String) -> String {
        let w = want.components(separatedBy: "\n"), g = got.components(separatedBy: "\n")
        var out: [String] = []
        for i in 0..<max(w.count, g.count) {
            let a = i < w.count ? w[i] : "<none>", b = i < g.count ? g[i] : "<none>"
            if a != b {
                out.append("  line \(i + 1): expected \(a.debugDescription)\n           got      \(b.debugDescription)")
                if out.count >= 5 { break }
            }
        }
        return out.joined(separator: "\n")
    }

    func testCommonLisp() { runDirectory("cl") }
    func testCore() { runDirectory("core") }
    func testComm() { runDirectory("comm") }
}

/// A pipe's contents, filled by the queue that drains it and read after the group is waited on.
final class DataBox: @unchecked Sendable {
    var data = Data()
}
