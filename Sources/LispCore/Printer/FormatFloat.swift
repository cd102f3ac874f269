/// Float rendering for FORMAT's ~F ~E ~G ~$, following SBCL's algorithms (flonum-to-digits with
/// a position cutoff, flonum-to-string, scale-exponent) so output matches SBCL digit for digit.

/// Minimal unsigned big integer (little-endian 32-bit limbs) for exact digit generation.
struct FUInt: Comparable {
    var l: [UInt32]
    init(_ v: UInt64) {
        l = [UInt32(truncatingIfNeeded: v), UInt32(truncatingIfNeeded: v >> 32)]
        trim()
    }
    init(limbs: [UInt32]) { l = limbs; trim() }
    mutating func trim() { while let last = l.last, last == 0 { l.removeLast() } }
    var isZero: Bool { l.isEmpty }
    static func < (a: FUInt, b: FUInt) -> Bool { cmp(a, b) < 0 }
    static func == (a: FUInt, b: FUInt) -> Bool { a.l == b.l }
    static func cmp(_ a: FUInt, _ b: FUInt) -> Int {
        if a.l.count != b.l.count { return a.l.count < b.l.count ? -1 : 1 }
        var i = a.l.count - 1
        while i >= 0 {
            if a.l[i] != b.l[i] { return a.l[i] < b.l[i] ? -1 : 1 }
            i -= 1
        }
        return 0
    }
    static func + (a: FUInt, b: FUInt) -> FUInt {
        var r = [UInt32](); r.reserveCapacity(max(a.l.count, b.l.count) + 1)
        var carry: UInt64 = 0
        for i in 0..<max(a.l.count, b.l.count) {
            let s = UInt64(i < a.l.count ? a.l[i] : 0) + UInt64(i < b.l.count ? b.l[i] : 0) + carry
            r.append(UInt32(truncatingIfNeeded: s)); carry = s >> 32
        }
        if carry > 0 { r.append(UInt32(carry)) }
        return FUInt(limbs: r)
    }
    /// a - b, requires a >= b.
    static func - (a: FUInt, b: FUInt) -> FUInt {
        var r = a.l
        var borrow: Int64 = 0
        for i in 0..<r.count {
            var d = Int64(r[i]) - Int64(i < b.l.count ? b.l[i] : 0) - borrow
            if d < 0 { d += 1 << 32; borrow = 1 } else { borrow = 0 }
            r[i] = UInt32(d)
        }
        return FUInt(limbs: r)
    }
    static func * (a: FUInt, b: FUInt) -> FUInt {
        if a.isZero || b.isZero { return FUInt(0) }
        var r = [UInt32](repeating: 0, count: a.l.count + b.l.count)
        for i in 0..<a.l.count {
            var carry: UInt64 = 0
            let x = UInt64(a.l[i])
            for j in 0..<b.l.count {
                let t = x * UInt64(b.l[j]) + UInt64(r[i + j]) + carry
                r[i + j] = UInt32(truncatingIfNeeded: t); carry = t >> 32
            }
            var k = i + b.l.count
            while carry > 0 {
                let t = UInt64(r[k]) + carry
                r[k] = UInt32(truncatingIfNeeded: t); carry = t >> 32; k += 1
            }
        }
        return FUInt(limbs: r)
    }
    static func * (a: FUInt, b: UInt32) -> FUInt { a * FUInt(UInt64(b)) }
    static func pow(_ base: UInt32, _ n: Int) -> FUInt {
        var r = FUInt(1), b = FUInt(UInt64(base)), n = n
        while n > 0 {
            if n & 1 == 1 { r = r * b }
            n >>= 1
            if n > 0 { b = b * b }
        }
        return r
    }
    static func pow2(_ n: Int) -> FUInt {
        var limbs = [UInt32](repeating: 0, count: n / 32 + 1)
        limbs[n / 32] = 1 << UInt32(n % 32)
        return FUInt(limbs: limbs)
    }
}

/// A float decomposed for digit generation: value = f * 2^e, precision p.
struct FloatParts {
    var f: UInt64
    var e: Int
    var p: Int
    var minE: Int
    var isZero: Bool { f == 0 }
    init(_ d: Double) {
        let ex = Int(d.exponentBitPattern), sig = d.significandBitPattern
        if ex == 0 { f = sig; e = -1074 } else { f = sig | (1 << 52); e = ex - 1075 }
        p = 53; minE = -1074
    }
    init(_ x: Float) {
        let ex = Int(x.exponentBitPattern), sig = UInt64(x.significandBitPattern)
        if ex == 0 { f = sig; e = -149 } else { f = sig | (1 << 23); e = ex - 150 }
        p = 24; minE = -149
    }
}

