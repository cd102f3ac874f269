import XCTest
@testable import LispCore

/// Deterministic random numbers for the tests.
struct SplitMix64 {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func int() -> Int { Int(bitPattern: UInt(next())) }
    mutating func small() -> Int { Int(next() % 2001) - 1000 }
    /// Random BigInt with up to `limbs` limbs, random sign, sometimes special limb patterns.
    mutating func big(_ limbs: Int) -> BigInt {
        let n = Int(next() % UInt64(limbs)) + 1
        var s = ""
        for _ in 0..<n {
            let pick = next() % 6
            let limb: UInt64 = pick == 0 ? UInt64.max : pick == 1 ? 0x8000_0000_0000_0000 : pick == 2 ? 0 : next()
            let h = String(limb, radix: 16)
            s += String(repeating: "0", count: 16 - h.count) + h
        }
        if next() & 1 == 1 { s = "-" + s }
        return BigInt.parse(s, radix: 16)!
    }
}

final class NumberTests: XCTestCase {

    func testFactorial100() {
        XCTAssertEqual(BigInt.factorial(100).description,
            "93326215443944152681699238856266700490715968264381621468592963895217599993229915608941463976156518286253697920827223758251185210916864000000000000000000000000")
        var p = BigInt.one
        for i in 1...100 { p = p * BigInt(i) }
        XCTAssertEqual(p, BigInt.factorial(100))
    }

    func testFactorial1000() {
        let f = BigInt.factorial(1000)
        let s = f.description
        XCTAssertEqual(s.count, 2568)
        XCTAssertEqual(s, "402387260077093773543702433923003985719374864210714632543799910429938512398629020592044208486969404800479988610197196058631666872994808558901323829669944590997424504087073759918823627727188732519779505950995276120874975462497043601418278094646496291056393887437886487337119181045825783647849977012476632889835955735432513185323958463075557409114262417474349347553428646576611667797396668820291207379143853719588249808126867838374559731746136085379534524221586593201928090878297308431392844403281231558611036976801357304216168747609675871348312025478589320767169132448426236131412508780208000261683151027341827977704784635868170164365024153691398281264810213092761244896359928705114964975419909342221566832572080821333186116811553615836546984046708975602900950537616475847728421889679646244945160765353408198901385442487984959953319101723355556602139450399736280750137837615307127761926849034352625200015888535147331611702103968175921510907788019393178114194545257223865541461062892187960223838971476088506276862967146674697562911234082439208160153780889893964518263243671616762179168909779911903754031274622289988005195444414282012187361745992642956581746628302955570299024324153181617210465832036786906117260158783520751516284225540265170483304226143974286933061690897968482590125458327168226458066526769958652682272807075781391858178889652208164348344825993266043367660176999612831860788386150279465955131156552036093988180612138558600301435694527224206344631797460594682573103790084024432438465657245014402821885252470935190620929023136493273497565513958720559654228749774011413346962715422845862377387538230483865688976461927383814900140767310446640259899490222221765904339901886018566526485061799702356193897017860040811889729918311021171229845901641921068884387121855646124960798722908519296819372388642614839657382291123125024186649353143970137428531926649875337218940694281434118520158014123344828015051399694290153483077644569099073152433278288269864602789864321139083506217095002597389863554277196742822248757586765752344220207573630569498825087968928162753848863396909959826280956121450994871701244516461260379029309120889086942028510640182154399457156805941872748998094254742173582401063677404595741785160829230135358081840096996372524230560855903700624271243416909004153690105933983835777939410970027753472000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000")
        XCTAssertEqual(BigInt.parse(s), f)
        XCTAssertEqual(f / BigInt.factorial(999), BigInt(1000))
        XCTAssertEqual(f % BigInt.factorial(999), BigInt.zero)
        XCTAssertEqual(BigInt.parse(f.toString(radix: 36), radix: 36), f)
        XCTAssertEqual(BigInt.gcd(f, BigInt.factorial(500)), BigInt.factorial(500))
    }

