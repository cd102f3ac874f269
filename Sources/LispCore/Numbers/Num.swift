// Num: the Common Lisp real-number tower as a self-contained Swift enum, with CL semantics for
// every operation (contagion, exact rationals, SBCL's float traps and result types). The
// interpreter's Value glue converts to/from Num for anything beyond its fixnum fast paths.
//
// Invariants: .fixnum for every integer that fits in Int, .bignum only for those that do not;
// .ratio(n, d) has d > 1 and gcd(n, d) = 1 (sign on the numerator).

#if canImport(Glibc)
import Glibc  // libm; no Foundation
#elseif canImport(Darwin)
import Darwin
#endif

public enum Num: Hashable, Sendable, CustomStringConvertible {
    /// Largest integer result (in bits) the operations will try to build: 2^28 bits = 32 MiB.
    public static let maxBits = 1 << 28

    case fixnum(Int)
    case bignum(BigInt)
    case ratio(BigInt, BigInt)
    case single(Float)
    case double(Double)

    // MARK: construction / normalisation

    public static func integer(_ b: BigInt) -> Num {
        if let i = b.asInt { return .fixnum(i) }
        return .bignum(b)
    }

    public static func integer(_ v: IntOrBig) -> Num {
        switch v {
        case .int(let i): return .fixnum(i)
        case .big(let b): return integer(b)
        }
    }

    /// n/d normalised (integer when d divides n). Throws on d = 0.
    public static func rational(_ n: BigInt, _ d: BigInt) throws(NumError) -> Num {
        if d.isZero { throw .divisionByZero }
        var n = n, d = d
        if d.negative { n.negate(); d.negate() }
        let g = BigInt.gcd(n, d)
        if !(g == .one) && !g.isZero { n = n / g; d = d / g }
        if d == .one { return integer(n) }
        return .ratio(n, d)
    }

    // MARK: classification

    public var isInteger: Bool { switch self { case .fixnum, .bignum: true; default: false } }
    public var isRational: Bool { switch self { case .fixnum, .bignum, .ratio: true; default: false } }
    public var isFloat: Bool { switch self { case .single, .double: true; default: false } }

    public var bigValue: BigInt? {
        switch self {
        case .fixnum(let i): return BigInt(i)
        case .bignum(let b): return b
        default: return nil
        }
    }

    /// (numerator, denominator) of a rational.
    public var ratParts: (BigInt, BigInt)? {
        switch self {
        case .fixnum(let i): return (BigInt(i), .one)
        case .bignum(let b): return (b, .one)
        case .ratio(let n, let d): return (n, d)
        default: return nil
        }
    }

    public var isZero: Bool {
        switch self {
        case .fixnum(let i): return i == 0
        case .bignum, .ratio: return false
        case .single(let f): return f == 0
        case .double(let d): return d == 0
        }
    }

    /// -1, 0, 1 (NaN gives 0).
    public var sign: Int {
        switch self {
        case .fixnum(let i): return i.signum()
        case .bignum(let b): return b.signum
        case .ratio(let n, _): return n.signum
        case .single(let f): return f > 0 ? 1 : f < 0 ? -1 : 0
        case .double(let d): return d > 0 ? 1 : d < 0 ? -1 : 0
        }
    }

    public var description: String { NumPrint.prin1(self) }

    // MARK: conversion to floats (correctly rounded, overflow -> infinity)

    public var asDouble: Double {
        switch self {
        case .fixnum(let i): return Double(i)
        case .bignum(let b): return b.toDouble()
        case .ratio(let n, let d): return NumConv.ratioToDouble(n, d)
        case .single(let f): return Double(f)
        case .double(let d): return d
        }
    }

    public var asFloat: Float {
        switch self {
        case .fixnum(let i): return Float(i)
        case .bignum(let b): return b.toFloat()
        case .ratio(let n, let d): return NumConv.ratioToFloat(n, d)
        case .single(let f): return f
        case .double(let d): return Float(d)
        }
    }
}

/// Errors the arithmetic signals; the interpreter maps them to CL conditions.
public enum NumError: Error, Equatable, Sendable {
    case divisionByZero                 // DIVISION-BY-ZERO
    case floatingPointOverflow          // FLOATING-POINT-OVERFLOW
    case floatingPointInvalid           // FLOATING-POINT-INVALID-OPERATION
    /// TYPE-ERROR: datum is not of the expected CL type ("INTEGER", "RATIONAL", "REAL", ...).
    case typeError(datum: Num, expected: String)
    /// The CL result would be a complex number (unsupported), e.g. (sqrt -4).
    case complexResult(String)
    /// The exact result would be absurdly large (more than `Num.maxBits` bits): SBCL would
    /// exhaust its heap; we signal a STORAGE-CONDITION instead of trying.
    case tooLarge
}

// MARK: - float/rational conversion helpers

