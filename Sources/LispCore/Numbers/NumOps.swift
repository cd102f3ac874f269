// Generic CL arithmetic over Num: contagion, exact rationals, SBCL's float traps (overflow,
// invalid, division by zero signal; underflow does not), SBCL's result types for
// transcendental functions (rational arguments give single-floats, computed in double).

#if canImport(Glibc)
import Glibc  // libm; no Foundation
#elseif canImport(Darwin)
import Darwin
#endif

extension Num {

    // MARK: float contagion

    /// If either operand is a float: both converted to the contagion format (double if either
    /// is double, else single), as Doubles, plus whether the result is double.
    @inline(__always)
    static func floatOperands(_ a: Num, _ b: Num) -> (Double, Double, Bool)? {
        switch (a, b) {
        case (.double(let x), .double(let y)): return (x, y, true)
        case (.single(let x), .single(let y)): return (Double(x), Double(y), false)
        case (.double(let x), _): return (x, b.asDouble, true)
        case (_, .double(let y)): return (a.asDouble, y, true)
        case (.single(let x), _): return (Double(x), Double(b.asFloat), false)
        case (_, .single(let y)): return (Double(a.asFloat), Double(y), false)
        default: return nil
        }
    }

    /// Box a double result in the right format, signalling SBCL's traps.
    @inline(__always)
    static func floatResult(_ r: Double, _ isDouble: Bool, _ x: Double, _ y: Double) throws(NumError) -> Num {
        if isDouble {
            if r.isInfinite && x.isFinite && y.isFinite { throw .floatingPointOverflow }
            if r.isNaN && !x.isNaN && !y.isNaN { throw .floatingPointInvalid }
            return .double(r)
        }
        let f = Float(r)
        if f.isInfinite && x.isFinite && y.isFinite { throw .floatingPointOverflow }
        if f.isNaN && !x.isNaN && !y.isNaN { throw .floatingPointInvalid }
        return .single(f)
    }

    /// A float result computed in double for a function of one argument: single unless the
    /// argument was a double (SBCL computes singles/rationals in double then coerces).
    static func unaryFloat(_ a: Num, _ f: (Double) -> Double) throws(NumError) -> Num {
        let isDouble: Bool
        if case .double = a { isDouble = true } else { isDouble = false }
        let x = try a.asDoubleCheckingOverflow()  // (sqrt (expt 10 400))
        let r = f(x)
        return try floatResult(r, isDouble, x, x)
    }

    /// `asDouble`, where a rational too large for a double overflows (SBCL) instead of becoming
    /// an infinity; floats convert as they are.
    @inline(__always)
    func asDoubleCheckingOverflow() throws(NumError) -> Double {
        let x = asDouble
        if !x.isFinite && isRational { throw .floatingPointOverflow }
        return x
    }

    /// `floatOperands` for arithmetic: a rational too large for the float format overflows on
    /// the conversion, as in SBCL (`(+ 1.0 (expt 10 40))`). Comparisons keep the infinite
    /// conversion, which orders correctly.
    @inline(__always)
    static func arithmeticFloatOperands(_ a: Num, _ b: Num) throws(NumError) -> (Double, Double, Bool)? {
        guard let r = floatOperands(a, b) else { return nil }
        if (!r.0.isFinite && a.isRational) || (!r.1.isFinite && b.isRational) { throw .floatingPointOverflow }
        return r
    }

    // MARK: + - * /

    public static func add(_ a: Num, _ b: Num) throws(NumError) -> Num {
        if case .fixnum(let x) = a, case .fixnum(let y) = b {
            let (r, o) = x.addingReportingOverflow(y)
            return o ? .bignum(BigInt(x) + BigInt(y)) : .fixnum(r)
        }
        if let (x, y, d) = try arithmeticFloatOperands(a, b) { return try floatResult(x + y, d, x, y) }
        return try ratOp(a, b) { an, ad, bn, bd in (an * bd + bn * ad, ad * bd) }
    }

    public static func sub(_ a: Num, _ b: Num) throws(NumError) -> Num {
        if case .fixnum(let x) = a, case .fixnum(let y) = b {
            let (r, o) = x.subtractingReportingOverflow(y)
            return o ? .bignum(BigInt(x) - BigInt(y)) : .fixnum(r)
        }
        if let (x, y, d) = try arithmeticFloatOperands(a, b) { return try floatResult(x - y, d, x, y) }
        return try ratOp(a, b) { an, ad, bn, bd in (an * bd - bn * ad, ad * bd) }
    }

