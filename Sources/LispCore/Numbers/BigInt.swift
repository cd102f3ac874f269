// BigInt: arbitrary-precision signed integers with Common Lisp semantics.
//
// Representation: sign + magnitude. `mag` holds little-endian 64-bit limbs with no high zero
// limbs; zero is `mag == []` with `negative == false`. Self-contained: depends on nothing else
// in LispCore and uses no Foundation.

#if canImport(Glibc)
import Glibc  // libm (rounding, sqrt); no Foundation
#elseif canImport(Darwin)
import Darwin
#endif

public struct BigInt: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// True for negative numbers (never for zero).
    public private(set) var negative: Bool
    /// Magnitude, little-endian limbs, normalised (no high zero limbs).
    public private(set) var mag: [UInt64]

    // MARK: construction

    public static let zero = BigInt(negative: false, mag: [])
    public static let one = BigInt(1)

    init(negative: Bool, mag: [UInt64]) {
        var m = mag
        while let last = m.last, last == 0 { m.removeLast() }
        self.negative = m.isEmpty ? false : negative
        self.mag = m
    }

    public init(_ v: Int) {
        if v == 0 {
            negative = false; mag = []
        } else {
            negative = v < 0
            mag = [UInt64(v.magnitude)]
        }
    }

    public init(_ v: UInt64) {
        negative = false
        mag = v == 0 ? [] : [v]
    }

    /// Exact truncation of a finite double toward zero (CL `truncate` of a float). Returns nil
    /// for NaN or infinity.
    public init?(truncating d: Double) {
        guard d.isFinite else { return nil }
        let t = d.rounded(.towardZero)
        if t == 0 { self = .zero; return }
        let neg = t < 0
        let a = Swift.abs(t)
        // a = significand * 2^(exponent - 52)
        let exp = Int(a.exponent)
        let sig = a.significandBitPattern | (1 << 52)
        var r = BigInt(sig)
        let shift = exp - 52
        r = shift >= 0 ? r.shiftedLeft(shift) : r.shiftedRight(-shift)
        if neg { r.negate() }
        self = r
    }

    /// Exact value of an integral double, nil if not integral or not finite.
    public init?(exactly d: Double) {
        guard d.isFinite, d.rounded(.towardZero) == d else { return nil }
        self.init(truncating: d)
    }

    // MARK: basic queries

    public var isZero: Bool { mag.isEmpty }
    public var signum: Int { mag.isEmpty ? 0 : (negative ? -1 : 1) }
    public var isOdd: Bool { !mag.isEmpty && (mag[0] & 1) == 1 }
    public var isEven: Bool { !isOdd }

    /// The value as an Int if it fits, else nil.
    public var asInt: Int? {
        switch mag.count {
        case 0: return 0
        case 1:
            let m = mag[0]
            if negative {
                if m <= UInt64(Int.max) { return -Int(m) }
                if m == UInt64(Int.max) + 1 { return Int.min }
                return nil
            }
            return m <= UInt64(Int.max) ? Int(m) : nil
        default: return nil
        }
    }

    /// Same as `asInt` (CL-ish name).
    public func toInt() -> Int? { asInt }

    /// True when the value fits in a fixnum (Int); the caller should demote it.
    public var fitsInt: Bool { asInt != nil }

    /// Number of bits in the magnitude (0 for zero).
    public var magnitudeBitWidth: Int {
        guard let last = mag.last else { return 0 }
        return mag.count * 64 - last.leadingZeroBitCount
    }

    /// Correctly rounded (round-half-even) conversion; overflow gives +/-infinity.
    public func toDouble() -> Double {
        let n = magnitudeBitWidth
        var result: Double
        if n == 0 { return 0 }
        if n <= 64 {
            result = Double(mag[0])
        } else {
            // top 64 bits plus a sticky bit folded into bit 0 (11 bits below the rounding point)
            let shift = n - 64
            var top = BigInt.extractBits(mag, from: shift)
            if BigInt.anyBitsBelow(mag, shift) { top |= 1 }
            let d = Double(top)
            if shift > 2000 { result = .infinity } else {
                result = Double(sign: .plus, exponent: shift, significand: d)
            }
        }
        return negative ? -result : result
    }

    /// Correctly rounded conversion to single-float.
    public func toFloat() -> Float {
        let n = magnitudeBitWidth
        var result: Float
        if n == 0 { return 0 }
        if n <= 64 {
            result = Float(mag[0])
        } else {
            let shift = n - 64
            var top = BigInt.extractBits(mag, from: shift)
            if BigInt.anyBitsBelow(mag, shift) { top |= 1 }
            if shift > 400 { result = .infinity } else {
                result = Float(sign: .plus, exponent: shift, significand: Float(top))
            }
        }
        return negative ? -result : result
    }

    /// 64 bits of the magnitude starting at bit `from`.
    static func extractBits(_ m: [UInt64], from: Int) -> UInt64 {
        let li = from / 64, bi = from % 64
        let lo = li < m.count ? m[li] : 0
        if bi == 0 { return lo }
        let hi = li + 1 < m.count ? m[li + 1] : 0
        return (lo >> UInt64(bi)) | (hi << UInt64(64 - bi))
    }

    static func anyBitsBelow(_ m: [UInt64], _ bit: Int) -> Bool {
        let li = bit / 64, bi = bit % 64
        for i in 0..<min(li, m.count) where m[i] != 0 { return true }
        if bi > 0 && li < m.count && (m[li] & ((1 << UInt64(bi)) - 1)) != 0 { return true }
        return false
    }

    // MARK: comparison

    static func compareMag(_ a: [UInt64], _ b: [UInt64]) -> Int {
        if a.count != b.count { return a.count < b.count ? -1 : 1 }
        var i = a.count - 1
        while i >= 0 {
            if a[i] != b[i] { return a[i] < b[i] ? -1 : 1 }
            i -= 1
        }
        return 0
    }

    /// -1, 0, 1
    public static func compare(_ a: BigInt, _ b: BigInt) -> Int {
        if a.negative != b.negative { return a.negative ? -1 : 1 }
        let c = compareMag(a.mag, b.mag)
        return a.negative ? -c : c
    }

    public static func < (a: BigInt, b: BigInt) -> Bool { compare(a, b) < 0 }

    // MARK: magnitude arithmetic

    static func addMag(_ a: [UInt64], _ b: [UInt64]) -> [UInt64] {
        let (x, y) = a.count >= b.count ? (a, b) : (b, a)
        var r = [UInt64](repeating: 0, count: x.count + 1)
        var carry: UInt64 = 0
        for i in 0..<x.count {
            let (s1, o1) = x[i].addingReportingOverflow(i < y.count ? y[i] : 0)
            let (s2, o2) = s1.addingReportingOverflow(carry)
            r[i] = s2
            carry = (o1 ? 1 : 0) + (o2 ? 1 : 0)
        }
        r[x.count] = carry
        if carry == 0 { r.removeLast() }
        return r
    }

    /// a - b, requires |a| >= |b|
    static func subMag(_ a: [UInt64], _ b: [UInt64]) -> [UInt64] {
        var r = a
        var borrow: UInt64 = 0
        for i in 0..<a.count {
            let (d1, o1) = a[i].subtractingReportingOverflow(i < b.count ? b[i] : 0)
            let (d2, o2) = d1.subtractingReportingOverflow(borrow)
            r[i] = d2
            borrow = (o1 ? 1 : 0) + (o2 ? 1 : 0)
            if i >= b.count && borrow == 0 { break }
        }
        while let l = r.last, l == 0 { r.removeLast() }
        return r
    }

    static func mulMag(_ a: [UInt64], _ b: [UInt64]) -> [UInt64] {
        if a.isEmpty || b.isEmpty { return [] }
        if a.count >= 48 && b.count >= 48 { return karatsuba(a, b) }
        var r = [UInt64](repeating: 0, count: a.count + b.count)
        r.withUnsafeMutableBufferPointer { rp in
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    for i in 0..<ap.count {
                        let ai = ap[i]
                        if ai == 0 { continue }
                        var carry: UInt64 = 0
                        for j in 0..<bp.count {
                            let (hi, lo) = ai.multipliedFullWidth(by: bp[j])
                            let (s1, o1) = lo.addingReportingOverflow(rp[i + j])
                            let (s2, o2) = s1.addingReportingOverflow(carry)
                            rp[i + j] = s2
                            carry = hi &+ (o1 ? 1 : 0) &+ (o2 ? 1 : 0)
                        }
                        rp[i + bp.count] = carry
                    }
                }
            }
        }
        while let l = r.last, l == 0 { r.removeLast() }
        return r
    }

    static func karatsuba(_ a: [UInt64], _ b: [UInt64]) -> [UInt64] {
        let half = (max(a.count, b.count) + 1) / 2
        func split(_ x: [UInt64]) -> ([UInt64], [UInt64]) {
            if x.count <= half { return (x, []) }
            var lo = Array(x[0..<half]); while let l = lo.last, l == 0 { lo.removeLast() }
            return (lo, Array(x[half...]))
        }
        let (a0, a1) = split(a), (b0, b1) = split(b)
        let z0 = mulMag(a0, b0)
        let z2 = mulMag(a1, b1)
        let z1full = mulMag(addMag(a0, a1), addMag(b0, b1))
        let z1 = subMag(subMag(z1full, z0), z2)
        var r = [UInt64](repeating: 0, count: a.count + b.count + 1)
        func addAt(_ x: [UInt64], _ off: Int) {
            var carry: UInt64 = 0
            var i = 0
            while i < x.count || carry != 0 {
                let (s1, o1) = r[off + i].addingReportingOverflow(i < x.count ? x[i] : 0)
                let (s2, o2) = s1.addingReportingOverflow(carry)
                r[off + i] = s2
                carry = (o1 ? 1 : 0) + (o2 ? 1 : 0)
                i += 1
            }
        }
        addAt(z0, 0); addAt(z1, half); addAt(z2, 2 * half)
        while let l = r.last, l == 0 { r.removeLast() }
        return r
    }

    static func mulSmall(_ a: [UInt64], _ m: UInt64, add: UInt64 = 0) -> [UInt64] {
        var r = [UInt64](repeating: 0, count: a.count + 1)
        var carry = add
        for i in 0..<a.count {
            let (hi, lo) = a[i].multipliedFullWidth(by: m)
            let (s, o) = lo.addingReportingOverflow(carry)
            r[i] = s
            carry = hi &+ (o ? 1 : 0)
        }
        r[a.count] = carry
        while let l = r.last, l == 0 { r.removeLast() }
        return r
    }

    /// Divide magnitude by a single limb; returns (quotient, remainder).
    static func divModSmall(_ a: [UInt64], _ d: UInt64) -> ([UInt64], UInt64) {
        var q = [UInt64](repeating: 0, count: a.count)
        var rem: UInt64 = 0
        var i = a.count - 1
        while i >= 0 {
            let (qq, rr) = d.dividingFullWidth((rem, a[i]))
            q[i] = qq; rem = rr
            i -= 1
        }
        while let l = q.last, l == 0 { q.removeLast() }
        return (q, rem)
    }

    static func shlMag(_ a: [UInt64], _ n: Int) -> [UInt64] {
        if a.isEmpty { return [] }
        let limbs = n / 64, bits = n % 64
        var r = [UInt64](repeating: 0, count: a.count + limbs + 1)
        if bits == 0 {
            for i in 0..<a.count { r[i + limbs] = a[i] }
        } else {
            var carry: UInt64 = 0
            for i in 0..<a.count {
                r[i + limbs] = (a[i] << UInt64(bits)) | carry
                carry = a[i] >> UInt64(64 - bits)
            }
            r[a.count + limbs] = carry
        }
        while let l = r.last, l == 0 { r.removeLast() }
        return r
    }

    static func shrMag(_ a: [UInt64], _ n: Int) -> [UInt64] {
        let limbs = n / 64, bits = n % 64
        if limbs >= a.count { return [] }
        var r = [UInt64](repeating: 0, count: a.count - limbs)
        if bits == 0 {
            for i in 0..<r.count { r[i] = a[i + limbs] }
        } else {
            for i in 0..<r.count {
                let lo = a[i + limbs] >> UInt64(bits)
                let hi = i + limbs + 1 < a.count ? a[i + limbs + 1] << UInt64(64 - bits) : 0
                r[i] = lo | hi
            }
        }
        while let l = r.last, l == 0 { r.removeLast() }
        return r
    }

    /// Knuth algorithm D. Returns (quotient, remainder) magnitudes. b must be nonzero.
    static func divModMag(_ a: [UInt64], _ b: [UInt64]) -> ([UInt64], [UInt64]) {
        precondition(!b.isEmpty, "division by zero")
        if compareMag(a, b) < 0 { return ([], a) }
        if b.count == 1 {
            let (q, r) = divModSmall(a, b[0])
            return (q, r == 0 ? [] : [r])
        }
        let s = b.last!.leadingZeroBitCount
        let v = shlMag(b, s)          // normalised divisor, same limb count as b
        var u = shlMag(a, s)
        if u.count == a.count { u.append(0) }  // ensure u has a.count+1 limbs
        while u.count < a.count + 1 { u.append(0) }
        let n = v.count, m = u.count - n - 1
        var q = [UInt64](repeating: 0, count: m + 1)
        let vTop = v[n - 1], vNext = v[n - 2]
        var j = m
        while j >= 0 {
            // estimate qhat from top two limbs of u over vTop
            var qhat: UInt64
            var rhat: UInt64
            let uTop = u[j + n]
            if uTop >= vTop {
                qhat = UInt64.max
                // rhat = uTop*2^64 + u[j+n-1] - qhat*vTop
                let (r1, o1) = u[j + n - 1].addingReportingOverflow(vTop)
                if o1 {
                    // rhat >= 2^64: the correction test cannot fire
                    qhatMulSub(&u, v, j, &qhat, &q)
                    j -= 1
                    continue
                }
                rhat = r1
            } else {
                let (qq, rr) = vTop.dividingFullWidth((uTop, u[j + n - 1]))
                qhat = qq; rhat = rr
            }
            // correction: while qhat*vNext > rhat*2^64 + u[j+n-2]
            while true {
                let (ph, pl) = qhat.multipliedFullWidth(by: vNext)
                if ph > rhat || (ph == rhat && pl > u[j + n - 2]) {
                    qhat -= 1
                    let (nr, o) = rhat.addingReportingOverflow(vTop)
                    rhat = nr
                    if o { break }
                } else { break }
            }
            qhatMulSub(&u, v, j, &qhat, &q)
            j -= 1
        }
        while let l = q.last, l == 0 { q.removeLast() }
        var r = Array(u[0..<n])
        while let l = r.last, l == 0 { r.removeLast() }
        return (q, shrMag(r, s))
    }

    /// u[j...j+n] -= qhat * v ; add back if negative; store q[j].
    @inline(__always)
    static func qhatMulSub(_ u: inout [UInt64], _ v: [UInt64], _ j: Int, _ qhat: inout UInt64,
                           _ q: inout [UInt64]) {
        let n = v.count
        var borrow: UInt64 = 0
        var carry: UInt64 = 0
        for i in 0..<n {
            let (ph, pl) = qhat.multipliedFullWidth(by: v[i])
            let (p, o) = pl.addingReportingOverflow(carry)
            carry = ph &+ (o ? 1 : 0)
            let (d1, b1) = u[i + j].subtractingReportingOverflow(p)
            let (d2, b2) = d1.subtractingReportingOverflow(borrow)
            u[i + j] = d2
            borrow = (b1 ? 1 : 0) + (b2 ? 1 : 0)
        }
        let (d1, b1) = u[j + n].subtractingReportingOverflow(carry)
        let (d2, b2) = d1.subtractingReportingOverflow(borrow)
        u[j + n] = d2
        if b1 || b2 {
            // add back
            qhat -= 1
            var c: UInt64 = 0
            for i in 0..<n {
                let (s1, o1) = u[i + j].addingReportingOverflow(v[i])
                let (s2, o2) = s1.addingReportingOverflow(c)
                u[i + j] = s2
                c = (o1 ? 1 : 0) + (o2 ? 1 : 0)
            }
            u[j + n] = u[j + n] &+ c
        }
        q[j] = qhat
    }

    // MARK: signed arithmetic

    public static prefix func - (a: BigInt) -> BigInt {
        var r = a; r.negate(); return r
    }

    public mutating func negate() {
        if !mag.isEmpty { negative.toggle() }
    }

    public var magnitudeValue: BigInt { BigInt(negative: false, mag: mag) }
    public func abs() -> BigInt { magnitudeValue }

    public static func + (a: BigInt, b: BigInt) -> BigInt {
        if a.negative == b.negative { return BigInt(negative: a.negative, mag: addMag(a.mag, b.mag)) }
        let c = compareMag(a.mag, b.mag)
        if c == 0 { return .zero }
        if c > 0 { return BigInt(negative: a.negative, mag: subMag(a.mag, b.mag)) }
        return BigInt(negative: b.negative, mag: subMag(b.mag, a.mag))
    }

    public static func - (a: BigInt, b: BigInt) -> BigInt { a + (-b) }

    public static func * (a: BigInt, b: BigInt) -> BigInt {
        BigInt(negative: a.negative != b.negative, mag: mulMag(a.mag, b.mag))
    }

    public static func += (a: inout BigInt, b: BigInt) { a = a + b }
    public static func -= (a: inout BigInt, b: BigInt) { a = a - b }
    public static func *= (a: inout BigInt, b: BigInt) { a = a * b }

    /// Truncating division (CL `truncate`): quotient rounds toward zero, remainder has the sign
    /// of the dividend. Precondition: divisor nonzero.
    public func quotientAndRemainder(dividingBy d: BigInt) -> (quotient: BigInt, remainder: BigInt) {
        precondition(!d.isZero, "BigInt division by zero")
        let (q, r) = BigInt.divModMag(mag, d.mag)
        return (BigInt(negative: negative != d.negative, mag: q), BigInt(negative: negative, mag: r))
    }

    public static func / (a: BigInt, b: BigInt) -> BigInt { a.quotientAndRemainder(dividingBy: b).quotient }
    public static func % (a: BigInt, b: BigInt) -> BigInt { a.quotientAndRemainder(dividingBy: b).remainder }

    /// CL `floor`: quotient rounds toward -inf, remainder has the sign of the divisor.
    public func floorDiv(_ d: BigInt) -> (quotient: BigInt, remainder: BigInt) {
        var (q, r) = quotientAndRemainder(dividingBy: d)
        if !r.isZero && (r.negative != d.negative) { q = q - .one; r = r + d }
        return (q, r)
    }

    /// CL `ceiling`.
    public func ceilingDiv(_ d: BigInt) -> (quotient: BigInt, remainder: BigInt) {
        var (q, r) = quotientAndRemainder(dividingBy: d)
        if !r.isZero && (r.negative == d.negative) { q = q + .one; r = r - d }
        return (q, r)
    }

    /// CL `round`: to nearest, ties to even.
    public func roundDiv(_ d: BigInt) -> (quotient: BigInt, remainder: BigInt) {
        var (q, r) = quotientAndRemainder(dividingBy: d)
        if r.isZero { return (q, r) }
        let c = BigInt.compareMag(BigInt.shlMag(r.mag, 1), d.mag)
        if c > 0 || (c == 0 && q.isOdd) {
            // move away from zero in the direction of the true quotient
            if negative == d.negative { q = q + .one; r = r - d } else { q = q - .one; r = r + d }
        }
        return (q, r)
    }

    /// CL `mod` (remainder of floor).
    public func mod(_ d: BigInt) -> BigInt { floorDiv(d).remainder }

    public static func gcd(_ a: BigInt, _ b: BigInt) -> BigInt {
        var x = a.magnitudeValue, y = b.magnitudeValue
        while !y.isZero {
            if x.mag.count == 1 && y.mag.count == 1 {
                var p = x.mag[0], q = y.mag[0]
                while q != 0 { (p, q) = (q, p % q) }
                return BigInt(p)
            }
            (x, y) = (y, x % y)
        }
        return x
    }

    public static func lcm(_ a: BigInt, _ b: BigInt) -> BigInt {
        if a.isZero || b.isZero { return .zero }
        return (a / gcd(a, b) * b).magnitudeValue
    }

    /// base^exponent by repeated squaring; exponent >= 0.
    public func power(_ exponent: Int) -> BigInt {
        precondition(exponent >= 0)
        var result = BigInt.one, b = self, e = exponent
        while e > 0 {
            if e & 1 == 1 { result = result * b }
            e >>= 1
            if e > 0 { b = b * b }
        }
        return result
    }

    /// floor(sqrt(self)); self >= 0.
    public func isqrt() -> BigInt {
        precondition(!negative, "isqrt of negative")
        if isZero { return .zero }
        if mag.count == 1 {
            var r = UInt64(Double(mag[0]).squareRoot())
            while true {
                let (s, o) = r.multipliedReportingOverflow(by: r)
                if o || s > mag[0] { r -= 1 } else { break }
            }
            while true {
                let (s, o) = (r + 1).multipliedReportingOverflow(by: r + 1)
                if o || s > mag[0] { break }
                r += 1
            }
            return BigInt(r)
        }
        // Newton iteration starting above the root.
        var x = BigInt.one.shiftedLeft((magnitudeBitWidth + 1) / 2 + 1)
        while true {
            let y = (x + self / x).shiftedRight(1)
            if y >= x { return x }
            x = y
        }
    }

    // MARK: shifts (ash semantics)

    /// self * 2^n (n >= 0)
    public func shiftedLeft(_ n: Int) -> BigInt {
        if n < 0 { return shiftedRight(-n) }
        return BigInt(negative: negative, mag: BigInt.shlMag(mag, n))
    }

    /// floor(self / 2^n) (n >= 0): arithmetic shift, negatives round toward -inf.
    public func shiftedRight(_ n: Int) -> BigInt {
        if n < 0 { return shiftedLeft(-n) }
        if !negative { return BigInt(negative: false, mag: BigInt.shrMag(mag, n)) }
        // -( (|x| - 1) >> n ) - 1
        let m1 = BigInt.subMag(mag, [1])
        let s = BigInt.shrMag(m1, n)
        return BigInt(negative: true, mag: BigInt.addMag(s, [1]))
    }

    /// CL `ash`.
    public func ash(_ count: Int) -> BigInt { count >= 0 ? shiftedLeft(count) : shiftedRight(-count) }

    // MARK: bitwise (infinite two's complement)

    /// Two's complement limbs of length `n` (sign-extended).
    func twosComplement(_ n: Int) -> [UInt64] {
        var r = [UInt64](repeating: 0, count: n)
        for i in 0..<min(n, mag.count) { r[i] = mag[i] }
        if negative {
            var carry: UInt64 = 1
            for i in 0..<n {
                let (s, o) = (~r[i]).addingReportingOverflow(carry)
                r[i] = s; carry = o ? 1 : 0
            }
        }
        return r
    }

    static func fromTwosComplement(_ limbs: [UInt64]) -> BigInt {
        guard let top = limbs.last else { return .zero }
        if top >> 63 == 0 { return BigInt(negative: false, mag: limbs) }
        var r = limbs
        var carry: UInt64 = 1
        for i in 0..<r.count {
            let (s, o) = (~r[i]).addingReportingOverflow(carry)
            r[i] = s; carry = o ? 1 : 0
        }
        return BigInt(negative: true, mag: r)
    }

    static func bitwise(_ a: BigInt, _ b: BigInt, _ op: (UInt64, UInt64) -> UInt64) -> BigInt {
        let n = max(a.mag.count, b.mag.count) + 1
        let x = a.twosComplement(n), y = b.twosComplement(n)
        var r = [UInt64](repeating: 0, count: n)
        for i in 0..<n { r[i] = op(x[i], y[i]) }
        return fromTwosComplement(r)
    }

    public static func & (a: BigInt, b: BigInt) -> BigInt { bitwise(a, b, &) }
    public static func | (a: BigInt, b: BigInt) -> BigInt { bitwise(a, b, |) }
    public static func ^ (a: BigInt, b: BigInt) -> BigInt { bitwise(a, b, ^) }
    /// CL `lognot`: -x - 1.
    public static prefix func ~ (a: BigInt) -> BigInt { -a - .one }

    public func logand(_ b: BigInt) -> BigInt { self & b }
    public func logior(_ b: BigInt) -> BigInt { self | b }
    public func logxor(_ b: BigInt) -> BigInt { self ^ b }
    public func lognot() -> BigInt { ~self }

    /// CL `integer-length`: bits needed in two's complement, excluding the sign bit.
    public var integerLength: Int {
        if !negative { return magnitudeBitWidth }
        return (~self).magnitudeBitWidth
    }

    /// CL `logcount`: number of 1 bits for non-negative, of 0 bits for negative.
    public var logcount: Int {
        let v = negative ? ~self : self
        return v.mag.reduce(0) { $0 + $1.nonzeroBitCount }
    }

    /// CL `logbitp`: bit `index` of the infinite two's complement representation.
    public func logbitp(_ index: Int) -> Bool {
        precondition(index >= 0)
        if !negative {
            let li = index / 64
            return li < mag.count && (mag[li] >> UInt64(index % 64)) & 1 == 1
        }
        let li = index / 64
        if li >= mag.count { return true }
        let t = twosComplement(mag.count + 1)
        return (t[li] >> UInt64(index % 64)) & 1 == 1
    }

    // MARK: radix conversion

    static let digitChars: [UInt8] = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)

    /// Largest power of radix fitting in UInt64, and its exponent.
    static func chunk(_ radix: Int) -> (UInt64, Int) {
        var p: UInt64 = UInt64(radix), n = 1
        while true {
            let (np, o) = p.multipliedReportingOverflow(by: UInt64(radix))
            if o { return (p, n) }
            p = np; n += 1
        }
    }

    /// Digits in `radix` (2...36), uppercase letters, leading '-' when negative, no radix marker.
    public func toString(radix: Int = 10) -> String {
        precondition(radix >= 2 && radix <= 36)
        if isZero { return "0" }
        var out: [UInt8] = []
        if mag.count == 1 {
            var v = mag[0]
            while v > 0 { out.append(BigInt.digitChars[Int(v % UInt64(radix))]); v /= UInt64(radix) }
        } else {
            let (c, cn) = BigInt.chunk(radix)
            var m = mag
            while !m.isEmpty {
                let (q, r) = BigInt.divModSmall(m, c)
                m = q
                var rr = r
                for _ in 0..<cn {
                    out.append(BigInt.digitChars[Int(rr % UInt64(radix))]); rr /= UInt64(radix)
                    if m.isEmpty && rr == 0 { break }
                }
            }
            while out.count > 1 && out.last == UInt8(ascii: "0") { out.removeLast() }
        }
        if negative { out.append(UInt8(ascii: "-")) }
        out.reverse()
        return String(decoding: out, as: UTF8.self)
    }

    public var description: String { toString(radix: 10) }

    /// Parse an optionally signed integer in `radix`; letters either case. Nil on any bad char.
    public static func parse(_ s: String, radix: Int = 10) -> BigInt? {
        guard radix >= 2 && radix <= 36 else { return nil }
        var bytes = Array(s.utf8)[...]
        var neg = false
        if let f = bytes.first, f == UInt8(ascii: "+") || f == UInt8(ascii: "-") {
            neg = f == UInt8(ascii: "-"); bytes = bytes.dropFirst()
        }
        if bytes.isEmpty { return nil }
        let (c, cn) = chunk(radix)
        var m: [UInt64] = []
        var acc: UInt64 = 0, accN = 0
        for b in bytes {
            guard let d = asciiDigitValue(b, radix) else { return nil }
            acc = acc * UInt64(radix) + UInt64(d); accN += 1
            if accN == cn { m = mulSmall(m, c, add: acc); acc = 0; accN = 0 }
        }
        if accN > 0 {
            var p: UInt64 = 1
            for _ in 0..<accN { p *= UInt64(radix) }
            m = mulSmall(m, p, add: acc)
        }
        return BigInt(negative: neg, mag: m)
    }

    // MARK: Int fast-path helpers

    /// Exact a + b (for when Int addition overflowed, or generally).
    public static func add(_ a: Int, _ b: Int) -> BigInt { BigInt(a) + BigInt(b) }
    public static func subtract(_ a: Int, _ b: Int) -> BigInt { BigInt(a) - BigInt(b) }
    public static func multiply(_ a: Int, _ b: Int) -> BigInt { BigInt(a) * BigInt(b) }

    /// a + b as Int when it fits, else as BigInt.
    @inlinable
    public static func addInts(_ a: Int, _ b: Int) -> IntOrBig {
        let (r, o) = a.addingReportingOverflow(b)
        return o ? .big(add(a, b)) : .int(r)
    }
    @inlinable
    public static func subInts(_ a: Int, _ b: Int) -> IntOrBig {
        let (r, o) = a.subtractingReportingOverflow(b)
        return o ? .big(subtract(a, b)) : .int(r)
    }
    @inlinable
    public static func mulInts(_ a: Int, _ b: Int) -> IntOrBig {
        let (r, o) = a.multipliedReportingOverflow(by: b)
        return o ? .big(multiply(a, b)) : .int(r)
    }

    /// Demote to Int when possible.
    public var normalized: IntOrBig {
        if let i = asInt { return .int(i) }
        return .big(self)
    }

    /// n! (for tests and convenience)
    public static func factorial(_ n: Int) -> BigInt {
        var r = BigInt.one
        if n < 2 { return r }
        var m: [UInt64] = [1]
        for i in 2...n { m = mulSmall(m, UInt64(i)) }
        r = BigInt(negative: false, mag: m)
        return r
    }
}

/// An integer result that is a fixnum when it fits.
public enum IntOrBig: Hashable, Sendable {
    case int(Int)
    case big(BigInt)

    public var bigValue: BigInt {
        switch self {
        case .int(let i): return BigInt(i)
        case .big(let b): return b
        }
    }
}

/// The value of ASCII digit `b` in `radix` (letters from 10, either case), or nil: number
/// syntax for BigInt parsing and the reader.
@inline(__always) func asciiDigitValue(_ b: UInt8, _ radix: Int) -> Int? {
    let v: Int
    switch b {
    case 48...57: v = Int(b) - 48
    case 65...90: v = Int(b) - 55
    case 97...122: v = Int(b) - 87
    default: return nil
    }
    return v < radix ? v : nil
}