    func testSmallDivisionAgainstInt() {
        var g = SplitMix64(1)
        for i in 0..<3000 {
            let a = i < 1500 ? g.small() : g.int() >> Int(g.next() % 60)
            var b = i < 1500 ? g.small() : g.int() >> Int(g.next() % 62)
            if b == 0 { b = 7 }
            let A = BigInt(a), B = BigInt(b)
            let (q, r) = A.quotientAndRemainder(dividingBy: B)
            if !(a == Int.min && b == -1) {
                XCTAssertEqual(q.asInt, a / b, "\(a) / \(b)")
                XCTAssertEqual(r.asInt, a % b, "\(a) % \(b)")
            }
            // floor
            let (fq, fr) = A.floorDiv(B)
            XCTAssertEqual(fq * B + fr, A)
            XCTAssertTrue(fr.isZero || (fr.negative == B.negative))
            XCTAssertTrue(fr.abs() < B.abs())
            // ceiling
            let (cq, cr) = A.ceilingDiv(B)
            XCTAssertEqual(cq * B + cr, A)
            XCTAssertTrue(cr.isZero || (cr.negative != B.negative))
            XCTAssertTrue(cr.abs() < B.abs())
            // round: |2r| <= |b|, tie -> even quotient
            let (rq, rr) = A.roundDiv(B)
            XCTAssertEqual(rq * B + rr, A)
            let twice = rr.abs().shiftedLeft(1)
            XCTAssertTrue(twice <= B.abs())
            if twice == B.abs() { XCTAssertTrue(rq.isEven) }
            XCTAssertEqual(A.mod(B), fr)
        }
        XCTAssertEqual(BigInt(7).roundDiv(BigInt(2)).quotient, BigInt(4))
        XCTAssertEqual(BigInt(5).roundDiv(BigInt(2)).quotient, BigInt(2))
        XCTAssertEqual(BigInt(-5).roundDiv(BigInt(2)).quotient, BigInt(-2))
        XCTAssertEqual(BigInt(-7).roundDiv(BigInt(2)).quotient, BigInt(-4))
        XCTAssertEqual(BigInt(-7).floorDiv(BigInt(2)).quotient, BigInt(-4))
        XCTAssertEqual(BigInt(-7).floorDiv(BigInt(2)).remainder, BigInt(1))
        XCTAssertEqual(BigInt(7).ceilingDiv(BigInt(2)).quotient, BigInt(4))
        XCTAssertEqual(BigInt(7).ceilingDiv(BigInt(2)).remainder, BigInt(-1))
    }

    func testBigDivisionIdentities() {
        var g = SplitMix64(2)
        for _ in 0..<1500 {
            let n = g.big(12)
            var d = g.big(6)
            if d.isZero { d = BigInt(3) }
            let (q, r) = n.quotientAndRemainder(dividingBy: d)
            XCTAssertEqual(q * d + r, n, "\(n) / \(d)")
            XCTAssertTrue(r.abs() < d.abs(), "\(n) / \(d)")
            XCTAssertTrue(r.isZero || r.negative == n.negative)
            // exact division round-trips
            let p = n * d
            XCTAssertEqual(p / d, n)
            XCTAssertEqual(p % d, .zero)
            let (fq, fr) = n.floorDiv(d)
            XCTAssertEqual(fq * d + fr, n)
            XCTAssertTrue(fr.isZero || fr.negative == d.negative)
        }
        // known value: (2^128 - 1) / (2^64 + 1) = 2^64 - 1 remainder 0
        let a = BigInt.one.shiftedLeft(128) - .one, b = BigInt.one.shiftedLeft(64) + .one
        XCTAssertEqual(a / b, BigInt.one.shiftedLeft(64) - .one)
        XCTAssertEqual(a % b, .zero)
        XCTAssertEqual((BigInt.factorial(50) / BigInt.factorial(48)).description, "2450")
        XCTAssertEqual(BigInt.parse("123456789012345678901234567890")! / BigInt.parse("9876543210987654321")!, BigInt(12499999886))
        XCTAssertEqual(BigInt.parse("123456789012345678901234567890")! % BigInt.parse("9876543210987654321")!,
                       BigInt.parse("925925941327160484")!)
    }

    func testMultiplicationLaws() {
        var g = SplitMix64(3)
        for _ in 0..<60 {
            let a = g.big(120), b = g.big(120), c = g.big(120)
            XCTAssertEqual(a * b, b * a)
            XCTAssertEqual((a + c) * b, a * b + c * b)
            XCTAssertEqual((a * b) * c, a * (b * c))
            if !b.isZero { XCTAssertEqual((a * b) / b, a) }
        }
        for _ in 0..<500 {
            let x = g.int() >> 33, y = g.int() >> 33
            XCTAssertEqual((BigInt(x) * BigInt(y)).asInt, x * y)
            XCTAssertEqual((BigInt(x) + BigInt(y)).asInt, x + y)
            XCTAssertEqual((BigInt(x) - BigInt(y)).asInt, x - y)
        }
    }

