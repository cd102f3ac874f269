// FORMAT's float directives ~F ~E ~G ~$ on a float, as SBCL's FORMAT-FIXED-AUX,
// FORMAT-EXP-AUX, FORMAT-GENERAL-AUX and FORMAT-DOLLARS print them (SBCL 2.2.9 is the oracle).
// Callers coerce rationals to single-float first (as SBCL does) and handle non-numbers.
// `defaultIsDouble` mirrors *read-default-float-format* for the exponent marker and for
// infinities/NaNs (printed as PRIN1 does).

#if canImport(Glibc)
import Glibc  // libm (pow); no Foundation
#elseif canImport(Darwin)
import Darwin
#endif

extension FloatFormat {
    /// `n` copies of `c` (none when n <= 0, like DOTIMES).
    static func rep(_ c: Character, _ n: Int) -> String { n > 0 ? String(repeating: c, count: n) : "" }
    static func rep(_ c: String, _ n: Int) -> String { n > 0 ? String(repeating: c, count: n) : "" }

    /// ~w,d,k,overflowchar,padcharF. Returns the text and whether the field overflowed
    /// (FORMAT ~G needs that).
    public static func formatFixed(_ b: Bits, w: Int?, d: Int?, k: Int?, ovf: Character?,
                                   pad: Character = " ", atsign: Bool = false,
                                   defaultIsDouble: Bool = false) -> (text: String, overflowed: Bool) {
        if b.isInfinite || b.isNaN { return (render(b, defaultFormat: b.isDouble == defaultIsDouble), false) }
        var spaceleft = w
        if w != nil && (atsign || b.negative) { spaceleft! -= 1 }
        let r = flonumToString(b, width: spaceleft, fdigits: d, scale: k)
        var lpoint = r.leadingPoint, tpoint = r.trailingPoint
        if let d = d, d == 0 { tpoint = false }
        if w != nil {
            spaceleft! -= r.length
            if lpoint {
                if spaceleft! > 0 || tpoint { spaceleft! -= 1 } else { lpoint = false }
            }
            if tpoint {
                if spaceleft! > 0 { spaceleft! -= 1 } else { tpoint = false }
            }
        }
        if let w = w, spaceleft! < 0, let ovf = ovf {
            return (rep(ovf, w), true)
        }
        var out = ""
        if w != nil && spaceleft! > 0 { out += rep(pad, spaceleft!) }
        if b.negative { out += "-" } else if atsign { out += "+" }
        if lpoint { out += "0" }
        out += r.string
        if tpoint { out += "0" }
        return (out, false)
    }

    /// SBCL SCALE-EXPONENT: (z, ex) with z in [0.1, 1) (in the float's own format) and
    /// |x| ~ z * 10^ex, computed in double arithmetic like SBCL on x86-64.
    public static func scaleExponent(_ b: Bits) -> (Bits, Int) {
        let x = b.isDouble ? Swift.abs(doubleValue(b)) : Double(Swift.abs(floatValue(b)))
        if x == 0 { return (b.isDouble ? Bits(0.0) : Bits(Float(0)), 1) }
        // decode-float exponent: x = sig * 2^exponent, sig in [0.5, 1)
        let exponent = Int(x.exponent) + 1
        let ex0 = Int((Double(exponent) * (Glibc.log(2.0) / Glibc.log(10.0))).rounded(.toNearestOrEven))
        var y: Double
        if ex0 < 0 {
            if x < Double.leastNormalMagnitude {
                y = x * 1.0e16 * pow(10.0, Double(-ex0 - 16))
            } else {
                y = x * 10.0 * pow(10.0, Double(-ex0 - 1))
            }
        } else {
            y = x / 10.0 / pow(10.0, Double(ex0 - 1))
        }
        let x1 = y
        var d = 10.0, ex = ex0
        while !(y < 1.0) {
            y = x1 / d; d *= 10; ex += 1
        }
        var m = 10.0
        let y1 = y
        var z = y
        while !(z >= 0.1) {
            z = y1 * m; m *= 10; ex -= 1
        }
        return (b.isDouble ? Bits(z) : Bits(Float(z)), ex)
    }

    static func doubleValue(_ b: Bits) -> Double {
        // reconstruct from f, e (exact)
        let v = Double(sign: b.negative ? .minus : .plus, exponent: b.e, significand: Double(b.f))
        return v
    }

    static func floatValue(_ b: Bits) -> Float {
        Float(sign: b.negative ? .minus : .plus, exponent: b.e, significand: Float(b.f))
    }

    static func exponentMarkerChar(_ b: Bits, _ defaultIsDouble: Bool) -> String {
        b.isDouble == defaultIsDouble ? "e" : (b.isDouble ? "d" : "f")
    }

