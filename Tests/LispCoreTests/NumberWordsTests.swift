import XCTest
@testable import LispCore

/// ~R English/Roman and ~D-style integer fields against SBCL 2.2.9.
/// "R n\tcardinal", "O n\tordinal", "M n\troman", "Q n\told roman", "F directive arg\toutput".
final class NumberWordsTests: XCTestCase {
    func testAgainstSBCL() {
        var failures: [String] = []
        var checked = 0
        for line in NumberWordsTests.table.split(separator: "\n") {
            let tab = line.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            let lhs = tab[0].split(separator: " ").map(String.init), want = tab[1]
            var got: String? = nil
            switch lhs[0] {
            case "R": got = NumPrint.cardinal(BigInt.parse(lhs[1])!)
            case "O": got = NumPrint.ordinal(BigInt.parse(lhs[1])!)
            case "M": got = NumPrint.roman(Int(lhs[1])!)
            case "Q": got = NumPrint.oldRoman(Int(lhs[1])!)
            case "F":
                // only integer arguments: the directive parameters decoded by hand below
                guard let n = BigInt.parse(lhs[2]) else { continue }
                got = NumberWordsTests.directive(lhs[1], n)
            default: continue
            }
            checked += 1
            if got != want { failures.append("\(tab[0]) want |\(want)| got |\(got ?? "nil")|") }
        }
        XCTAssertGreaterThan(checked, 110)
        XCTAssertEqual(failures.count, 0, "\n" + failures.joined(separator: "\n"))
        XCTAssertNil(NumPrint.cardinal(BigInt(10).power(66)))
        XCTAssertNil(NumPrint.roman(4000))
        XCTAssertNil(NumPrint.oldRoman(0))
    }

    /// A tiny parser for ~mincol,'pad,'comma,intervalD-style directives in the table.
    static func directive(_ d: String, _ n: BigInt) -> String {
        var s = Array(d.dropFirst())
        var trailing = ""
        if s.last == "|" { s.removeLast(); trailing = "|" }
        let kind = s.removeLast()
        var colon = false, at = false
        while let c = s.last, c == ":" || c == "@" { if c == ":" { colon = true } else { at = true }; s.removeLast() }
        var params: [String] = []
        var cur = ""
        var i = 0
        while i < s.count {
            if s[i] == "'" { cur = String(s[i + 1]); i += 2; continue }
            if s[i] == "," { params.append(cur); cur = ""; i += 1; continue }
            cur.append(s[i]); i += 1
        }
        params.append(cur)
        var base = 10
        switch kind {
        case "b": base = 2
        case "o": base = 8
        case "x": base = 16
        case "r": base = Int(params.removeFirst())!
        default: break
        }
        func p(_ k: Int) -> String? { k < params.count && !params[k].isEmpty ? params[k] : nil }
        return NumPrint.formatInteger(n, base: base, mincol: p(0).flatMap { Int($0) } ?? 0,
                                      padchar: p(1)?.first ?? " ", commachar: p(2)?.first ?? ",",
                                      commaInterval: p(3).flatMap { Int($0) } ?? 3,
                                      commas: colon, sign: at) + trailing
    }