    func testIntOverflowHelpers() {
        XCTAssertEqual(BigInt.addInts(Int.max, 1), .big(BigInt.parse("9223372036854775808")!))
        XCTAssertEqual(BigInt.addInts(3, 4), .int(7))
        XCTAssertEqual(BigInt.subInts(Int.min, 1), .big(BigInt.parse("-9223372036854775809")!))
        XCTAssertEqual(BigInt.mulInts(Int.max, Int.max).bigValue.description, "85070591730234615847396907784232501249")
        XCTAssertEqual(BigInt.mulInts(-4, 5), .int(-20))
        XCTAssertEqual((BigInt(Int.max) + .one - .one).normalized, .int(Int.max))
        XCTAssertEqual(BigInt(Int.min).asInt, Int.min)
        XCTAssertEqual((BigInt(Int.min) - .one).asInt, nil)
        XCTAssertEqual((-BigInt(Int.min)).asInt, nil)
        XCTAssertEqual(BigInt(Int.min).description, "-9223372036854775808")
    }

    func testBitwiseAgainstInt() {
        var g = SplitMix64(4)
        for _ in 0..<3000 {
            let a = g.int() >> Int(g.next() % 64), b = g.int() >> Int(g.next() % 64)
            let A = BigInt(a), B = BigInt(b)
            XCTAssertEqual((A & B).asInt, a & b)
            XCTAssertEqual((A | B).asInt, a | b)
            XCTAssertEqual((A ^ B).asInt, a ^ b)
            XCTAssertEqual((~A).asInt, ~a)
            let sh = Int(g.next() % 70)
            XCTAssertEqual(A.ash(-sh).asInt, sh >= 64 ? (a < 0 ? -1 : 0) : a >> sh, "\(a) >> \(sh)")
            let il = a >= 0 ? 64 - a.leadingZeroBitCount : 64 - (~a).leadingZeroBitCount
            XCTAssertEqual(A.integerLength, il)
            XCTAssertEqual(A.logcount, a >= 0 ? a.nonzeroBitCount : (~a).nonzeroBitCount)
            let bit = Int(g.next() % 80)
            XCTAssertEqual(A.logbitp(bit), bit >= 64 ? a < 0 : (a >> bit) & 1 == 1, "logbitp \(bit) \(a)")
            // left shift then back
            XCTAssertEqual(A.ash(sh).ash(-sh), A)
            XCTAssertEqual(A.ash(sh), A * BigInt(2).power(sh))
        }
        // identities on bignums
        for _ in 0..<500 {
            let a = g.big(5), b = g.big(5)
            XCTAssertEqual(a ^ b, (a | b) - (a & b))
            XCTAssertEqual(~(a & b), (~a) | (~b))
            XCTAssertEqual(a & ~a, .zero)
            XCTAssertEqual(a | ~a, BigInt(-1))
            XCTAssertEqual(~(~a), a)
            let s = Int(g.next() % 200)
            XCTAssertEqual(a.ash(-s), a.floorDiv(BigInt.one.shiftedLeft(s)).quotient)
        }
        XCTAssertEqual(BigInt(-1).integerLength, 0)
        XCTAssertEqual(BigInt(0).integerLength, 0)
        XCTAssertEqual(BigInt(-256).integerLength, 8)
        XCTAssertEqual(BigInt(-257).integerLength, 9)
        XCTAssertEqual(BigInt(-1).logcount, 0)
        XCTAssertEqual(BigInt(-8).logcount, 3)  // CL: (logcount -8) = 3
        XCTAssertEqual((BigInt.one.shiftedLeft(100) - .one).logcount, 100)
        XCTAssertTrue(BigInt(-1).logbitp(1000))
        XCTAssertEqual(BigInt(-5).ash(-1), BigInt(-3))
    }

