import XCTest
@testable import LispCore

/// Feeds random and mutated inputs to the reader and printer: every input must end in a value or
/// a Lisp error (reader-error, end-of-file...), never a crash or a hang. Deterministic seed per run
/// so a failure is reproducible; the seed is printed.
final class ReaderFuzzTests: XCTestCase {
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let alphabet = Array("()()'`,@#\\|\";:.+-/ \n\tabcXYZ0123456789eEdD#x#b#o#r#*#'#(#:#.#+#-#|λé\u{0}".unicodeScalars)
    static let seeds = [
        "(defun f (x) (if (< x 2) x (+ (f (- x 1)) 2)))", "'(a b . c)", "#(1 2 #\\a \"s\\\"t\")",
        "`(a ,b ,@c)", "#x-FF #b101/11 #36rZZ 1.5d-3 -0.0 1e10 123456789012345678901234567890",
        "|Mixed Case| foo::bar :key #:g12 cl:car", "#+(or sbcl commlisp) 1 #-commlisp 2", "#| nested #| c |# |# x",
        "#\\Space #\\Newline #\\λ #\\U+41", "#.(+ 1 2)", "(1 2 . (3 . nil))", "#1=(a . #1#)",
    ]

    func testRandomAndMutatedInputs() {
        let count = 100_000
        var seed = UInt64(UInt32.random(in: 0...UInt32.max))
        if let s = ProcessInfo.processInfo.environment["FUZZ_SEED"], let v = UInt64(s) { seed = v }
        print("reader fuzz seed \(seed)")
        var rng = SplitMix(state: seed)
        var values = 0, errors = 0
        runOnLispThread {
            let rt = TestLisp.rt
            // No #. evaluation while fuzzing: random code must not run.
            let savedEval = Sym.readEval.value
            Sym.readEval.value = .null
            defer { Sym.readEval.value = savedEval }
            for i in 0..<count {
                var input: String
                if i % 2 == 0 {
                    let len = Int.random(in: 0...40, using: &rng)
                    input = String(String.UnicodeScalarView((0..<len).map { _ in Self.alphabet.randomElement(using: &rng)! }))
                } else {
                    var chars = Array(Self.seeds.randomElement(using: &rng)!.unicodeScalars)
                    for _ in 0..<Int.random(in: 1...4, using: &rng) {
                        let pos = chars.isEmpty ? 0 : Int.random(in: 0..<chars.count, using: &rng)
                        switch Int.random(in: 0..<3, using: &rng) {
                        case 0: if !chars.isEmpty { chars.remove(at: pos) }
                        case 1: chars.insert(Self.alphabet.randomElement(using: &rng)!, at: pos)
                        default: if !chars.isEmpty { chars[pos] = Self.alphabet.randomElement(using: &rng)! }
                        }
                    }
                    input = String(String.UnicodeScalarView(chars))
                }
                let outcome = rt.runTopLevel { () throws(Unwind) in
                    let reader = Reader(rt: rt, source: StringSource(input))
                    let eof = Value.symbol(Symbol(name: "EOF"))
                    for _ in 0..<8 {
                        let v = try reader.read(eofError: false, eofValue: eof)
                        if eq(v, eof) { break }
                        // Printing must work for anything the reader produced (circular lists
                        // are printed with a length limit).
                        let p = Printer(rt: rt, escape: true)
                        p.length = 50
                        p.level = 20
                        try p.print(v)
                        _ = rt.princString(v.isList ? .null : v)
                    }
                }
                if outcome == .finished { values += 1 } else { errors += 1 }
            }
        }
        XCTAssertEqual(values + errors, count)
        XCTAssertGreaterThan(values, 1000, "the fuzzer should produce many readable inputs")
        XCTAssertGreaterThan(errors, 1000, "the fuzzer should produce many malformed inputs")
    }

    /// The token fast path's bit table of terminating ASCII characters agrees with `isTerminating`.
    func testTerminatingASCIITable() {
        for v in UInt32(0)..<128 {
            XCTAssertEqual(Reader.isTerminatingASCII(v), Reader.isTerminating(Unicode.Scalar(v)!), "code \(v)")
        }
    }

    /// The token fast path skips the number parser for tokens whose first byte fails
    /// `mayStartNumber`: no such token may be a number in any radix.
    func testMayStartNumberAdmitsEveryNumber() {
        let tails = ["", "0", "1", "9", "/2", "/", ".", ".5", "e5", "d0", "a", "z", "Z", "+", "-", "..", "1/"]
        for base in 2...36 {
            for b in UInt8(0)..<128 where !Reader.mayStartNumber(b, base: base) {
                for tail in tails {
                    let token = [b] + Array(tail.utf8)
                    XCTAssertNil(Reader.numberValue(token, base: base, doubleDefault: false),
                                 "\(token) in base \(base)")
                }
            }
        }
    }

    func testReaderErrorsCarryPosition() {
        XCTAssertEqual(TestLisp.eval("(handler-case (read-from-string \"(a . b c)\") (reader-error () :re))"), ":RE")
        XCTAssertEqual(TestLisp.eval("(handler-case (read-from-string \"(a b\") (end-of-file () :eof))"), ":EOF")
    }
}
