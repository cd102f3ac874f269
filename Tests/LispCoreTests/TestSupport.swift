import XCTest
@testable import LispCore

/// One interpreter shared by the unit tests (the Lisp world is process-wide anyway), with a
/// silent debugger so expected errors do not spam the log.
enum TestLisp {
    static let rt: Runtime = {
        let r = Runtime()
        r.debuggerHook = { _, _ throws(Unwind) in throw .abortToToplevel }
        return r
    }()

    /// Evaluate all forms of `source`; the printed (prin1) primary value of the last, or "ERROR".
    static func eval(_ source: String) -> String {
        var result = "ERROR"
        runOnLispThread {
            let r = rt
            let outcome = r.runTopLevel { () throws(Unwind) in
                let reader = Reader(rt: r, source: StringSource(source))
                let eof = Value.symbol(Symbol(name: "EOF"))
                var last: Value = .null
                while true {
                    let f = try reader.read(eofError: false, eofValue: eof)
                    if eq(f, eof) { break }
                    last = try r.evalTopLevel(f)
                }
                result = r.printString(last)
            }
            if outcome != .finished { result = "ERROR" }
        }
        return result
    }
}