    public static func mul(_ a: Num, _ b: Num) throws(NumError) -> Num {
        if case .fixnum(let x) = a, case .fixnum(let y) = b {
            let (r, o) = x.multipliedReportingOverflow(by: y)
            return o ? .bignum(BigInt(x) * BigInt(y)) : .fixnum(r)
        }
        if let (x, y, d) = try arithmeticFloatOperands(a, b) { return try floatResult(x * y, d, x, y) }
        return try ratOp(a, b) { an, ad, bn, bd in (an * bn, ad * bd) }
    }

    /// CL `/` of two numbers: exact for rationals; division by any zero signals.
    public static func div(_ a: Num, _ b: Num) throws(NumError) -> Num {
        if b.isZero { throw zeroDivisor(a, b) }
        if case .fixnum(let x) = a, case .fixnum(let y) = b, y != -1 || x != Int.min {
            if x % y == 0 { return .fixnum(x / y) }
        }
        if let (x, y, d) = try arithmeticFloatOperands(a, b) { return try floatResult(x / y, d, x, y) }
        return try ratOp(a, b) { an, ad, bn, bd in (an * bd, ad * bn) }
    }

    /// The error for a zero divisor: IEEE 0/0 is invalid, anything else division-by-zero.
    static func zeroDivisor(_ a: Num, _ b: Num) -> NumError {
        (a.isFloat || b.isFloat) && a.isZero ? .floatingPointInvalid : .divisionByZero
    }

    static func ratOp(_ a: Num, _ b: Num, _ f: (BigInt, BigInt, BigInt, BigInt) -> (BigInt, BigInt))
        throws(NumError) -> Num
    {
        guard let (an, ad) = a.ratParts else { throw .typeError(datum: a, expected: "NUMBER") }
        guard let (bn, bd) = b.ratParts else { throw .typeError(datum: b, expected: "NUMBER") }
        let (n, d) = f(an, ad, bn, bd)
        if d == .one { return integer(n) }
        return try rational(n, d)
    }

    public static func negate(_ a: Num) throws(NumError) -> Num {
        switch a {
        case .fixnum(let x): return x == Int.min ? .bignum(-BigInt(x)) : .fixnum(-x)
        case .bignum(let b): return integer(-b)
        case .ratio(let n, let d): return .ratio(-n, d)
        case .single(let f): return .single(-f)
        case .double(let d): return .double(-d)
        }
    }

    public static func reciprocal(_ a: Num) throws(NumError) -> Num { try div(.fixnum(1), a) }

    public static func abs(_ a: Num) -> Num {
        switch a {
        case .fixnum(let x): return x == Int.min ? .bignum(-BigInt(x)) : .fixnum(Swift.abs(x))
        case .bignum(let b): return .bignum(b.abs())
        case .ratio(let n, let d): return .ratio(n.abs(), d)
        case .single(let f): return .single(Swift.abs(f))
        case .double(let d): return .double(Swift.abs(d))
        }
    }

    /// CL SIGNUM: integers/ratios -> -1/0/1; floats keep their format (and -0.0).
    public static func signum(_ a: Num) -> Num {
        switch a {
        case .fixnum, .bignum, .ratio: return .fixnum(a.sign)
        case .single(let f): return f == 0 || f.isNaN ? a : .single(f > 0 ? 1 : -1)
        case .double(let d): return d == 0 || d.isNaN ? a : .double(d > 0 ? 1 : -1)
        }
    }

    // MARK: comparison

