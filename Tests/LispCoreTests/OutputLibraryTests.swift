import XCTest
@testable import LispCore

/// FORMAT, the printer, streams and external formats checked from Swift: malformed control
/// strings must signal FORMAT-ERROR (never crash), and encodings must round-trip.
final class OutputLibraryTests: XCTestCase {
    func check(_ src: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(TestLisp.eval(src), expected, src, file: file, line: line)
    }

    func testFormatBasics() {
        check(#"(format nil "~a|~s|~5d|~:d|~x" "a" "b" 42 1234567 255)"#, #""a|\"b\"|   42|1,234,567|FF""#)
        check(#"(format nil "~{~a~^, ~}" '(1 2 3))"#, #""1, 2, 3""#)
        check(#"(format nil "~:(~a~)" "hello world")"#, #""Hello World""#)
        check(#"(format nil "~,2f|~e" 3.14159 1234.5)"#, #""3.14|1.2345e+3""#)
        check(#"(format nil "~r|~:r|~@r" 42 3 1999)"#, #""forty-two|third|MCMXCIX""#)
    }

    func testMalformedControlStringsSignal() {
        for ctl in ["~", "~q", "~{", "~}", "~[a", "~(x", "~<x", "~1,2,3,4,5,6a", "~'", "~:::a", "~/nosuchfn/",
                    "~*~*", "~@*~5@*", "~v%", "~?", "~:[a~]", "~@[a~;b~]", "~c", "~@r"] {
            check("(handler-case (format nil \"\(ctl)\" \"x\") (sys::format-error () :format-error) (error () :error))",
                  ":FORMAT-ERROR")
        }
    }

    func testEncodings() {
        let s = "aé€😀"
        for enc in [CharEncoding.utf8] {
            let bytes = enc.encode(s.unicodeScalars, replacement: nil)!
            XCTAssertEqual(String(String.UnicodeScalarView(enc.decode(bytes[...], lenient: false)!)), s)
        }
        XCTAssertNil(CharEncoding.latin1.encode("λ".unicodeScalars, replacement: nil))
        XCTAssertEqual(CharEncoding.latin1.encode("aλ".unicodeScalars), [97, 63])
        XCTAssertNil(CharEncoding.utf8.decode([0xC3][...], lenient: false))
        XCTAssertEqual(CharEncoding.utf8.decode([0xC0, 0x80][...], lenient: true)!.count, 2)  // overlong
    }

    func testStringStreams() {
        check(#"(with-output-to-string (s) (dotimes (i 3) (format s "~d " i)))"#, #""0 1 2 ""#)
        check(#"(with-input-from-string (s "abc def") (list (read s) (read-char s)))"#, #"(ABC #\d)"#)
        check(#"(let ((*print-circle* t) (x (list 1 2))) (setf (cdr (cdr x)) x) (prin1-to-string x))"#,
              ##""#1=(1 2 . #1#)""##)
    }
}