    /// ~w,d,e,k,overflowchar,padchar,exptcharE (k defaults to 1).
    public static func formatExponential(_ b: Bits, w: Int?, d: Int?, e: Int?, k: Int = 1,
                                         ovf: Character?, pad: Character = " ", marker: Character? = nil,
                                         atsign: Bool = false, defaultIsDouble: Bool = false) -> String {
        if b.isInfinite || b.isNaN { return render(b, defaultFormat: b.isDouble == defaultIsDouble) }
        var (num, expt) = scaleExponent(b)
        let numIsOne = num.f == (UInt64(1) << UInt64(num.precision - 1)) && num.e == -(num.precision - 1)
        let k = numIsOne ? k - 1 : k
        expt -= k
        let estr = String(Swift.abs(expt))
        let elen = e.map { Swift.max(estr.count, $0) } ?? estr.count
        var spaceleft: Int? = nil
        if let w = w {
            spaceleft = w - 2 - elen
            if atsign || b.negative { spaceleft! -= 1 }
        }
        if let w = w, let ovf = ovf, let e = e, elen > e {
            return rep(ovf, w)
        }
        let fdig: Int? = d.map { k > 0 ? $0 - k + 1 : $0 }
        let fmin: Int? = k < 0 ? 1 : fdig
        num.negative = false
        let r = flonumToString(num, width: spaceleft, fdigits: fdig, scale: k, fmin: fmin)
        var lpoint = r.leadingPoint, tpoint = r.trailingPoint
        if fdig == 0 { tpoint = false }
        if w != nil {
            spaceleft! -= r.length
            if lpoint {
                if spaceleft! > 0 || tpoint { spaceleft! -= 1 } else { lpoint = false }
            }
            if tpoint {
                if spaceleft! <= 0 { tpoint = false } else { spaceleft! -= 1 }
            }
        }
        if let w = w, spaceleft! < 0, let ovf = ovf {
            return rep(ovf, w)
        }
        var out = ""
        if w != nil && spaceleft! > 0 { out += rep(pad, spaceleft!) }
        if b.negative { out += "-" } else if atsign { out += "+" }
        if lpoint { out += "0" }
        out += r.string
        if tpoint { out += "0" }
        out += marker.map { String($0) } ?? exponentMarkerChar(b, defaultIsDouble)
        out += expt < 0 ? "-" : "+"
        if let e = e, e > estr.count { out += rep("0", e - estr.count) }
        out += estr
        return out
    }

    /// ~w,d,e,k,overflowchar,padchar,exptcharG.
    public static func formatGeneral(_ b: Bits, w: Int?, d: Int?, e: Int?, k: Int?,
                                     ovf: Character?, pad: Character = " ", marker: Character? = nil,
                                     atsign: Bool = false, defaultIsDouble: Bool = false) -> String {
        if b.isInfinite || b.isNaN { return render(b, defaultFormat: b.isDouble == defaultIsDouble) }
        let n = scaleExponent(b).1
        var d = d
        if d == nil {
            var a = b; a.negative = false
            let len = flonumToString(a).length
            let q = len == 1 ? 1 : len - 1
            d = Swift.max(q, Swift.min(n, 7))
        }
        let ee = e.map { $0 + 2 } ?? 4
        let ww = w.map { $0 - ee }
        let dd = d! - n
        if 0 <= dd && dd <= d! {
            let (text, overflowed) = formatFixed(b, w: ww, d: dd, k: nil, ovf: ovf, pad: pad,
                                                 atsign: atsign, defaultIsDouble: defaultIsDouble)
            let c: Character = overflowed ? (ovf ?? " ") : " "
            return text + rep(c, ee)
        }
        return formatExponential(b, w: w, d: d, e: e, k: k ?? 1, ovf: ovf, pad: pad, marker: marker,
                                 atsign: atsign, defaultIsDouble: defaultIsDouble)
    }

    /// ~d,n,w,padchar$ (defaults d=2, n=1, w=0).
    public static func formatDollars(_ b: Bits, d: Int = 2, n: Int = 1, w: Int = 0, pad: Character = " ",
                                     colon: Bool = false, atsign: Bool = false,
                                     defaultIsDouble: Bool = false) -> String {
        if b.isInfinite || b.isNaN { return render(b, defaultFormat: b.isDouble == defaultIsDouble) }
        let sign = b.negative ? "-" : (atsign ? "+" : "")
        var a = b; a.negative = false
        let r = flonumToString(a, fdigits: d)
        var out = ""
        if colon { out += sign }
        let padN = w - sign.count - Swift.max(n, r.pointIndex) - 1 - d
        if padN > 0 { out += rep(pad, padN) }
        if !colon { out += sign }
        if n - r.pointIndex > 0 { out += rep("0", n - r.pointIndex) }
        out += r.string
        return out
    }
}