    /// Exact CL comparison: -1, 0, 1; nil when unordered (NaN).
    public static func compare(_ a: Num, _ b: Num) -> Int? {
        switch (a, b) {
        case (.fixnum(let x), .fixnum(let y)): return x < y ? -1 : (x == y ? 0 : 1)
        case (.double(let x), .double(let y)): return cmpD(x, y)
        case (.single(let x), .single(let y)): return cmpD(Double(x), Double(y))
        case (.single(let x), .double(let y)): return cmpD(Double(x), y)
        case (.double(let x), .single(let y)): return cmpD(x, Double(y))
        case (.fixnum(let x), .double(let y)) where x.magnitude < (1 << 53): return cmpD(Double(x), y)
        case (.double(let x), .fixnum(let y)) where y.magnitude < (1 << 53): return cmpD(x, Double(y))
        case (.fixnum(let x), .single(let y)) where x.magnitude < (1 << 53): return cmpD(Double(x), Double(y))
        case (.single(let x), .fixnum(let y)) where y.magnitude < (1 << 53): return cmpD(Double(x), Double(y))
        default: break
        }
        if a.isFloat || b.isFloat {
            // float vs rational: exact, via the float's rational value
            if a.isFloat {
                let x = a.asDouble
                if x.isNaN { return nil }
                if x.isInfinite { return x > 0 ? 1 : -1 }
                return compare(rational(a), b)
            } else {
                let y = b.asDouble
                if y.isNaN { return nil }
                if y.isInfinite { return y > 0 ? -1 : 1 }
                return compare(a, rational(b))
            }
        }
        let (an, ad) = a.ratParts!, (bn, bd) = b.ratParts!
        if ad == .one && bd == .one { return BigInt.compare(an, bn) }
        return BigInt.compare(an * bd, bn * ad)
    }

    @inline(__always)
    static func cmpD(_ x: Double, _ y: Double) -> Int? {
        x < y ? -1 : (x == y ? 0 : (x > y ? 1 : nil))
    }

    /// CL `=`.
    public static func numEqual(_ a: Num, _ b: Num) -> Bool { compare(a, b) == 0 }

    // MARK: integer division family

    public enum Rounding: Sendable { case truncate, floor, ceiling, round }

    /// CL TRUNCATE/FLOOR/CEILING/ROUND with a divisor: (integer quotient, remainder).
    public static func divide(_ a: Num, _ b: Num, _ mode: Rounding) throws(NumError) -> (Num, Num) {
        if b.isZero { throw zeroDivisor(a, b) }
        if case .fixnum(let x) = a, case .fixnum(let y) = b, !(x == Int.min && y == -1) {
            var q = x / y, r = x % y
            if r != 0 {
                switch mode {
                case .truncate: break
                case .floor: if (r < 0) != (y < 0) { q -= 1; r += y }
                case .ceiling: if (r < 0) == (y < 0) { q += 1; r -= y }
                case .round:
                    let twice = r.magnitude << 1, ay = y.magnitude  // |r| < |y| <= 2^63: no overflow
                    if twice > ay || (twice == ay && q & 1 != 0) {
                        if (x < 0) == (y < 0) { q += 1; r -= y } else { q -= 1; r += y }
                    }
                }
            }
            return (.fixnum(q), .fixnum(r))
        }
        if let (x, y, isD) = floatOperands(a, b) {
            // SBCL: q = truncate(number / divisor) in the float format,
            // r = number - float(q) * divisor, all in that format.
            let qf = try floatResult(x / y, isD, x, y).asDouble
            guard qf.isFinite else { throw .floatingPointInvalid }
            let tq = qf.rounded(.towardZero) + 0.0  // an integer has no negative zero
            let prod = isD ? tq * y : Double(Float(tq * y))
            let r = isD ? x - prod : Double(Float(x - prod))
            let rn: Num = isD ? .double(r) : .single(Float(r))
            return try adjust(.integer(BigInt(truncating: tq)!), rn, a, b, mode)
        }
        guard let (an, ad) = a.ratParts else { throw .typeError(datum: a, expected: "REAL") }
        guard let (bn, bd) = b.ratParts else { throw .typeError(datum: b, expected: "REAL") }
        let num = an * bd, den = ad * bn
        let q: BigInt
        switch mode {
        case .truncate: q = num.quotientAndRemainder(dividingBy: den).quotient
        case .floor: q = num.floorDiv(den).quotient
        case .ceiling: q = num.ceilingDiv(den).quotient
        case .round: q = num.roundDiv(den).quotient
        }
        // remainder = a - q*b exactly
        let r = try sub(a, try mul(.integer(q), b))
        return (.integer(q), r)
    }

