// Complex numbers: a LispObject holding two Num parts (CL canonicalisation: a complex with
// rational parts and a zero imaginary part is its real part; float parts share one format).
// Arithmetic, =, ABS, SQRT/EXPT/LOG of negative reals (SBCL results), COMPLEX, REALPART,
// IMAGPART, CONJUGATE, PHASE, CIS, SIGNUM. Transcendental functions of complex arguments other
// than those signal an error.

#if canImport(Glibc)
import Glibc  // libm; no Foundation
#elseif canImport(Darwin)
import Darwin
#endif

public final class LispComplex: LispObject {
    public let real: Num
    public let imag: Num

    init(real: Num, imag: Num) {
        self.real = real
        self.imag = imag
    }

    public override var typeName: String { "COMPLEX" }
    public override var supertypeNames: [String] { ["COMPLEX", "NUMBER"] }

    public override func printObject(_ p: Printer) throws(Unwind) -> Bool {
        let pr = { (n: Num) in NumPrint.prin1(n, base: p.base, radix: p.radix, defaultIsDouble: Numeric.defaultFloatIsDouble) }
        p.out += "#C(" + pr(real) + " " + pr(imag) + ")"
        return true
    }

    /// CL EQL on complexes: parts of the same type and value (floats by bit pattern).
    public func eql(_ other: LispComplex) -> Bool {
        LispComplex.partEql(real, other.real) && LispComplex.partEql(imag, other.imag)
    }

    /// A hash consistent with `eql` (for EQL/EQUAL hash tables and SXHASH).
    public var eqlHash: Int {
        var h = Hasher()
        LispComplex.hashPart(real, &h); LispComplex.hashPart(imag, &h)
        return h.finalize()
    }

    static func partEql(_ a: Num, _ b: Num) -> Bool {
        switch (a, b) {
        case (.single(let x), .single(let y)): return x.bitPattern == y.bitPattern
        case (.double(let x), .double(let y)): return x.bitPattern == y.bitPattern
        case (.single, _), (_, .single), (.double, _), (_, .double): return false
        default: return a == b  // rationals: normalised, so structural equality is eql
        }
    }

    static func hashPart(_ a: Num, _ h: inout Hasher) {
        switch a {
        case .single(let x): h.combine(1); h.combine(x.bitPattern)
        case .double(let x): h.combine(2); h.combine(x.bitPattern)
        default: h.combine(3); h.combine(a)
        }
    }

    var isDouble: Bool {
        if case .double = real { return true }
        if case .double = imag { return true }
        return false
    }
    var isFloat: Bool { real.isFloat || imag.isFloat }
}

extension Numeric {

    /// CL COMPLEX canonicalisation: rational parts with zero imaginary part give the real;
    /// float parts are brought to one format.
    public static func makeComplex(_ re: Num, _ im: Num) -> Value {
        if re.isRational && im.isRational {
            if im.isZero { return value(re) }
            return .object(LispComplex(real: re, imag: im))
        }
        let dbl: Bool
        if case .double = re { dbl = true } else if case .double = im { dbl = true } else { dbl = false }
        let r: Num = dbl ? .double(re.asDouble) : .single(re.asFloat)
        let i: Num = dbl ? .double(im.asDouble) : .single(im.asFloat)
        return .object(LispComplex(real: r, imag: i))
    }

    /// For the reader's #C(re im): nil when the parts are not reals.
    public static func makeComplex(_ re: Value, _ im: Value) -> Value? {
        guard let r = toNum(re), let i = toNum(im) else { return nil }
        return makeComplex(r, i)
    }

    @inline(__always)
    static func complexParts(_ v: Value) -> (Num, Num)? {
        if case .object(let o) = v, let c = o as? LispComplex { return (c.real, c.imag) }
        if let n = toNum(v) { return (n, .fixnum(0)) }
        return nil
    }

    public static func isComplex(_ v: Value) -> Bool {
        if case .object(let o) = v, o is LispComplex { return true }
        return false
    }

    /// Any number, complex included.
    public static func isAnyNumber(_ v: Value) -> Bool { v.isNumber || isComplex(v) }

    /// Parts of a number argument (type-error NUMBER otherwise).
    static func parts(_ rt: Runtime, _ v: Value) throws(Unwind) -> (Num, Num) {
        if let p = complexParts(v) { return p }
        try rt.typeError(v, "NUMBER")
    }