    func testRadixRoundTrips() {
        var g = SplitMix64(5)
        for radix in 2...36 {
            for _ in 0..<60 {
                let a = g.int() >> Int(g.next() % 64)
                XCTAssertEqual(BigInt(a).toString(radix: radix), String(a, radix: radix, uppercase: true))
                XCTAssertEqual(BigInt.parse(String(a, radix: radix), radix: radix)?.asInt, a)
                let b = g.big(8)
                XCTAssertEqual(BigInt.parse(b.toString(radix: radix), radix: radix), b)
                XCTAssertEqual(BigInt.parse(b.toString(radix: radix).lowercased(), radix: radix), b)
            }
        }
        XCTAssertNil(BigInt.parse("", radix: 10))
        XCTAssertNil(BigInt.parse("-", radix: 10))
        XCTAssertNil(BigInt.parse("12a", radix: 10))
        XCTAssertNil(BigInt.parse("2", radix: 2))
        XCTAssertEqual(BigInt.parse("+ff", radix: 16), BigInt(255))
        XCTAssertEqual(BigInt(255).toString(radix: 16), "FF")
        XCTAssertEqual(BigInt.one.shiftedLeft(64).toString(radix: 16), "10000000000000000")
        XCTAssertEqual(BigInt(2).power(100).description, "1267650600228229401496703205376")
        XCTAssertEqual(BigInt(-3).power(3), BigInt(-27))
        XCTAssertEqual(BigInt(0).power(0), BigInt(1))
    }

    func testDoubleConversions() {
        var g = SplitMix64(6)
        for _ in 0..<2000 {
            let a = g.int() >> Int(g.next() % 64)
            XCTAssertEqual(BigInt(a).toDouble(), Double(a))
            XCTAssertEqual(BigInt(a).toFloat(), Float(a))
            let d = Double(bitPattern: g.next() & 0x7FEF_FFFF_FFFF_FFFF)  // finite
            if let b = BigInt(exactly: d) { XCTAssertEqual(b.toDouble(), d) }
            let t = BigInt(truncating: d)!
            XCTAssertEqual(t.toDouble(), d.rounded(.towardZero))
        }
        // rounding at 2^53 (ties to even) and beyond 64 bits
        let p53 = BigInt.one.shiftedLeft(53)
        XCTAssertEqual((p53 + .one).toDouble(), 9007199254740992.0)
        XCTAssertEqual((p53 + BigInt(3)).toDouble(), 9007199254740996.0)
        let p100 = BigInt.one.shiftedLeft(100)
        XCTAssertEqual((p100 + BigInt.one.shiftedLeft(47)).toDouble(), 1267650600228229401496703205376.0)  // tie -> even
        XCTAssertEqual((p100 + BigInt.one.shiftedLeft(47) + .one).toDouble(), (p100 + BigInt.one.shiftedLeft(48)).toDouble())
        XCTAssertEqual(BigInt.one.shiftedLeft(1024).toDouble(), .infinity)
        XCTAssertEqual((-BigInt.one.shiftedLeft(5000)).toDouble(), -.infinity)
        XCTAssertEqual((BigInt.one.shiftedLeft(1024) - BigInt.one.shiftedLeft(970)).toDouble(), .infinity)  // rounds up past max
        XCTAssertEqual((BigInt.one.shiftedLeft(1024) - BigInt.one.shiftedLeft(971)).toDouble(), Double.greatestFiniteMagnitude)
        XCTAssertEqual(BigInt(truncating: -2.5), BigInt(-2))
        XCTAssertEqual(BigInt(truncating: 1e20)?.description, "100000000000000000000")
        XCTAssertEqual(BigInt(truncating: 1e300)?.toDouble(), 1e300)
        XCTAssertNil(BigInt(truncating: .nan))
        XCTAssertNil(BigInt(exactly: 1.5))
        XCTAssertEqual(BigInt.factorial(170).toDouble(), 7.257415615307999e306)
    }

    func testGcdIsqrt() {
        var g = SplitMix64(7)
        func igcd(_ a: Int, _ b: Int) -> Int { var x = abs(a), y = abs(b); while y != 0 { (x, y) = (y, x % y) }; return x }
        for _ in 0..<1000 {
            let a = g.int() >> 4, b = g.int() >> Int(g.next() % 60)
            XCTAssertEqual(BigInt.gcd(BigInt(a), BigInt(b)).asInt, igcd(a, b))
        }
        for _ in 0..<200 {
            let a = g.big(6), b = g.big(6), c = g.big(3)
            let gg = BigInt.gcd(a * c, b * c)
            XCTAssertEqual((a * c) % (gg.isZero ? .one : gg), .zero)
            XCTAssertEqual(gg % (c.isZero ? .one : c.abs()), .zero)
            let n = g.big(10).abs()
            let r = n.isqrt()
            XCTAssertTrue(r * r <= n)
            XCTAssertTrue((r + .one) * (r + .one) > n)
        }
        for v in [0, 1, 2, 3, 4, 15, 16, 17, 1 << 62, Int.max] {
            let r = BigInt(v).isqrt().asInt!
            XCTAssertTrue(r * r <= v && (r + 1).multipliedReportingOverflow(by: r + 1).overflow || (r + 1) * (r + 1) > v, "\(v)")
        }
        XCTAssertEqual(BigInt.lcm(BigInt(4), BigInt(-6)), BigInt(12))
        XCTAssertEqual(BigInt.gcd(.zero, BigInt(-5)), BigInt(5))
        XCTAssertEqual(BigInt(10).power(40).isqrt(), BigInt(10).power(20))
    }