    /// SBCL's FLOOR/CEILING/ROUND adjustments of a truncation (float case).
    static func adjust(_ q: Num, _ r: Num, _ number: Num, _ divisor: Num, _ mode: Rounding) throws(NumError) -> (Num, Num) {
        if mode == .truncate || r.isZero { return (q, r) }
        let one = Num.fixnum(1)
        switch mode {
        case .truncate: return (q, r)
        case .floor:
            if divisor.sign < 0 ? number.sign > 0 : number.sign < 0 {
                return (try sub(q, one), try add(r, divisor))
            }
            return (q, r)
        case .ceiling:
            if divisor.sign < 0 ? number.sign < 0 : number.sign > 0 {
                return (try add(q, one), try sub(r, divisor))
            }
            return (q, r)
        case .round:
            let thresh = try div(abs(divisor), .fixnum(2))
            let odd: Bool
            switch q { case .fixnum(let i): odd = i & 1 != 0; case .bignum(let b): odd = b.isOdd; default: odd = false }
            let c1 = compare(r, thresh) ?? 0
            if c1 > 0 || (c1 == 0 && odd) {
                return divisor.sign < 0 ? (try sub(q, one), try add(r, divisor)) : (try add(q, one), try sub(r, divisor))
            }
            let c2 = compare(r, try negate(thresh)) ?? 0
            if c2 < 0 || (c2 == 0 && odd) {
                return divisor.sign < 0 ? (try add(q, one), try sub(r, divisor)) : (try sub(q, one), try add(r, divisor))
            }
            return (q, r)
        }
    }

    /// FFLOOR etc.: the quotient as a float (format of the float contagion of the arguments,
    /// single for rationals), the remainder as for FLOOR. A zero quotient of a negative float
    /// ratio is -0.0 for FTRUNCATE (SBCL).
    public static func fdivide(_ a: Num, _ b: Num, _ mode: Rounding) throws(NumError) -> (Num, Num) {
        let (q, r) = try divide(a, b, mode)
        let isD: Bool
        if case .double = a { isD = true } else if case .double = b { isD = true } else { isD = false }
        var qd = q.asDouble
        if qd == 0 && mode != .round && (a.isFloat || b.isFloat) && (a.asDouble / b.asDouble).sign == .minus {
            qd = -0.0
        }
        // SBCL computes the remainder from the float quotient: a zero remainder is +0.0
        // (FROUND goes through ROUND and keeps it)
        var rr = r
        if mode != .round, case .single(let f) = r, f == 0 { rr = .single(0) }
        if mode != .round, case .double(let d) = r, d == 0 { rr = .double(0) }
        return (isD ? .double(qd) : .single(Float(qd)), rr)
    }

    public static func mod(_ a: Num, _ b: Num) throws(NumError) -> Num { try divide(a, b, .floor).1 }
    public static func rem(_ a: Num, _ b: Num) throws(NumError) -> Num { try divide(a, b, .truncate).1 }

    // MARK: gcd / lcm / isqrt

    static func needInteger(_ a: Num) throws(NumError) -> BigInt {
        guard let b = a.bigValue else { throw .typeError(datum: a, expected: "INTEGER") }
        return b
    }

    public static func gcd(_ a: Num, _ b: Num) throws(NumError) -> Num {
        if case .fixnum(let xa) = a, case .fixnum(let ya) = b, xa != Int.min, ya != Int.min {
            var x = Swift.abs(xa), y = Swift.abs(ya)
            while y != 0 { (x, y) = (y, x % y) }
            return .fixnum(x)
        }
        return integer(BigInt.gcd(try needInteger(a), try needInteger(b)))
    }

    public static func lcm(_ a: Num, _ b: Num) throws(NumError) -> Num {
        integer(BigInt.lcm(try needInteger(a), try needInteger(b)))
    }

    public static func isqrt(_ a: Num) throws(NumError) -> Num {
        let b = try needInteger(a)
        if b.negative { throw .typeError(datum: a, expected: "UNSIGNED-BYTE") }
        return integer(b.isqrt())
    }

    // MARK: expt

    public static func expt(_ base: Num, _ power: Num) throws(NumError) -> Num {
        if power.isZero {
            // SBCL: (1+ (* base power)) -> 1, 1.0 or 1.0d0; 0.0^0.0 is out of domain
            if base.isZero && power.isFloat { throw .floatingPointInvalid }
            return try add(.fixnum(1), try mul(base, power))
        }
        if power.isInteger && base.isRational {
            return try intexp(base, power.bigValue!)
        }
        // SBCL REAL-EXPT: computed in double; the result format is the base's when the power is
        // rational, else the float contagion of both.
        let isD: Bool
        if case .double = base { isD = true } else if case .double = power { isD = true } else { isD = false }
        let x = base.asDouble, y = power.asDouble
        if x.isNaN || y.isNaN { return try floatResult(x + y, isD, x, y) }
        // is y an integer, and odd?
        let yInt = y.rounded(.towardZero) == y
        let yOdd = yInt && Swift.abs(y) < 9007199254740992.0 && Int64(y) & 1 != 0
        let ax = Swift.abs(x)
        var z: Double
        if ax == 0 || ax == 1 || ax.isInfinite {
            if x < 0 || (x == 0 && x.sign == .minus) {
                if ax == 1 && !yInt { throw .complexResult("EXPT of a negative number to a non-integer power") }
            }
            if y < 0 {
                if ax == 0 { throw .divisionByZero }
                z = 1 / ax
            } else { z = ax }
            if x.sign == .minus && yOdd { z = -z }
        } else if x > 0 {
            z = pow(x, y)
        } else {
            if !yInt { throw .complexResult("EXPT of a negative number to a non-integer power") }
            z = pow(ax, y)
            if yOdd { z = -z }
        }
        return try floatResult(z, isD, x, y)
    }