    /// Binary arithmetic when at least one operand is not a real (complex or a type error).
    static func complexOp(_ rt: Runtime, _ op: String, _ a: Value, _ b: Value) throws(Unwind) -> Value {
        let (ar, ai) = try parts(rt, a), (br, bi) = try parts(rt, b)
        let aReal = toNum(a) != nil, bReal = toNum(b) != nil
        do throws(NumError) {
            // SBCL multiplies/divides the parts directly by a real operand (+ and - add a zero part)
            if aReal || bReal {
                switch op {
                case "*":
                    return aReal ? makeComplex(try Num.mul(ar, br), try Num.mul(ar, bi))
                                 : makeComplex(try Num.mul(ar, br), try Num.mul(ai, br))
                case "/" where bReal: return makeComplex(try Num.div(ar, br), try Num.div(ai, br))
                default: break
                }
            }
            switch op {
            case "+": return makeComplex(try Num.add(ar, br), try Num.add(ai, bi))
            case "-": return makeComplex(try Num.sub(ar, br), try Num.sub(ai, bi))
            case "*":
                return makeComplex(try Num.sub(try Num.mul(ar, br), try Num.mul(ai, bi)),
                                   try Num.add(try Num.mul(ar, bi), try Num.mul(ai, br)))
            default:  // "/"
                let den = try Num.add(try Num.mul(br, br), try Num.mul(bi, bi))
                let re = try Num.div(try Num.add(try Num.mul(ar, br), try Num.mul(ai, bi)), den)
                let im = try Num.div(try Num.sub(try Num.mul(ai, br), try Num.mul(ar, bi)), den)
                return makeComplex(re, im)
            }
        } catch {
            try fail(rt, error, op, [a, b])
        }
    }

    static func complexEqual(_ rt: Runtime, _ a: Value, _ b: Value) throws(Unwind) -> Bool {
        let (ar, ai) = try parts(rt, a), (br, bi) = try parts(rt, b)
        return Num.numEqual(ar, br) && Num.numEqual(ai, bi)
    }

    /// |z| (SBCL: rational parts -> single-float sqrt, float parts -> hypot in that format).
    static func complexAbs(_ c: LispComplex) -> Value {
        if c.isDouble { return .double(hypot(c.real.asDouble, c.imag.asDouble)) }
        if c.isFloat { return .single(Float(hypot(c.real.asDouble, c.imag.asDouble))) }
        let sq = (try? Num.add(try Num.mul(c.real, c.real), try Num.mul(c.imag, c.imag))) ?? .fixnum(0)
        return value((try? Num.sqrt(sq)) ?? .single(0))
    }

    /// Result format for a float complex result from an argument: double if it is double.
    static func floatComplex(_ re: Double, _ im: Double, double: Bool) -> Value {
        double ? makeComplex(.double(re), .double(im)) : makeComplex(.single(Float(re)), .single(Float(im)))
    }

    /// SQRT of a negative real or a complex.
    static func complexSqrt(_ rt: Runtime, _ v: Value) throws(Unwind) -> Value {
        if let n = toNum(v) {  // negative real
            let isD: Bool
            if case .double = n { isD = true } else { isD = false }
            return floatComplex(0, (-n.asDouble).squareRoot(), double: isD)
        }
        let (re, im) = try parts(rt, v)
        let isD: Bool
        if case .double = re { isD = true } else if case .double = im { isD = true } else { isD = false }
        let x = re.asDouble, y = im.asDouble
        let m = hypot(x, y)
        let t = ((Swift.abs(x) + m) / 2).squareRoot()
        if t == 0 { return floatComplex(0, 0, double: isD) }
        if x >= 0 { return floatComplex(t, y / (2 * t), double: isD) }
        return floatComplex(Swift.abs(y) / (2 * t), y < 0 ? -t : t, double: isD)
    }

    /// (log x) of a negative real: #C(log|x| pi).
    static func complexLogNegative(_ n: Num) -> Value {
        let isD: Bool
        if case .double = n { isD = true } else { isD = false }
        let l = (try? Num.log(Num.abs(n)))?.asDouble ?? 0
        return floatComplex(l, Double.pi, double: isD)
    }

