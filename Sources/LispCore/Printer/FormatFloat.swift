/// FORMAT's float directives ~F ~E ~G ~$: argument coercion here, rendering by the numbers
/// library's SBCL-exact `FloatFormat.formatFixed/formatExponential/formatGeneral/formatDollars`.

/// A float argument to ~F/~E/~G/~$ (single or double).
struct FmtFloat {
    var d: Double
    var isDouble: Bool
    var negative: Bool { d.sign == .minus }
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

    /// The numbers library's SBCL-exact float formatting works on `FloatFormat.Bits`.
    func bits(_ x: FmtFloat) -> FloatFormat.Bits {
        x.isDouble ? FloatFormat.Bits(x.d) : FloatFormat.Bits(Float(x.d))
    }
    var defaultIsDouble: Bool {
        if let f = Sym.readDefaultFloatFormat.value?.asSymbol, f.name == "DOUBLE-FLOAT" || f.name == "LONG-FLOAT" {
            return true
        }
        return false
    }
    func ch(_ c: Unicode.Scalar?) -> Character? { c.map { Character($0) } }

    /// ~F body; returns true when it overflowed with the overflow char.
    @discardableResult
    func fixedAux(_ x: FmtFloat, _ w: Int?, _ d: Int?, _ k: Int?, _ ovf: Unicode.Scalar?, _ pad: Unicode.Scalar,
                  _ atsign: Bool) -> Bool {
        let r = FloatFormat.formatFixed(bits(x), w: w, d: d, k: k, ovf: ch(ovf), pad: Character(pad),
                                        atsign: atsign, defaultIsDouble: defaultIsDouble)
        emit(r.text)
        return r.overflowed
    }

    func expAux(_ x: FmtFloat, _ w: Int?, _ d: Int?, _ e: Int?, _ k0: Int, _ ovf: Unicode.Scalar?,
                _ pad: Unicode.Scalar, _ marker: Unicode.Scalar?, _ atsign: Bool) {
        emit(FloatFormat.formatExponential(bits(x), w: w, d: d, e: e, k: k0, ovf: ch(ovf), pad: Character(pad),
                                           marker: ch(marker), atsign: atsign, defaultIsDouble: defaultIsDouble))
    }

    func generalAux(_ x: FmtFloat, _ w: Int?, _ d0: Int?, _ e: Int?, _ k: Int?, _ ovf: Unicode.Scalar?,
                    _ pad: Unicode.Scalar, _ marker: Unicode.Scalar?, _ atsign: Bool) {
        emit(FloatFormat.formatGeneral(bits(x), w: w, d: d0, e: e, k: k, ovf: ch(ovf), pad: Character(pad),
                                       marker: ch(marker), atsign: atsign, defaultIsDouble: defaultIsDouble))
    }

    func dollars(_ x: FmtFloat, _ d: Int, _ n: Int, _ w: Int, _ pad: Unicode.Scalar, _ colon: Bool, _ atsign: Bool) {
        emit(FloatFormat.formatDollars(bits(x), d: d, n: n, w: w, pad: Character(pad), colon: colon,
                                       atsign: atsign, defaultIsDouble: defaultIsDouble))
    }
}