    /// SBCL INTEXP: repeated squaring in the base's own arithmetic.
    static func intexp(_ base0: Num, _ power0: BigInt) throws(NumError) -> Num {
        if power0.negative {
            if base0.isZero { throw .divisionByZero }
            return try reciprocal(try intexp(base0, -power0))
        }
        if base0.isRational, let p = power0.asInt {
            // estimated result size: bits(base) * p
            var bits = 0
            switch base0 {
            case .fixnum(let v): bits = v == 0 || v == 1 || v == -1 ? 0 : 64 - v.magnitude.leadingZeroBitCount - 1
            case .bignum(let b): bits = b.magnitudeBitWidth
            case .ratio(let n, let d): bits = Swift.max(n.magnitudeBitWidth, d.magnitudeBitWidth)
            default: break
            }
            if bits > 0 && p.multipliedReportingOverflow(by: bits).overflow || bits * p > Num.maxBits { throw .tooLarge }
        }
        if case .fixnum(2) = base0, let p = power0.asInt { return integer(BigInt.one.shiftedLeft(p)) }
        if base0.isRational, let p = power0.asInt {
            switch base0 {
            case .fixnum, .bignum: return integer(base0.bigValue!.power(p))
            case .ratio(let n, let d): return .ratio(n.power(p), d.power(p))
            default: break
            }
        }
        if base0.isRational {
            // exponent beyond Int: only 0, 1, -1 bases are representable
            if case .fixnum(let v) = base0, v == 0 || v == 1 { return base0 }
            if case .fixnum(-1) = base0 { return .fixnum(power0.isOdd ? -1 : 1) }
            throw .tooLarge
        }
        var base = base0
        var power = power0
        var total: Num = power.isOdd ? base : .fixnum(1)
        // float base: same products as SBCL's INTEXP, without its final unused squaring
        while true {
            power = power.shiftedRight(1)
            if power.isZero { return total }
            base = try mul(base, base)
            if power.isOdd { total = try mul(base, total) }
        }
    }

    // MARK: float functions

    public static func sqrt(_ a: Num) throws(NumError) -> Num {
        let x = a.asDouble
        if x < 0 { throw .complexResult("SQRT of a negative number") }
        return try unaryFloat(a) { $0.squareRoot() }
    }

    public static func exp(_ a: Num) throws(NumError) -> Num { try unaryFloat(a) { Glibc.exp($0) } }

    /// SBCL LOG2/NONNEGATIVE-INTEGER.
    static func log2Integer(_ b: BigInt) -> Double {
        if let i = b.asInt { return Glibc.log2(Double(i)) }
        let n = b.magnitudeBitWidth
        let f = b.shiftedRight(n - 53)
        return Double(n) + Glibc.log2(Double(sign: .plus, exponent: -53, significand: f.toDouble()))
    }

    /// log2 of a non-negative rational (SBCL LOG2/NONNEGATIVE-RATIONAL).
    static func log2Rational(_ a: Num) -> Double {
        switch a {
        case .ratio(let n, let d): return log2Integer(n) - log2Integer(d)
        default: return log2Integer(a.bigValue!)
        }
    }

    static let log2e = 1.4426950408889634

