import Foundation
import XCTest

/// The executable as a user meets it: the REPL on a pipe, `-e`, script arguments, exit statuses,
/// start-up errors. Each test runs the real `commlisp` binary.
final class CommandLineTests: XCTestCase {
    func run(_ args: [String], stdin: String = "") -> (out: String, err: String, status: Int32) {
        let p = Process()
        p.executableURL = GoldenTests.commlisp
        p.arguments = args
        let inPipe = Pipe(), outPipe = Pipe(), errPipe = Pipe()
        p.standardInput = inPipe
        p.standardOutput = outPipe
        p.standardError = errPipe
        p.currentDirectoryURL = GoldenTests.repoRoot
        do { try p.run() } catch { XCTFail("cannot run commlisp: \(error)"); return ("", "", -1) }
        inPipe.fileHandleForWriting.write(stdin.data(using: .utf8)!)
        try? inPipe.fileHandleForWriting.close()
        let out = outPipe.fileHandleForReading.readDataToEndOfFile()
        let err = errPipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self), p.terminationStatus)
    }

    func testPipedREPLPrintsValues() {
        let r = run([], stdin: "(+ 1 2)\n")
        XCTAssertEqual(r.out, "3\n")
        XCTAssertEqual(r.status, 0)
    }

    func testREPLPrintsEveryValueAndSurvivesErrors() {
        let r = run([], stdin: "(values 1 2)\n(car 5)\n(defun f (x) (* x 2))\n(f 21)\n(quit :status 7)\n(print :never)\n")
        XCTAssertEqual(r.out, "1\n2\nF\n42\n")
        XCTAssertTrue(r.err.contains("TYPE-ERROR"), r.err)
        XCTAssertEqual(r.status, 7)
    }

    func testREPLSurvivesReaderErrorsAndDeepRecursion() {
        let r = run([], stdin: "(defun down (n) (1+ (down n)))\n(down 0)\n)\n(+ 40 2)\n")
        XCTAssertTrue(r.out.hasSuffix("42\n"), r.out)
        XCTAssertTrue(r.err.contains("STORAGE-CONDITION"), r.err)
    }

    func testEvalOption() {
        let r = run(["-e", "(format t \"~a~%\" (* 6 7))"])
        XCTAssertEqual(r.out, "42\nNIL\n")
        XCTAssertEqual(run(["-e", "(error \"boom\")"]).status, 1)
    }

    func testScriptArgumentsAndStatus() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("commlisp-cli-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = dir.appendingPathComponent("args.lisp")
        try "#!/usr/bin/env commlisp\n(format t \"~s~%\" (cdr sys:*line-arguments-list*))\n(quit :status (length sys:*line-arguments-list*))\n"
            .write(to: script, atomically: true, encoding: .utf8)
        let r = run([script.path, "a", "b c"])
        XCTAssertEqual(r.out, "(\"\(script.path)\" \"a\" \"b c\")\n")
        XCTAssertEqual(r.status, 4)
    }

    func testUncaughtErrorInScriptExitsWithBacktrace() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("commlisp-cli2-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = dir.appendingPathComponent("bad.lisp")
        try "(defun inner (x) (car x))\n(defun outer () (inner 5))\n(outer)\n".write(to: script, atomically: true, encoding: .utf8)
        let r = run([script.path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.err.contains("The value 5 is not of type LIST"), r.err)
        XCTAssertTrue(r.err.contains("INNER") && r.err.contains("OUTER"), "backtrace names the functions: \(r.err)")
    }

    func testMalformedScriptReportsPosition() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("commlisp-cli3-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = dir.appendingPathComponent("malformed.lisp")
        try "(print 1)\n(print (a . b c))\n".write(to: script, atomically: true, encoding: .utf8)
        let r = run([script.path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.err.contains("malformed.lisp:2:"), "file:line in the message: \(r.err)")
    }

    func testUnknownOption() {
        let r = run(["--bogus"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.err.contains("unknown option"))
    }
}
