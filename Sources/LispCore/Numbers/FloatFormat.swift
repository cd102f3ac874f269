// FloatFormat: printing single-floats (Swift Float) and double-floats (Swift Double) exactly as
// SBCL's PRIN1 does, plus the digit-generation primitives that FORMAT's ~F ~E ~G ~$ need.
//
// Digit generation is the free-format algorithm of Burger & Dybvig (1996) with the fixed-position
// extension used by SBCL (absolute cutoff for ~F, relative for ~E), run on exact BigInt
// arithmetic. Like SBCL, subnormals are treated as if they had full precision (their fraction is
// left-aligned first), so e.g. least-positive-double-float prints as 4.9406564584124654d-324.
//
// Layout (SBCL PRINT-FLOAT): with value = 0.DDDD * 10^k, fixed notation when -3 < k < 8 (i.e.
// 1e-3 <= |x| < 1e7), else one digit before the point and an exponent. The exponent marker is
// omitted for the default format (*read-default-float-format*, single-float unless told
// otherwise) when the exponent is 0; the other format always gets its marker ("1.5d0").
//
// Infinities print as SBCL does under *read-eval* in CL-USER (sbcl --script):
//   #.SINGLE-FLOAT-POSITIVE-INFINITY  #.SINGLE-FLOAT-NEGATIVE-INFINITY
//   #.DOUBLE-FLOAT-POSITIVE-INFINITY  #.DOUBLE-FLOAT-NEGATIVE-INFINITY
// NaNs print unreadably: #<SINGLE-FLOAT quiet NaN>, #<DOUBLE-FLOAT trapping NaN>, ...

#if canImport(Glibc)
import Glibc  // libm (rounding, sqrt); no Foundation
#elseif canImport(Darwin)
import Darwin
#endif

public enum FloatFormat {

    /// The pieces of an IEEE float the algorithm needs.
    public struct Bits: Sendable {
        public var f: UInt64        // integer significand (left-aligned for subnormals)
        public var e: Int           // binary exponent: |x| = f * 2^e
        public var precision: Int   // float-digits: 24 or 53
        public var minE: Int        // SBCL's single/double-float-min-e
        public var negative: Bool   // sign bit
        public var isZero: Bool
        public var isInfinite: Bool
        public var isNaN: Bool
        public var isSignalingNaN: Bool
        public var isDouble: Bool

        public init(_ x: Double) {
            negative = x.sign == .minus
            isZero = x == 0; isInfinite = x.isInfinite; isNaN = x.isNaN
            isSignalingNaN = x.isSignalingNaN
            isDouble = true; precision = 53; minE = 2 - 1022 - 53
            let ef = Int(x.exponentBitPattern), frac = x.significandBitPattern
            if ef == 0 {
                var ff = frac, ee = -1074
                if ff != 0 {
                    let shift = 53 - (64 - ff.leadingZeroBitCount)
                    ff <<= UInt64(shift); ee -= shift
                }
                f = ff; e = ee
            } else {
                f = frac | (1 << 52); e = ef - 1075
            }
        }

        public init(_ x: Float) {
            negative = x.sign == .minus
            isZero = x == 0; isInfinite = x.isInfinite; isNaN = x.isNaN
            isSignalingNaN = x.isSignalingNaN
            isDouble = false; precision = 24; minE = 2 - 126 - 24
            let ef = Int(x.exponentBitPattern), frac = UInt64(x.significandBitPattern)
            if ef == 0 {
                var ff = frac, ee = -149
                if ff != 0 {
                    let shift = 24 - (64 - ff.leadingZeroBitCount)
                    ff <<= UInt64(shift); ee -= shift
                }
                f = ff; e = ee
            } else {
                f = frac | (1 << 23); e = ef - 150
            }
        }
    }

    // MARK: digit generation

    static let ten = BigInt(10)
    /// 10^0 ... 10^399, built once (static let initialisation is thread-safe).
    static let pow10Table: [BigInt] = {
        var t = [BigInt.one]
        t.reserveCapacity(400)
        for _ in 1..<400 { t.append(t[t.count - 1] * BigInt(10)) }
        return t
    }()

    static func pow10(_ n: Int) -> BigInt {
        precondition(n >= 0)
        return n < 400 ? pow10Table[n] : ten.power(n)
    }

    static func pow2(_ n: Int) -> BigInt { BigInt.one.shiftedLeft(n) }