    /// CL LOG with one argument (SBCL 2.2.x): rationals give single-floats.
    public static func log(_ a: Num) throws(NumError) -> Num {
        switch a {
        case .fixnum, .bignum:
            if a.isZero { throw .divisionByZero }
            if a.sign < 0 { throw .complexResult("LOG of a negative number") }
            return .single(Float(log2Integer(a.bigValue!) / log2e))
        case .ratio(let n, let d):
            if n.negative { throw .complexResult("LOG of a negative number") }
            let diff = n.integerLength - d.integerLength
            if diff >= -1 && diff <= 1,
               (compare(a, .ratio(BigInt(3), BigInt(4))) ?? 0) >= 0,
               (compare(a, .ratio(BigInt(5), BigInt(4))) ?? 0) <= 0 {
                return .single(Float(log1p((try sub(a, .fixnum(1))).asDouble)))
            }
            return .single(Float((log2Integer(n) - log2Integer(d)) / log2e))
        case .single(let f):
            if f < 0 { throw .complexResult("LOG of a negative number") }
            if f == 0 { throw .divisionByZero }  // also -0.0 (SBCL 2.2.9)
            return .single(Float(Glibc.log(Double(f))))
        case .double(let d):
            if d < 0 { throw .complexResult("LOG of a negative number") }
            if d == 0 { throw .divisionByZero }
            return .double(Glibc.log(d))
        }
    }

    /// Natural log in double of a positive rational of any size.
    static func lnRational(_ a: Num) -> Double {
        if case .bignum(let b) = a, b.magnitudeBitWidth > 1000 { return log2Rational(a) / log2e }
        if case .ratio = a { return log2Rational(a) / log2e }
        return Glibc.log(a.asDouble)
    }

    /// CL (log number base), following SBCL 2.2.9: a double and an integer are combined in
    /// double precision, everything else is (/ (log number) (log base)).
    public static func log(_ a: Num, base: Num) throws(NumError) -> Num {
        if base.isZero {
            if case .double = a { return .double(0) }
            if case .double = base { return .double(0) }
            return .single(0)
        }
        if a.isInteger, case .double(let bd) = base {
            if a.isZero { throw .divisionByZero }
            if a.sign < 0 || bd < 0 { throw .complexResult("LOG of a negative number") }
            return try floatResult(lnRational(a) / Glibc.log(bd), true, 1, bd == 1 ? .infinity : 1)
        }
        if case .double(let ad) = a, base.isInteger {
            if base.sign < 0 || ad < 0 { throw .complexResult("LOG of a negative number") }
            if ad == 0 { throw .divisionByZero }
            let lb = lnRational(base)
            if lb == 0 { throw .divisionByZero }
            return .double(Glibc.log(ad) / lb)
        }
        return try div(try log(a), try log(base))
    }

    public static func sin(_ a: Num) throws(NumError) -> Num { try unaryFloat(a) { Glibc.sin($0) } }
    public static func cos(_ a: Num) throws(NumError) -> Num { try unaryFloat(a) { Glibc.cos($0) } }
    public static func tan(_ a: Num) throws(NumError) -> Num { try unaryFloat(a) { Glibc.tan($0) } }
    public static func sinh(_ a: Num) throws(NumError) -> Num { try unaryFloat(a) { Glibc.sinh($0) } }
    public static func cosh(_ a: Num) throws(NumError) -> Num { try unaryFloat(a) { Glibc.cosh($0) } }
    public static func tanh(_ a: Num) throws(NumError) -> Num { try unaryFloat(a) { Glibc.tanh($0) } }

    public static func asin(_ a: Num) throws(NumError) -> Num {
        if Swift.abs(a.asDouble) > 1 { throw .complexResult("ASIN outside [-1, 1]") }
        return try unaryFloat(a) { Glibc.asin($0) }
    }
    public static func acos(_ a: Num) throws(NumError) -> Num {
        if Swift.abs(a.asDouble) > 1 { throw .complexResult("ACOS outside [-1, 1]") }
        return try unaryFloat(a) { Glibc.acos($0) }
    }
    public static func atan(_ a: Num) throws(NumError) -> Num { try unaryFloat(a) { Glibc.atan($0) } }

    /// (atan y x)
    public static func atan(_ y: Num, _ x: Num) throws(NumError) -> Num {
        let isD: Bool
        if case .double = y { isD = true } else if case .double = x { isD = true } else { isD = false }
        let yy = try y.asDoubleCheckingOverflow(), xx = try x.asDoubleCheckingOverflow()
        return try floatResult(atan2(yy, xx), isD, yy, xx)
    }

    // MARK: float / rational conversion

    /// CL FLOAT with no prototype: floats unchanged, rationals to single.
    public static func float(_ a: Num) throws(NumError) -> Num {
        if a.isFloat { return a }
        let f = a.asFloat
        if f.isInfinite { throw .floatingPointOverflow }
        return .single(f)
    }