    static let table = #"""
R 0	zero
O 0	zeroth
R 1	one
O 1	first
R 7	seven
O 7	seventh
R 10	ten
O 10	tenth
R 11	eleven
O 11	eleventh
R 12	twelve
O 12	twelfth
R 13	thirteen
O 13	thirteenth
R 19	nineteen
O 19	nineteenth
R 20	twenty
O 20	twentieth
R 21	twenty-one
O 21	twenty-first
R 42	forty-two
O 42	forty-second
R 99	ninety-nine
O 99	ninety-ninth
R 100	one hundred
O 100	one hundredth
R 101	one hundred one
O 101	one hundred first
R 110	one hundred ten
O 110	one hundred tenth
R 112	one hundred twelve
O 112	one hundred twelfth
R 119	one hundred nineteen
O 119	one hundred nineteenth
R 120	one hundred twenty
O 120	one hundred twentieth
R 999	nine hundred ninety-nine
O 999	nine hundred ninety-ninth
R 1000	one thousand
O 1000	one thousandth
R 1001	one thousand one
O 1001	one thousand first
R 1234	one thousand two hundred thirty-four
O 1234	one thousand two hundred thirty-fourth
R 10000	ten thousand
O 10000	ten thousandth
R 100000	one hundred thousand
O 100000	one hundred thousandth
R 1000000	one million
O 1000000	one millionth
R 1000001	one million one
O 1000001	one million first
R 123456789	one hundred twenty-three million four hundred fifty-six thousand seven hundred eighty-nine
O 123456789	one hundred twenty-three million four hundred fifty-six thousand seven hundred eighty-ninth
R -5	negative five
O -5	negative fifth
R -1	negative one
O -1	negative first
R -1000	negative one thousand
O -1000	negative one thousandth
R -112	negative one hundred twelve
O -112	negative one hundred twelfth
R 1000000000000000000000000000000	one nonillion
O 1000000000000000000000000000000	one nonillionth
R 999999999999999999999999999999999999999999999999999999999999999999	nine hundred ninety-nine vigintillion nine hundred ninety-nine novemdecillion nine hundred ninety-nine octodecillion nine hundred ninety-nine septendecillion nine hundred ninety-nine sexdecillion nine hundred ninety-nine quindecillion nine hundred ninety-nine quattuordecillion nine hundred ninety-nine tredecillion nine hundred ninety-nine duodecillion nine hundred ninety-nine undecillion nine hundred ninety-nine decillion nine hundred ninety-nine nonillion nine hundred ninety-nine octillion nine hundred ninety-nine septillion nine hundred ninety-nine sextillion nine hundred ninety-nine quintillion nine hundred ninety-nine quadrillion nine hundred ninety-nine trillion nine hundred ninety-nine billion nine hundred ninety-nine million nine hundred ninety-nine thousand nine hundred ninety-nine
O 999999999999999999999999999999999999999999999999999999999999999999	nine hundred ninety-nine vigintillion nine hundred ninety-nine novemdecillion nine hundred ninety-nine octodecillion nine hundred ninety-nine septendecillion nine hundred ninety-nine sexdecillion nine hundred ninety-nine quindecillion nine hundred ninety-nine quattuordecillion nine hundred ninety-nine tredecillion nine hundred ninety-nine duodecillion nine hundred ninety-nine undecillion nine hundred ninety-nine decillion nine hundred ninety-nine nonillion nine hundred ninety-nine octillion nine hundred ninety-nine septillion nine hundred ninety-nine sextillion nine hundred ninety-nine quintillion nine hundred ninety-nine quadrillion nine hundred ninety-nine trillion nine hundred ninety-nine billion nine hundred ninety-nine million nine hundred ninety-nine thousand nine hundred ninety-ninth
R 1000000000000000012345	one sextillion twelve thousand three hundred forty-five
O 1000000000000000012345	one sextillion twelve thousand three hundred forty-fifth
M 1	I
Q 1	I
M 2	II
Q 2	II
M 3	III
Q 3	III
M 4	IV
Q 4	IIII
M 5	V
Q 5	V
M 9	IX
Q 9	VIIII
M 14	XIV
Q 14	XIIII
M 40	XL
Q 40	XXXX
M 49	XLIX
Q 49	XXXXVIIII
M 90	XC
Q 90	LXXXX
M 99	XCIX
Q 99	LXXXXVIIII
M 400	CD
Q 400	CCCC
M 444	CDXLIV
Q 444	CCCCXXXXIIII
M 1994	MCMXCIV
Q 1994	MDCCCCLXXXXIIII
M 2024	MMXXIV
Q 2024	MMXXIIII
M 3999	MMMCMXCIX
Q 3999	MMMDCCCCLXXXXVIIII
Q 4999	MMMMDCCCCLXXXXVIIII
F ~d 1234567	1234567
F ~:d 1234567	1,234,567
F ~:d -1234567	-1,234,567
F ~@d 5	+5
F ~10d 42	        42
F ~10,'0d -42	0000000-42
F ~,,'.,4:d 123456789	1.2345.6789
F ~:b 255	11,111,111
F ~8,'0b 5	00000101
F ~@x 255	+FF
F ~x -255	-FF
F ~5x| 10	    A|
F ~:x 16777215	FFF,FFF
F ~x 1/2	1/2
F ~d 1/2	1/2
F ~b 0	0
F ~3,6,'0r 5	000012
F ~36r 1295	ZZ
F ~d 1.5	1.5
F ~5d 1.5	1.5
F ~:d 123	123
F ~:d 1234	1,234
F ~,,' ,2:d 1234567	1 23 45 67
F ~@:d 1000	+1,000
F ~x 1.5	1.5
F ~d 100000000000000000000	100000000000000000000
"""#
}