    /// EXPT with a complex base (integer power: exact repeated multiplication) or a negative
    /// base with a non-integer power (SBCL: |x|^y * cis(y*pi), computed in double).
    static func complexExpt(_ rt: Runtime, _ a: Value, _ b: Value) throws(Unwind) -> Value {
        if let base = toNum(a), let p = toNum(b) {
            let isD: Bool
            if case .double = base { isD = true } else if case .double = p { isD = true } else { isD = false }
            let y = p.asDouble
            let m = pow(Swift.abs(base.asDouble), y)
            return floatComplex(m * cos(y * Double.pi), m * sin(y * Double.pi), double: isD)
        }
        if case .fixnum(var n) = b {
            var result: Value = .fixnum(1)
            var sq = a
            let negative = n < 0
            n = Swift.abs(n)
            while n > 0 {
                if n & 1 == 1 { result = try complexOp(rt, "*", result, sq) }
                n >>= 1
                if n > 0 { sq = try complexOp(rt, "*", sq, sq) }
            }
            return negative ? try complexOp(rt, "/", .fixnum(1), result) : result
        }
        // general: exp(b * log(a))
        let (re, im) = try parts(rt, a)
        let (pr, pi) = try parts(rt, b)
        let isD = [re, im, pr, pi].contains { if case .double = $0 { return true } else { return false } }
        let lr = Glibc.log(hypot(re.asDouble, im.asDouble)), li = atan2(im.asDouble, re.asDouble)
        let wr = pr.asDouble * lr - pi.asDouble * li, wi = pr.asDouble * li + pi.asDouble * lr
        let e = Glibc.exp(wr)
        return floatComplex(e * cos(wi), e * sin(wi), double: isD)
    }
}

extension Numeric {
    /// EXP LOG SIN COS SINH COSH of a complex argument, by SBCL's formulas on the parts
    /// (so single-float parts give single-float arithmetic as in SBCL). nil for other names.
    static func complexFunction(_ rt: Runtime, _ name: String, _ z: LispComplex) throws(Unwind) -> Value? {
        let x = z.real, y = z.imag
        do throws(NumError) {
            switch name {
            case "SIN":
                return makeComplex(try Num.mul(try Num.sin(x), try Num.cosh(y)), try Num.mul(try Num.cos(x), try Num.sinh(y)))
            case "COS":
                return makeComplex(try Num.mul(try Num.cos(x), try Num.cosh(y)),
                                   try Num.negate(try Num.mul(try Num.sin(x), try Num.sinh(y))))
            case "SINH":
                return makeComplex(try Num.mul(try Num.sinh(x), try Num.cos(y)), try Num.mul(try Num.cosh(x), try Num.sin(y)))
            case "COSH":
                return makeComplex(try Num.mul(try Num.cosh(x), try Num.cos(y)), try Num.mul(try Num.sinh(x), try Num.sin(y)))
            case "EXP":
                let e = try Num.exp(x)
                return makeComplex(try Num.mul(e, try Num.cos(y)), try Num.mul(e, try Num.sin(y)))
            case "LOG":
                let isD = z.isDouble
                let re = Glibc.log(hypot(x.asDouble, y.asDouble)), im = atan2(y.asDouble, x.asDouble)
                return floatComplex(re, im, double: isD)
            default: return nil
            }
        } catch {
            try fail(rt, error, name, [.object(z)])
        }
    }
}

extension NumberBuiltins {
    static func registerComplex(_ rt: Runtime) {
        rt.defN("COMPLEX", 1, 2) { rt, args throws(Unwind) in
            let r = try N.real(rt, args[0])
            var i: Num = .fixnum(0)
            if args.count > 1 { i = try N.real(rt, args[1]) }
            else if case .double = r { i = .double(0) }
            else if case .single = r { i = .single(0) }
            return N.makeComplex(r, i)
        }
        rt.def1("REALPART") { rt, x throws(Unwind) in N.value(try N.parts(rt, x).0) }
        rt.def1("IMAGPART") { rt, x throws(Unwind) in
            if case .object = x { return N.value(try N.parts(rt, x).1) }
            let n = try N.num(rt, x)
            // (imagpart x) = (* 0 x)
            return N.value((try? Num.mul(.fixnum(0), n)) ?? .fixnum(0))
        }
        rt.def1("CONJUGATE") { rt, x throws(Unwind) in
            if case .object = x {
                let (r, i) = try N.parts(rt, x)
                return N.makeComplex(r, (try? Num.negate(i)) ?? i)
            }
            _ = try N.num(rt, x)
            return x
        }
        rt.def1("PHASE") { rt, x throws(Unwind) in
            let (r, i) = try N.parts(rt, x)
            if case .object = x {
                return try N.op(rt, "PHASE", [x]) { () throws(NumError) in try Num.atan(i, r) }
            }
            let neg = r.asDouble.sign == .minus && !(r.isRational && r.isZero)
            if case .double = r { return .double(neg ? Double.pi : 0) }
            return .single(neg ? Float(Double.pi) : 0)
        }
        rt.def1("CIS") { rt, x throws(Unwind) in
            let t = try N.real(rt, x)
            let isD: Bool
            if case .double = t { isD = true } else { isD = false }
            return N.floatComplex(cos(t.asDouble), sin(t.asDouble), double: isD)
        }
        rt.def1("COMPLEXP") { _, x throws(Unwind) in .bool(N.isComplex(x)) }
        rt.def1("NUMBERP") { _, x throws(Unwind) in .bool(N.isAnyNumber(x)) }
    }
}