    /// CL FLOAT with a prototype (or COERCE): `double` selects double-float.
    public static func float(_ a: Num, double: Bool) throws(NumError) -> Num {
        if double {
            if case .double = a { return a }
            let d = a.asDouble
            if d.isInfinite && a.isRational { throw .floatingPointOverflow }
            return .double(d)
        }
        if case .single = a { return a }
        let f = a.asFloat
        if f.isInfinite && a.asDouble.isFinite { throw .floatingPointOverflow }
        return .single(f)
    }

    /// CL RATIONAL (exact).
    public static func rational(_ a: Num) -> Num {
        switch a {
        case .single(let f):
            let (m, e, s) = NumConv.integerDecode(f); return NumConv.exactRational(m, e, s)
        case .double(let d):
            let (m, e, s) = NumConv.integerDecode(d); return NumConv.exactRational(m, e, s)
        default: return a
        }
    }

    /// CL RATIONALIZE.
    public static func rationalize(_ a: Num) -> Num {
        switch a {
        case .single(let f):
            let (m, e, s) = NumConv.integerDecode(f); return NumConv.rationalize(m, e, s)
        case .double(let d):
            let (m, e, s) = NumConv.integerDecode(d); return NumConv.rationalize(m, e, s)
        default: return a
        }
    }

    public static func numerator(_ a: Num) throws(NumError) -> Num {
        switch a {
        case .ratio(let n, _): return integer(n)
        case .fixnum, .bignum: return a
        default: throw .typeError(datum: a, expected: "RATIONAL")
        }
    }

    public static func denominator(_ a: Num) throws(NumError) -> Num {
        switch a {
        case .ratio(_, let d): return integer(d)
        case .fixnum, .bignum: return .fixnum(1)
        default: throw .typeError(datum: a, expected: "RATIONAL")
        }
    }

    // MARK: logical operations (integers)

    public static func logand(_ a: Num, _ b: Num) throws(NumError) -> Num {
        if case .fixnum(let x) = a, case .fixnum(let y) = b { return .fixnum(x & y) }
        return integer(try needInteger(a) & needInteger(b))
    }
    public static func logior(_ a: Num, _ b: Num) throws(NumError) -> Num {
        if case .fixnum(let x) = a, case .fixnum(let y) = b { return .fixnum(x | y) }
        return integer(try needInteger(a) | needInteger(b))
    }
    public static func logxor(_ a: Num, _ b: Num) throws(NumError) -> Num {
        if case .fixnum(let x) = a, case .fixnum(let y) = b { return .fixnum(x ^ y) }
        return integer(try needInteger(a) ^ needInteger(b))
    }
    public static func lognot(_ a: Num) throws(NumError) -> Num {
        if case .fixnum(let x) = a { return .fixnum(~x) }
        return integer(~(try needInteger(a)))
    }

    /// CL ASH.
    public static func ash(_ a: Num, _ count: Num) throws(NumError) -> Num {
        let n = try needInteger(count)
        guard let c = n.asInt else {
            let v = try needInteger(a)
            if n.negative || v.isZero { return .fixnum(v.negative ? -1 : 0) }
            throw .tooLarge
        }
        if case .fixnum(let x) = a {
            if c <= 0 { return .fixnum(c <= -64 ? (x < 0 ? -1 : 0) : x >> -c) }
            if c < 63 && x != 0 {
                let shifted = x << c
                if shifted >> c == x { return .fixnum(shifted) }
            }
            if x == 0 { return .fixnum(0) }
        }
        let v = try needInteger(a)
        if c > 0 && !v.isZero && v.magnitudeBitWidth + c > Num.maxBits { throw .tooLarge }
        return integer(v.ash(c))
    }

    public static func integerLength(_ a: Num) throws(NumError) -> Int {
        if case .fixnum(let x) = a { return 64 - (x < 0 ? ~x : x).leadingZeroBitCount }
        return try needInteger(a).integerLength
    }

    public static func logcount(_ a: Num) throws(NumError) -> Int {
        if case .fixnum(let x) = a { return (x < 0 ? ~x : x).nonzeroBitCount }
        return try needInteger(a).logcount
    }

    public static func logbitp(_ index: Num, _ a: Num) throws(NumError) -> Bool {
        let i = try needInteger(index)
        guard !i.negative else { throw .typeError(datum: index, expected: "UNSIGNED-BYTE") }
        guard let ii = i.asInt else { return try needInteger(a).negative }
        if case .fixnum(let x) = a { return ii >= 63 ? x < 0 : (x >> ii) & 1 == 1 }
        return try needInteger(a).logbitp(ii)
    }