    /// Digits of a nonzero finite float's magnitude: value = 0.DIGITS * 10^k.
    /// position nil: shortest digits that read back to the same float (free format).
    /// position p, relative false: round at absolute decimal position p (10^p's place, e.g. -2 for
    /// hundredths), stopping early when fewer digits already identify the float (SBCL ~F).
    /// position p > 0, relative true: keep about p significant digits (SBCL ~E).
    /// Zero gives (0, "0").
    public static func digits(_ b: Bits, position: Int? = nil, relative: Bool = false)
        -> (k: Int, digits: String)
    {
        if b.isZero { return (0, "0") }
        if position == nil, let fast = fastFreeFormat(b) { return fast }
        return bigDigits(b, position: position, relative: relative)
    }

    /// The free-format algorithm in UInt128 arithmetic; nil when an intermediate would overflow
    /// (then the BigInt version runs). Same steps, same results.
    static func fastFreeFormat(_ b: Bits) -> (k: Int, digits: String)? {
        let e = b.e, p = b.precision
        if e > 60 || e < -120 { return nil }
        let f = UInt128(b.f)
        let highOk = b.f & 1 == 0, lowOk = highOk
        let hidden = UInt64(1) << UInt64(p - 1)
        var r: UInt128, s: UInt128, mp: UInt128, mm: UInt128
        if e >= 0 {
            let be = UInt128(1) << e
            mm = be
            if b.f != hidden { r = f << (e + 1); s = 2; mp = be }
            else { mp = be << 1; r = f << (e + 2); s = 4 }
        } else if e == b.minE || b.f != hidden {
            r = f << 1; s = UInt128(1) << (1 - e); mp = 1; mm = 1
        } else {
            r = f << 2; s = UInt128(1) << (2 - e); mp = 2; mm = 1
        }
        let est = Int(((Double(e + (64 - b.f.leadingZeroBitCount) - 1) * 0.30102999566398120) - 1.0e-10)
            .rounded(.up))
        var k = est
        func p10(_ n: Int) -> UInt128? {
            if n > 38 { return nil }
            var v: UInt128 = 1
            for _ in 0..<n { v *= 10 }
            return v
        }
        if est >= 0 {
            guard let t = p10(est) else { return nil }
            let (ns, o) = s.multipliedReportingOverflow(by: t)
            if o { return nil }
            s = ns
        } else {
            guard let t = p10(-est) else { return nil }
            let (nr, o1) = r.multipliedReportingOverflow(by: t)
            let (np, o2) = mp.multipliedReportingOverflow(by: t)
            let (nm, o3) = mm.multipliedReportingOverflow(by: t)
            if o1 || o2 || o3 { return nil }
            r = nr; mp = np; mm = nm
        }
        // everything below stays under 10*s (plus small margins): require headroom
        if s.leadingZeroBitCount < 6 || mp.leadingZeroBitCount < 6 { return nil }
        let rmp0 = r + mp
        if highOk ? rmp0 >= s : rmp0 > s {
            k += 1; s *= 10
            if s.leadingZeroBitCount < 5 { return nil }
        }
        var out: [UInt8] = []
        out.reserveCapacity(20)
        while true {
            let rr = r * 10
            let d0 = rr / s
            r = rr - d0 * s
            var d = Int(d0)
            mp *= 10; mm *= 10
            let tc1 = r < mm || (lowOk && r == mm)
            let rmp = r + mp
            let tc2 = rmp > s || (highOk && rmp == s)
            if tc1 || tc2 {
                if !tc1 && tc2 { d += 1 }
                else if tc1 && !tc2 { }
                else if r << 1 < s { }
                else { d += 1 }
                out.append(UInt8(48 + d))
                return (k, String(decoding: out, as: UTF8.self))
            }
            out.append(UInt8(48 + d))
        }
    }