public enum NumConv {
    /// Correctly rounded n/d to a binary float with `p` significand bits, minimum normal exponent
    /// `minExp`; returns (mantissa, exponent) with value = mantissa * 2^exponent, or nil when zero.
    static func roundRatio(_ n0: BigInt, _ d0: BigInt, p: Int, minExp: Int) -> (neg: Bool, m: UInt64, e: Int)? {
        if n0.isZero { return nil }
        let neg = n0.negative != d0.negative
        let n = n0.abs(), d = d0.abs()
        let s = n.magnitudeBitWidth - d.magnitudeBitWidth
        let t = p + 3 - s
        let num = t >= 0 ? n.shiftedLeft(t) : n
        let den = t >= 0 ? d : d.shiftedLeft(-t)
        let (q, r) = num.quotientAndRemainder(dividingBy: den)
        let sticky = !r.isZero
        let qb = q.magnitudeBitWidth
        let E = qb - 1 - t
        let keep = E >= minExp ? p : p - (minExp - E)
        let drop = qb - keep
        var m: BigInt
        if drop <= 0 {
            m = q
            return (neg, UInt64(m.asInt!), -t)
        }
        m = q.shiftedRight(drop)
        let rem = q - m.shiftedLeft(drop)
        let half = BigInt.one.shiftedLeft(drop - 1)
        let c = BigInt.compare(rem, half)
        if c > 0 || (c == 0 && (sticky || m.isOdd)) { m = m + .one }
        return (neg, UInt64(m.asInt!), drop - t)
    }

    public static func ratioToDouble(_ n: BigInt, _ d: BigInt) -> Double {
        guard let (neg, m, e) = roundRatio(n, d, p: 53, minExp: -1022) else { return 0 }
        let v = e > 1100 ? Double.infinity : Double(sign: neg ? .minus : .plus, exponent: e, significand: Double(m))
        return neg && v.isInfinite ? -.infinity : v
    }

    public static func ratioToFloat(_ n: BigInt, _ d: BigInt) -> Float {
        guard let (neg, m, e) = roundRatio(n, d, p: 24, minExp: -126) else { return 0 }
        let v = e > 200 ? Float.infinity : Float(sign: neg ? .minus : .plus, exponent: e, significand: Float(m))
        return neg && v.isInfinite ? -.infinity : v
    }

    /// CL INTEGER-DECODE-FLOAT (SBCL: subnormals not normalised, zero gives (0, -1074/-149)).
    public static func integerDecode(_ x: Double) -> (BigInt, Int, Int) {
        let sign = x.sign == .minus ? -1 : 1
        let ef = Int(x.exponentBitPattern), frac = x.significandBitPattern
        if ef == 0 { return (BigInt(frac), -1074, sign) }
        return (BigInt(frac | (1 << 52)), ef - 1075, sign)
    }

    public static func integerDecode(_ x: Float) -> (BigInt, Int, Int) {
        let sign = x.sign == .minus ? -1 : 1
        let ef = Int(x.exponentBitPattern), frac = UInt64(x.significandBitPattern)
        if ef == 0 { return (BigInt(frac), -149, sign) }
        return (BigInt(frac | (1 << 23)), ef - 150, sign)
    }

    /// Exact rational value of a finite float (CL RATIONAL).
    public static func exactRational(_ f: BigInt, _ e: Int, _ sign: Int) -> Num {
        var f = f
        if sign < 0 { f.negate() }
        if e >= 0 { return Num.integer(f.shiftedLeft(e)) }
        return (try? Num.rational(f, BigInt.one.shiftedLeft(-e))) ?? .fixnum(0)
    }

    /// CL RATIONALIZE of a finite float (SBCL's algorithm: simplest rational within half an ulp).
    public static func rationalize(_ frac: BigInt, _ expo: Int, _ sign: Int) -> Num {
        if frac.isZero || expo >= 0 {
            var v = frac.shiftedLeft(max(expo, 0))
            if sign < 0 { v.negate() }
            return Num.integer(v)
        }
        // a = (2f-1)/2^(1-e), b = (2f+1)/2^(1-e), as (num, den) with den > 0
        let den0 = BigInt.one.shiftedLeft(1 - expo)
        var an = frac.shiftedLeft(1) - .one, ad = den0
        var bn = frac.shiftedLeft(1) + .one, bd = den0
        var p0 = BigInt.zero, q0 = BigInt.one, p1 = BigInt.one, q1 = BigInt.zero
        while true {
            let c = an.ceilingDiv(ad).quotient
            // c < b ?
            if c * bd < bn {
                var top = c * p1 + p0
                let bot = c * q1 + q0
                if sign < 0 { top.negate() }
                return (try? Num.rational(top, bot)) ?? .fixnum(0)
            }
            let k = c - .one
            let p2 = k * p1 + p0, q2 = k * q1 + q0
            // a' = 1/(b - k), b' = 1/(a - k)
            let na = (bd, bn - k * bd)
            let nb = (ad, an - k * ad)
            (an, ad) = na; (bn, bd) = nb
            p0 = p1; q0 = q1; p1 = p2; q1 = q2
        }
    }
}