enum FormatFloat {
    /// SBCL `flonum-to-digits`: (k, digits) with value = 0.digits * 10^k.
    static func digits(_ v: FloatParts, position: Int? = nil, relative: Bool = false) -> (Int, [UInt8]) {
        var highOk = v.f % 2 == 0, lowOk = highOk
        var r: FUInt, s: FUInt, mp: FUInt, mm: FUInt
        let f = FUInt(v.f)
        let hidden = UInt64(1) << UInt64(v.p - 1)
        if v.e >= 0 {
            let be = FUInt.pow2(v.e)
            if v.f != hidden { r = f * be * 2; s = FUInt(2); mp = be; mm = be }
            else { mm = be; mp = be * 2; r = f * mp * 2; s = FUInt(4) }
        } else if v.e == v.minE || v.f != hidden {
            r = f * 2; s = FUInt.pow2(-v.e) * 2; mp = FUInt(1); mm = FUInt(1)
        } else {
            mm = FUInt(1); mp = FUInt(2); r = f * 4; s = FUInt.pow2(1 - v.e) * 2
        }
        if var pos = position {
            if relative {
                var k = 0
                var l = FUInt(1)
                while s * l < r + mp { k += 1; l = l * 10 }
                // r + s*10^(k-pos)/2 < s*10^k ?
                let lhs: FUInt, rhs: FUInt
                if k - pos >= 0 {
                    lhs = r * 2 + s * FUInt.pow(10, k - pos); rhs = s * 2 * FUInt.pow(10, k)
                } else {
                    lhs = r * 2 * FUInt.pow(10, pos - k) + s; rhs = s * 2 * FUInt.pow(10, pos)
                }
                pos = lhs < rhs ? k - pos : k - pos - 1
            }
            // x = s * 10^pos / 2; scale everything to keep integers.
            let factor: FUInt = pos < 0 ? FUInt.pow(10, -pos) * 2 : FUInt(2)
            let x: FUInt = pos < 0 ? s : s * FUInt.pow(10, pos)
            r = r * factor; s = s * factor; mp = mp * factor; mm = mm * factor
            if mm <= x { mm = x; lowOk = true }
            if mp <= x { mp = x; highOk = true }
        }
        // scale
        var k = 0
        while true {
            let rm = r + mp
            if rm > s || (highOk && rm == s) { s = s * 10; k += 1 } else { break }
        }
        while true {
            let x = (r + mp) * 10
            if x < s || (!highOk && x == s) { k -= 1; r = r * 10; mp = mp * 10; mm = mm * 10 } else { break }
        }
        // generate
        var out: [UInt8] = []
        while true {
            r = r * 10
            var d: UInt8 = 0
            while !(r < s) { r = r - s; d += 1 }
            mp = mp * 10; mm = mm * 10
            let tc1 = r < mm || (lowOk && r == mm)
            let rp = r + mp
            let tc2 = rp > s || (highOk && rp == s)
            if tc1 || tc2 {
                let dd: UInt8
                if !tc1 && tc2 { dd = d + 1 } else if tc1 && !tc2 { dd = d } else { dd = r * 2 < s ? d : d + 1 }
                out.append(dd)
                break
            }
            out.append(d)
            if out.count > 1200 { break }
        }
        return (k, out)
    }

    /// SBCL `flonum-to-string` for a non-negative float: (string, lpoint, tpoint, pointplace).
    static func flonumToString(_ x: FloatParts, width: Int? = nil, fdigits: Int? = nil, scale: Int? = nil,
                               fmin: Int? = nil) -> (String, Bool, Bool, Int) {
        if x.isZero {
            if let fd = fdigits {
                return ("." + String(repeating: "0", count: max(fd, 0)), true, fd == 0, 0)
            }
            return (".", true, true, 0)
        }
        var e: Int, digs: [UInt8]
        if let fd = fdigits {
            (e, digs) = digits(x, position: min(-(fd + (scale ?? 0)), -((fmin ?? 0) + (scale ?? 0))))
        } else if let w = width, w > 1 {
            let wr = digits(x, position: max(1, w - 1 + ((scale ?? 0) < 0 ? scale! : 0)), relative: true)
            let fr = digits(x, position: -((fmin ?? 0) + (scale ?? 0)))
            (e, digs) = wr.1.count >= fr.1.count ? wr : fr
        } else {
            (e, digs) = digits(x)
        }
        let str = String(String.UnicodeScalarView(digs.map { Unicode.Scalar(48 + $0) }))
        let sc = Array(str.unicodeScalars)
        e += scale ?? 0
        var o = String.UnicodeScalarView()
        if e > 0 {
            let m = min(sc.count, e)
            o.append(contentsOf: sc[0..<m])
            for _ in 0..<max(0, e - sc.count) { o.append("0") }
            o.append(".")
            o.append(contentsOf: sc[m...])
            if let fd = fdigits { for _ in 0..<max(0, fd - (sc.count - m)) { o.append("0") } }
        } else {
            o.append(".")
            for _ in 0..<(-e) { o.append("0") }
            let end = fdigits.map { max(min(sc.count, $0 + e), 0) } ?? sc.count
            o.append(contentsOf: sc[0..<end])
            if let fd = fdigits { for _ in 0..<max(0, fd + e - sc.count) { o.append("0") } }
        }
        let s = String(o)
        let arr = Array(o)
        let point = arr.firstIndex(of: ".") ?? 0
        return (s, arr.first == ".", arr.last == ".", point)
    }