    static func bigDigits(_ b: Bits, position: Int?, relative: Bool) -> (k: Int, digits: String) {
        let f = BigInt(b.f), e = b.e, p = b.precision
        var highOk = b.f & 1 == 0
        var lowOk = highOk
        var r: BigInt, s: BigInt, mp: BigInt, mm: BigInt
        let hidden = UInt64(1) << UInt64(p - 1)
        if e >= 0 {
            let be = pow2(e)
            mm = be
            if b.f != hidden {
                r = f.shiftedLeft(e + 1); s = BigInt(2); mp = be
            } else {
                mp = pow2(e + 1); r = f.shiftedLeft(e + 2); s = BigInt(4)
            }
        } else if e == b.minE || b.f != hidden {
            r = f.shiftedLeft(1); s = pow2(1 - e); mp = .one; mm = .one
        } else {
            r = f.shiftedLeft(2); s = pow2(2 - e); mp = BigInt(2); mm = .one
        }

        var out: [UInt8] = []
        func generate(_ r0: BigInt, _ s: BigInt, _ mp0: BigInt, _ mm0: BigInt) {
            var r = r0, mp = mp0, mm = mm0
            while true {
                let (dq, rr) = (r * ten).quotientAndRemainder(dividingBy: s)
                var d = dq.asInt ?? 0
                r = rr
                mp = mp * ten; mm = mm * ten
                let tc1 = r < mm || (lowOk && r == mm)
                let rmp = r + mp
                let tc2 = rmp > s || (highOk && rmp == s)
                if tc1 || tc2 {
                    if !tc1 && tc2 { d += 1 }
                    else if tc1 && !tc2 { }
                    else if r.shiftedLeft(1) < s { }
                    else { d += 1 }
                    out.append(UInt8(48 + d))
                    return
                }
                out.append(UInt8(48 + d))
            }
        }

        guard var position = position else {
            // free format: estimate k then fix up by one
            let est = Int(((Double(e + (64 - b.f.leadingZeroBitCount) - 1) * 0.30102999566398120) - 1.0e-10)
                .rounded(.up))
            var k = est
            if est >= 0 {
                s = s * pow10(est)
            } else {
                let sc = pow10(-est)
                r = r * sc; mp = mp * sc; mm = mm * sc
            }
            let rmp = r + mp
            if highOk ? rmp >= s : rmp > s { k += 1; s = s * ten }
            generate(r, s, mp, mm)
            return (k, String(decoding: out, as: UTF8.self))
        }

        if relative {
            precondition(position > 0)
            var k = 0
            var l = BigInt.one
            let rmp = r + mp
            while s * l < rmp { k += 1; l = l * ten }
            // compare r + s * 10^(k-position) / 2 < s * l
            let t = k - position
            let less: Bool
            if t >= 0 {
                less = r.shiftedLeft(1) + s * pow10(t) < (s * l).shiftedLeft(1)
            } else {
                let sc = pow10(-t)
                less = r.shiftedLeft(1) * sc + s < (s * l).shiftedLeft(1) * sc
            }
            position = less ? k - position : k - position - 1
        }
        // x = s * 10^position / 2; scale everything to keep integers.
        let x: BigInt
        if position >= 0 {
            x = s * pow10(position)
            r = r.shiftedLeft(1); s = s.shiftedLeft(1); mp = mp.shiftedLeft(1); mm = mm.shiftedLeft(1)
        } else {
            let d = pow10(-position).shiftedLeft(1)
            x = s
            r = r * d; s = s * d; mp = mp * d; mm = mm * d
        }
        if mm <= x { mm = x }
        lowOk = true
        if mp <= x { mp = x }
        highOk = true
        var k = 0
        let rmp = r + mp
        while rmp > s || (highOk && rmp == s) { s = s * ten; k += 1 }
        while r > mm {
            let x10 = (r + mp) * ten
            if x10 < s || (!highOk && x10 == s) {
                k -= 1; r = r * ten; mp = mp * ten; mm = mm * ten
            } else { break }
        }
        generate(r, s, mp, mm)
        return (k, String(decoding: out, as: UTF8.self))
    }

    /// Shortest round-trip digits of |x|: value = 0.DIGITS * 10^exponent. Zero gives ("0", 0).
    public static func shortestDigits(_ x: Double) -> (digits: String, exponent: Int) {
        let (k, d) = digits(Bits(x)); return (d, k)
    }
    public static func shortestDigits(_ x: Float) -> (digits: String, exponent: Int) {
        let (k, d) = digits(Bits(x)); return (d, k)
    }

    // MARK: PRIN1

    /// SBCL PRIN1 text for a double-float. `defaultIsDouble` mirrors
    /// *read-default-float-format* being double-float (then no "d0" marker is printed).
    public static func prin1(_ x: Double, defaultIsDouble: Bool = false) -> String {
        render(Bits(x), defaultFormat: defaultIsDouble)
    }

    /// SBCL PRIN1 text for a single-float.
    public static func prin1(_ x: Float, defaultIsDouble: Bool = false) -> String {
        render(Bits(x), defaultFormat: !defaultIsDouble)
    }

    static func exponentMarker(_ b: Bits, _ exp: Int, _ isDefault: Bool) -> String {
        if isDefault { return exp == 0 ? "" : "e\(exp)" }
        return (b.isDouble ? "d" : "f") + String(exp)
    }