    func testComparisonAndHash() {
        let vals = [BigInt(-5), BigInt.parse("-100000000000000000000000")!, .zero, BigInt(3),
                    BigInt.parse("100000000000000000000000")!]
        let sorted = vals.sorted()
        XCTAssertEqual(sorted.map { $0.description },
                       ["-100000000000000000000000", "-5", "0", "3", "100000000000000000000000"])
        XCTAssertEqual(Set([BigInt(3), BigInt.parse("3")!, BigInt(2) + BigInt(1)]).count, 1)
        XCTAssertEqual(-BigInt.zero, .zero)
        XCTAssertFalse((-BigInt.zero).negative)
    }
}

final class NumberPerfTests: XCTestCase {
    func testPrintingSpeed() {
        var g = SplitMix64(9)
        var total = 0
        let t0 = ContinuousClock.now
        for _ in 0..<2000 {
            total += FloatFormat.prin1(Double(bitPattern: g.next() & 0x7FEF_FFFF_FFFF_FFFF)).count
        }
        let t1 = ContinuousClock.now
        for _ in 0..<20000 {
            total += FloatFormat.prin1(Double(g.next() % 1_000_000) / 1000.0).count
        }
        let t1b = ContinuousClock.now
        print("20000 typical doubles printed in \(t1b - t1)")
        let f = BigInt.factorial(3000)
        let t2a = ContinuousClock.now
        let s = f.description
        let t2b = ContinuousClock.now
        XCTAssertEqual(BigInt.parse(s), f)
        let t2 = ContinuousClock.now
        print("2000 random-bit doubles printed in \(t1 - t0); 3000! computed \(t2a - t1b) printed \(t2b - t2a) parsed \(t2 - t2b)")
        XCTAssertGreaterThan(total, 0)
    }
}

final class NumberLimitTests: XCTestCase {
    func testAbsurdSizesSignalInsteadOfAllocating() {
        XCTAssertThrowsError(try Num.ash(.fixnum(1), .fixnum(1 << 40)))
        XCTAssertThrowsError(try Num.expt(.fixnum(2), .fixnum(10_000_000_000)))
        XCTAssertThrowsError(try Num.expt(.fixnum(3), .integer(BigInt(10).power(30))))
        XCTAssertEqual(try Num.expt(.fixnum(1), .integer(BigInt(10).power(30))), .fixnum(1))
        XCTAssertEqual(try Num.expt(.fixnum(-1), .integer(BigInt(10).power(30) + .one)), .fixnum(-1))
        XCTAssertEqual(try Num.ash(.fixnum(-5), .integer(-BigInt(10).power(30))), .fixnum(-1))
        XCTAssertEqual(try Num.ash(.fixnum(0), .fixnum(1 << 40)), .fixnum(0))
        XCTAssertEqual(try Num.expt(.fixnum(2), .fixnum(1000)), .integer(BigInt.one.shiftedLeft(1000)))
    }
}

final class NumberComplexEqlTests: XCTestCase {
    func testEqlAndHash() {
        func c(_ v: Value) -> LispComplex { if case .object(let o) = v { return o as! LispComplex }; fatalError() }
        let a = c(Numeric.makeComplex(.fixnum(1), .ratio(BigInt(1), BigInt(2))))
        let b = c(Numeric.makeComplex(.fixnum(1), .ratio(BigInt(1), BigInt(2))))
        XCTAssertTrue(a.eql(b)); XCTAssertEqual(a.eqlHash, b.eqlHash)
        let z1 = c(Numeric.makeComplex(.single(0), .single(1))), z2 = c(Numeric.makeComplex(.single(-0.0), .single(1)))
        XCTAssertFalse(z1.eql(z2))
        let d = c(Numeric.makeComplex(.double(0), .double(1)))
        XCTAssertFalse(z1.eql(d))
        XCTAssertTrue(Numeric.makeComplex(.fixnum(3), .fixnum(0)).isNumber)  // canonicalised to 3
    }
}