    /// SBCL `intexp` for a double base (repeated squaring).
    static func intexp(_ base: Double, _ power: Int) -> Double {
        if power < 0 { return 1 / intexp(base, -power) }
        var nextn = power >> 1
        var total: Double = power & 1 == 1 ? base : 1
        var b = base * base
        while nextn != 0 {
            if nextn & 1 == 1 { total = b * total }
            nextn >>= 1
            b = b * b
        }
        return total
    }

    /// SBCL `scale-exponent` (computed in double precision): (x scaled into [0.1,1), exponent).
    static func scaleExponent(_ x: Double) -> (Double, Int) {
        if x == 0 { return (0, 1) }
        let exponent = x.exponent + 1  // decode-float exponent
        var ex = Int((Float(exponent) * Float(0.30103)).rounded(.toNearestOrEven))
        var v: Double
        if ex < 0 {
            v = x * 10.0 * intexp(10.0, -ex - 1)
        } else {
            v = x / 10.0 / intexp(10.0, ex - 1)
        }
        var d = 10.0
        var y = v
        while !(y < 1.0) { y = v / d; d *= 10; ex += 1 }
        var m = 10.0
        var z = y
        while !(z >= 0.1) { z = y * m; m *= 10; ex -= 1 }
        return (z, ex)
    }
}

/// A float argument to ~F/~E/~G/~$ (single or double).
struct FmtFloat {
    var d: Double
    var isDouble: Bool
    var parts: FloatParts { isDouble ? FloatParts(d) : FloatParts(Float(d)) }
    var negative: Bool { d.sign == .minus }
    var abs: FmtFloat { FmtFloat(d: Swift.abs(d), isDouble: isDouble) }
    /// Round a double-precision intermediate back to this float's format.
    func same(_ x: Double) -> FmtFloat { FmtFloat(d: isDouble ? x : Double(Float(x)), isDouble: isDouble) }
}

extension FormatInterpreter {
    func floatArg(_ v: Value) throws(Unwind) -> FmtFloat? {
        switch v {
        case .single(let f): return FmtFloat(d: Double(f), isDouble: false)
        case .double(let d): return FmtFloat(d: d, isDouble: true)
        case .fixnum(let n): return FmtFloat(d: Double(Float(n)), isDouble: false)
        case .bignum, .ratio:
            let fn = try rt.coerceToFunction(Value(rt.world.cl.internExternal("FLOAT")))
            let r = try rt.funcall(fn, v, .single(1))
            if case .single(let f) = r { return FmtFloat(d: Double(f), isDouble: false) }
            if case .double(let d) = r { return FmtFloat(d: Double(Float(d)), isDouble: false) }
            return nil
        default: return nil
        }
    }

    func printFloatSpecial(_ x: FmtFloat) -> String {
        x.isDouble ? FloatFormat.double(x.d) : FloatFormat.single(Float(x.d))
    }

    /// ~F body; returns true when it overflowed with the overflow char.
    @discardableResult
    func fixedAux(_ x: FmtFloat, _ w: Int?, _ d: Int?, _ k: Int?, _ ovf: Unicode.Scalar?, _ pad: Unicode.Scalar,
                  _ atsign: Bool) -> Bool {
        if x.d.isNaN || x.d.isInfinite { emit(printFloatSpecial(x)); return false }
        var spaceleft = w
        if w != nil && (atsign || x.negative) { spaceleft! -= 1 }
        var (str, lpoint, tpoint, _) = FormatFloat.flonumToString(x.abs.parts, width: spaceleft, fdigits: d, scale: k)
        let len = str.unicodeScalars.count
        if let d = d, d == 0 { tpoint = false }
        if w != nil {
            spaceleft! -= len
            if lpoint { if spaceleft! > 0 || tpoint { spaceleft! -= 1 } else { lpoint = false } }
            if tpoint { if spaceleft! > 0 { spaceleft! -= 1 } else { tpoint = false } }
        }
        if let w = w, spaceleft! < 0, let o = ovf {
            emit(String(repeating: String(Character(o)), count: w))
            return true
        }
        if let sl = spaceleft, sl > 0 { emit(String(repeating: String(Character(pad)), count: sl)) }
        if x.negative { emit("-") } else if atsign { emit("+") }
        if lpoint { emit("0") }
        emit(str)
        if tpoint { emit("0") }
        return false
    }