    /// isDefault: this float's format is *read-default-float-format*.
    public static func render(_ b: Bits, defaultFormat isDefault: Bool) -> String {
        let name = b.isDouble ? "DOUBLE-FLOAT" : "SINGLE-FLOAT"
        if b.isNaN {
            return "#<\(name) \(b.isSignalingNaN ? "trapping" : "quiet") NaN>"
        }
        if b.isInfinite {
            return "#.\(name)-\(b.negative ? "NEGATIVE" : "POSITIVE")-INFINITY"
        }
        var s = b.negative ? "-" : ""
        if b.isZero {
            return s + "0.0" + exponentMarker(b, 0, isDefault)
        }
        let (k, ds) = digits(b)
        let d = Array(ds.utf8)
        var out: [UInt8] = []
        let dot: Int
        let fixed = -3 < k && k < 8
        if !fixed {
            dot = 1
        } else if k > 0 {
            dot = k
        } else {
            dot = -1
            out.append(48); out.append(46)
            for _ in 0..<(-k) { out.append(48) }
        }
        var pos = 0
        for c in d {
            if pos == dot { out.append(46) }
            out.append(c); pos += 1
        }
        if pos <= dot {
            for _ in 0..<(dot - pos) { out.append(48) }
            out.append(46); out.append(48)
        }
        s += String(decoding: out, as: UTF8.self)
        s += exponentMarker(b, fixed ? 0 : k - 1, isDefault)
        return s
    }

    // MARK: FORMAT support

    /// SBCL's FLONUM-TO-STRING on |x|: returns the digit string with its point (possibly leading
    /// or trailing, like ".5" or "3."), its length, whether the point is first, whether it is
    /// last, and the point's index. Arguments as in SBCL: width, fdigits (digits after the
    /// point), scale (~E's k), fmin (minimum fraction digits).
    public static func flonumToString(_ b0: Bits, width: Int? = nil, fdigits: Int? = nil,
                                      scale: Int? = nil, fmin: Int? = nil)
        -> (string: String, length: Int, leadingPoint: Bool, trailingPoint: Bool, pointIndex: Int)
    {
        var b = b0
        b.negative = false
        var (e, str): (Int, String)
        if let fd = fdigits {
            (e, str) = digits(b, position: min(-(fd + (scale ?? 0)), -(fmin ?? 0)))
        } else if let w = width, w > 1 {
            let sc = scale ?? 0
            let wv = digits(b, position: max(1, w - 1 + (sc < 0 ? sc : 0)), relative: true)
            let fv = digits(b, position: -((fmin ?? 0) + sc))
            (e, str) = wv.digits.utf8.count >= fv.digits.utf8.count ? wv : fv
        } else {
            (e, str) = digits(b)
        }
        if !b.isZero { e += scale ?? 0 }
        let s = Array(str.utf8)
        let len = s.count
        var out: [UInt8] = []
        if e > 0 {
            let m = min(len, e)
            out.append(contentsOf: s[0..<m])
            if e - len > 0 { for _ in 0..<(e - len) { out.append(48) } }
            out.append(46)
            out.append(contentsOf: s[m...])
            if let fd = fdigits {
                let n = fd - (len - m)
                if n > 0 { for _ in 0..<n { out.append(48) } }
            }
        } else {
            out.append(46)
            for _ in 0..<(-e) { out.append(48) }
            if let fd = fdigits {
                let end = min(len, max(fmin ?? 0, fd + e))
                if end > 0 { out.append(contentsOf: s[0..<end]) }
                let n = fd + e - len
                if n > 0 { for _ in 0..<n { out.append(48) } }
            } else {
                out.append(contentsOf: s)
            }
        }
        let string = String(decoding: out, as: UTF8.self)
        let point = out.firstIndex(of: 46) ?? 0
        return (string, out.count, out.first == 46, out.last == 46, point)
    }

    /// `(format nil "~,dF" x)` with no width, as SBCL prints it: sign, at least one digit
    /// before the point, `fractionDigits` digits after it (none when 0: "3.").
    /// Rounding: exact value, ties away from zero; digits beyond the float's precision are
    /// the shortest digits padded with zeros (SBCL behaviour).
    public static func fixed(_ x: Double, fractionDigits d: Int) -> String {
        fixed(Bits(x), fractionDigits: d)
    }
    public static func fixed(_ x: Float, fractionDigits d: Int) -> String {
        fixed(Bits(x), fractionDigits: d)
    }

    public static func fixed(_ b: Bits, fractionDigits d: Int) -> String {
        if b.isNaN || b.isInfinite { return render(b, defaultFormat: !b.isDouble) }
        let r = flonumToString(b, fdigits: d)
        var s = b.negative ? "-" : ""
        if r.leadingPoint { s += "0" }
        s += r.string
        if r.trailingPoint && d != 0 { s += "0" }
        return s
    }
}