    // MARK: byte specifiers (size, position)

    static func byteMask(_ size: Int) -> BigInt { BigInt.one.shiftedLeft(size) - .one }

    /// CL LDB.
    public static func ldb(size: Int, position: Int, _ a: Num) throws(NumError) -> Num {
        if case .fixnum(let x) = a, size < 63, position < 64 {
            return .fixnum((x >> position) & ((1 << size) - 1))
        }
        let v = try needInteger(a)
        return integer(v.shiftedRight(position) & byteMask(size))
    }

    public static func ldbTest(size: Int, position: Int, _ a: Num) throws(NumError) -> Bool {
        !(try ldb(size: size, position: position, a)).isZero
    }

    /// CL MASK-FIELD.
    public static func maskField(size: Int, position: Int, _ a: Num) throws(NumError) -> Num {
        let v = try needInteger(a)
        return integer(v & byteMask(size).shiftedLeft(position))
    }

    /// CL DPB: newbyte's low `size` bits replace that field of a.
    public static func dpb(_ newByte: Num, size: Int, position: Int, _ a: Num) throws(NumError) -> Num {
        let nb = try needInteger(newByte), v = try needInteger(a)
        let mask = byteMask(size).shiftedLeft(position)
        return integer((v & ~mask) | (nb.shiftedLeft(position) & mask))
    }

    /// CL DEPOSIT-FIELD: the field of newbyte (in place) replaces that of a.
    public static func depositField(_ newByte: Num, size: Int, position: Int, _ a: Num) throws(NumError) -> Num {
        let nb = try needInteger(newByte), v = try needInteger(a)
        let mask = byteMask(size).shiftedLeft(position)
        return integer((v & ~mask) | (nb & mask))
    }

    // MARK: predicates

    public static func isEven(_ a: Num) throws(NumError) -> Bool {
        if case .fixnum(let x) = a { return x & 1 == 0 }
        return try needInteger(a).isEven
    }

    /// CL MAX/MIN keep the first of equal arguments and apply no contagion (SBCL).
    public static func max(_ a: Num, _ b: Num) -> Num { (compare(b, a) ?? 0) > 0 ? b : a }
    public static func min(_ a: Num, _ b: Num) -> Num { (compare(b, a) ?? 0) < 0 ? b : a }
}

// MARK: - printing

public enum NumPrint {
    /// Integer in `base` (2...36) with *print-radix* handling as SBCL: base 10 -> "10.",
    /// 2/8/16 -> "#b" "#o" "#x" prefixes, other bases "#NrXX".
    public static func integer(_ b: BigInt, base: Int = 10, radix: Bool = false) -> String {
        let digits = b.toString(radix: base)
        guard radix else { return digits }
        if base == 10 { return digits + "." }
        return prefix(base) + digits
    }

    public static func integer(_ i: Int, base: Int = 10, radix: Bool = false) -> String {
        let digits = String(i, radix: base, uppercase: true)
        guard radix else { return digits }
        if base == 10 { return digits + "." }
        return prefix(base) + digits
    }

    static func prefix(_ base: Int) -> String {
        switch base {
        case 2: return "#b"
        case 8: return "#o"
        case 16: return "#x"
        default: return "#\(base)r"
        }
    }

    /// Ratio n/d in `base`; with radix: "#x1/F", base 10 -> "#10r1/3".
    public static func ratio(_ n: BigInt, _ d: BigInt, base: Int = 10, radix: Bool = false) -> String {
        let s = n.toString(radix: base) + "/" + d.toString(radix: base)
        return radix ? prefix(base) + s : s
    }

    /// PRIN1 of any Num (*read-default-float-format* single-float unless told otherwise).
    public static func prin1(_ a: Num, base: Int = 10, radix: Bool = false, defaultIsDouble: Bool = false) -> String {
        switch a {
        case .fixnum(let i): return integer(i, base: base, radix: radix)
        case .bignum(let b): return integer(b, base: base, radix: radix)
        case .ratio(let n, let d): return ratio(n, d, base: base, radix: radix)
        case .single(let f): return FloatFormat.prin1(f, defaultIsDouble: defaultIsDouble)
        case .double(let d): return FloatFormat.prin1(d, defaultIsDouble: defaultIsDouble)
        }
    }
}