    func expAux(_ x: FmtFloat, _ w: Int?, _ d: Int?, _ e: Int?, _ k0: Int, _ ovf: Unicode.Scalar?,
                _ pad: Unicode.Scalar, _ marker: Unicode.Scalar?, _ atsign: Bool) {
        if x.d.isNaN || x.d.isInfinite { emit(printFloatSpecial(x)); return }
        let (sd, ex0) = FormatFloat.scaleExponent(Swift.abs(x.d))
        let num = x.same(sd)
        let k = num.d == 1.0 ? k0 - 1 : k0
        let expt = ex0 - k
        let estr = String(Swift.abs(expt))
        let elen = e.map { max(estr.count, $0) } ?? estr.count
        var spaceleft: Int? = nil
        if let w = w {
            spaceleft = w - 2 - elen
            if atsign || x.negative { spaceleft! -= 1 }
        }
        if let w = w, let o = ovf, let e = e, elen > e {
            emit(String(repeating: String(Character(o)), count: w)); return
        }
        let fdig = d.map { k > 0 ? 1 + ($0 - k) : $0 }
        let fmin = k < 0 ? 1 : 0
        var (str, lpoint, tpoint, _) = FormatFloat.flonumToString(num.parts, width: spaceleft, fdigits: fdig,
                                                                  scale: k, fmin: fmin)
        if let d = d, d == 0 { tpoint = false }
        if w != nil {
            spaceleft! -= str.unicodeScalars.count
            if lpoint { if spaceleft! > 0 || tpoint { spaceleft! -= 1 } else { lpoint = false } }
            if tpoint { if spaceleft! > 0 { spaceleft! -= 1 } else { tpoint = false } }
        }
        if let w = w, spaceleft! < 0, let o = ovf {
            emit(String(repeating: String(Character(o)), count: w)); return
        }
        if let sl = spaceleft, sl > 0 { emit(String(repeating: String(Character(pad)), count: sl)) }
        if x.negative { emit("-") } else if atsign { emit("+") }
        if lpoint { emit("0") }
        emit(str)
        if tpoint { emit("0") }
        if let m = marker { emit(String(Character(m))) } else { emit(x.isDouble ? "d" : "e") }
        emit(expt < 0 ? "-" : "+")
        if let e = e { for _ in 0..<max(0, e - estr.count) { emit("0") } }
        emit(estr)
    }

    func generalAux(_ x: FmtFloat, _ w: Int?, _ d0: Int?, _ e: Int?, _ k: Int?, _ ovf: Unicode.Scalar?,
                    _ pad: Unicode.Scalar, _ marker: Unicode.Scalar?, _ atsign: Bool) {
        if x.d.isNaN || x.d.isInfinite { emit(printFloatSpecial(x)); return }
        let (_, n) = FormatFloat.scaleExponent(Swift.abs(x.d))
        var d = d0
        if d == nil {
            let (s, _, _, _) = FormatFloat.flonumToString(x.abs.parts)
            let len = s.unicodeScalars.count
            let q = len == 1 ? 1 : len - 1
            d = max(q, min(n, 7))
        }
        let ee = e.map { $0 + 2 } ?? 4
        let ww = w.map { $0 - ee }
        let dd = d! - n
        if 0 <= dd && dd <= d! {
            let over = fixedAux(x, ww, dd, nil, ovf, pad, atsign)
            let ch = over ? (ovf ?? " ") : " "
            emit(String(repeating: String(Character(ch)), count: ee))
        } else {
            expAux(x, w, d, e, k ?? 1, ovf, pad, marker, atsign)
        }
    }

    func dollars(_ x: FmtFloat, _ d: Int, _ n: Int, _ w: Int, _ pad: Unicode.Scalar, _ colon: Bool, _ atsign: Bool) {
        if x.d.isNaN || x.d.isInfinite { emit(printFloatSpecial(x)); return }
        let signstr = x.negative ? "-" : (atsign ? "+" : "")
        let (str, _, _, pointplace) = FormatFloat.flonumToString(x.abs.parts, fdigits: d)
        if colon { emit(signstr) }
        let padn = w - signstr.count - max(n, pointplace) - 1 - d
        if padn > 0 { emit(String(repeating: String(Character(pad)), count: padn)) }
        if !colon { emit(signstr) }
        if n - pointplace > 0 { emit(String(repeating: "0", count: n - pointplace)) }
        emit(str)
    }
}
