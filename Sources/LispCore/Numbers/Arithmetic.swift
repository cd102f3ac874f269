// Arithmetic over Value: the glue between the interpreter's Value and the Num tower.
// Entry points used elsewhere in LispCore (keep them): Numeric.normalize, Numeric.makeRatio,
// Numeric.add/sub/mul/div, Numeric.compare, Numeric.numEqual. Fixnum fast paths are inline
// here; everything else converts to Num (NumOps.swift has the CL semantics).

public enum Numeric {

    // MARK: Value <-> Num

    /// The Num for a numeric Value, nil for non-numbers.
    @inline(__always)
    public static func toNum(_ v: Value) -> Num? {
        switch v {
        case .fixnum(let i): return .fixnum(i)
        case .single(let f): return .single(f)
        case .double(let d): return .double(d)
        case .bignum(let b): return .bignum(b.value)
        case .ratio(let r): return .ratio(r.numerator, r.denominator)
        default: return nil
        }
    }

    /// A number argument (type-error NUMBER otherwise).
    @inline(__always)
    public static func num(_ rt: Runtime, _ v: Value, _ expected: String = "NUMBER") throws(Unwind) -> Num {
        if let n = toNum(v) { return n }
        try rt.typeError(v, expected)
    }

    /// A real argument (all CommLisp numbers are real; the type-error names REAL).
    @inline(__always)
    public static func real(_ rt: Runtime, _ v: Value) throws(Unwind) -> Num { try num(rt, v, "REAL") }

    /// An integer argument.
    public static func integer(_ rt: Runtime, _ v: Value) throws(Unwind) -> Num {
        switch v {
        case .fixnum(let i): return .fixnum(i)
        case .bignum(let b): return .bignum(b.value)
        default: try rt.typeError(v, "INTEGER")
        }
    }

    /// A rational argument.
    public static func rational(_ rt: Runtime, _ v: Value) throws(Unwind) -> Num {
        switch v {
        case .fixnum, .bignum, .ratio: return toNum(v)!
        default: try rt.typeError(v, "RATIONAL")
        }
    }

    /// A float argument.
    public static func float(_ rt: Runtime, _ v: Value) throws(Unwind) -> Num {
        switch v {
        case .single, .double: return toNum(v)!
        default: try rt.typeError(v, "FLOAT")
        }
    }

    @inline(__always)
    public static func value(_ n: Num) -> Value {
        switch n {
        case .fixnum(let i): return .fixnum(i)
        case .single(let f): return .single(f)
        case .double(let d): return .double(d)
        case .bignum(let b):
            if let i = b.asInt { return .fixnum(i) }
            return .bignum(LispBignum(b))
        case .ratio(let n, let d): return .ratio(LispRatio(numerator: n, denominator: d))
        }
    }

    /// An integer as a Value: fixnum when it fits.
    public static func normalize(_ b: BigInt) -> Value {
        if let i = b.asInt { return .fixnum(i) }
        return .bignum(LispBignum(b))
    }

    /// n/d in lowest terms from two integer Values (the reader's ratio syntax). NIL when either
    /// is not an integer or d is zero (the caller reports that).
    public static func makeRatio(_ n: Value, _ d: Value) -> Value {
        guard let nn = toNum(n)?.bigValue, let dd = toNum(d)?.bigValue, !dd.isZero,
              let r = try? Num.rational(nn, dd) else { return .null }
        return value(r)
    }

    // MARK: errors

    /// Signal the CL condition for a NumError raised by operation `op` on `operands`.
    public static func fail(_ rt: Runtime, _ e: NumError, _ op: String, _ operands: [Value]) throws(Unwind) -> Never {
        let cls: ConditionClass
        switch e {
        case .typeError(let datum, let expected): try rt.typeError(value(datum), expected)
        case .complexResult(let what):
            try rt.error("\(what): the result would be a complex number, which CommLisp does not support.")
        case .tooLarge:
            try rt.signalError(rt.makeCondition(StandardConditions.simpleStorageCondition,
                message: "\(op): the result would have more than \(Num.maxBits) bits"))
        case .divisionByZero: cls = StandardConditions.divisionByZero
        case .floatingPointOverflow: cls = StandardConditions.floatingPointOverflow
        case .floatingPointInvalid: cls = StandardConditions.floatingPointInvalid
        }
        // SBCL's report: "arithmetic error DIVISION-BY-ZERO signalled\nOperation was (/ 1 0)."
        var msg = "arithmetic error \(cls.name.name) signalled"
        let opSym = World.shared.cl.internExternal(op)
        if !operands.isEmpty {
            let text = ([op] + operands.map { rt.printString($0) }).joined(separator: " ")
            msg += "\nOperation was (\(text))."
        }
        msg = msg.replacingTildes()
        try rt.signalError(rt.makeCondition(cls, message: msg,
                                            slots: ["OPERATION": Value(opSym), "OPERANDS": listFrom(operands)]))
    }

    // MARK: binary entry points (used by the compiler's inliners and the builtins)

    public static func add(_ rt: Runtime, _ a: Value, _ b: Value) throws(Unwind) -> Value {
        if case .fixnum(let x) = a, case .fixnum(let y) = b {
            let (r, o) = x.addingReportingOverflow(y)
            if !o { return .fixnum(r) }
        }
        guard let x = toNum(a), let y = toNum(b) else { return try complexOp(rt, "+", a, b) }
        do { return value(try Num.add(x, y)) } catch { try fail(rt, error, "+", [a, b]) }
    }

    public static func sub(_ rt: Runtime, _ a: Value, _ b: Value) throws(Unwind) -> Value {
        if case .fixnum(let x) = a, case .fixnum(let y) = b {
            let (r, o) = x.subtractingReportingOverflow(y)
            if !o { return .fixnum(r) }
        }
        guard let x = toNum(a), let y = toNum(b) else { return try complexOp(rt, "-", a, b) }
        do { return value(try Num.sub(x, y)) } catch { try fail(rt, error, "-", [a, b]) }
    }

    public static func mul(_ rt: Runtime, _ a: Value, _ b: Value) throws(Unwind) -> Value {
        if case .fixnum(let x) = a, case .fixnum(let y) = b {
            let (r, o) = x.multipliedReportingOverflow(by: y)
            if !o { return .fixnum(r) }
        }
        guard let x = toNum(a), let y = toNum(b) else { return try complexOp(rt, "*", a, b) }
        do { return value(try Num.mul(x, y)) } catch { try fail(rt, error, "*", [a, b]) }
    }

    public static func div(_ rt: Runtime, _ a: Value, _ b: Value) throws(Unwind) -> Value {
        guard let x = toNum(a), let y = toNum(b) else {
            if let (br, bi) = complexParts(b), br.isZero && bi.isZero, complexParts(a) != nil {
                try fail(rt, .divisionByZero, "/", [a, b])
            }
            return try complexOp(rt, "/", a, b)
        }
        do { return value(try Num.div(x, y)) } catch { try fail(rt, error, "/", [a, b]) }
    }

    public static func negate(_ rt: Runtime, _ a: Value) throws(Unwind) -> Value {
        if case .fixnum(let x) = a, x != Int.min { return .fixnum(-x) }
        if case .object(let o) = a, let c = o as? LispComplex {
            return makeComplex((try? Num.negate(c.real)) ?? c.real, (try? Num.negate(c.imag)) ?? c.imag)
        }
        let x = try num(rt, a)
        do { return value(try Num.negate(x)) } catch { try fail(rt, error, "-", [a]) }
    }

    /// -1, 0, 1. Type-error for non-reals. An unordered comparison (NaN) counts as "greater"
    /// for <, <= and "not equal" for = (all such tests come out false except /=).
    public static func compare(_ rt: Runtime, _ a: Value, _ b: Value) throws(Unwind) -> Int {
        if case .fixnum(let x) = a, case .fixnum(let y) = b { return x < y ? -1 : (x == y ? 0 : 1) }
        let x = try real(rt, a), y = try real(rt, b)
        return Num.compare(x, y) ?? 2
    }

    /// Ordered comparison: nil when unordered (NaN).
    public static func compareOrdered(_ rt: Runtime, _ a: Value, _ b: Value) throws(Unwind) -> Int? {
        if case .fixnum(let x) = a, case .fixnum(let y) = b { return x < y ? -1 : (x == y ? 0 : 1) }
        return Num.compare(try real(rt, a), try real(rt, b))
    }

    public static func numEqual(_ rt: Runtime, _ a: Value, _ b: Value) throws(Unwind) -> Bool {
        if case .fixnum(let x) = a, case .fixnum(let y) = b { return x == y }
        guard let x = toNum(a), let y = toNum(b) else { return try complexEqual(rt, a, b) }
        return Num.compare(x, y) == 0
    }

    /// Run a Num operation, mapping its errors to conditions.
    @inline(__always)
    static func op(_ rt: Runtime, _ name: String, _ operands: [Value],
                   _ body: () throws(NumError) -> Num) throws(Unwind) -> Value {
        do { return value(try body()) } catch { try fail(rt, error, name, operands) }
    }

    /// Like `op` but returning the Num (for folds).
    @inline(__always)
    static func numOp(_ rt: Runtime, _ name: String, _ operands: [Value],
                      _ body: () throws(NumError) -> Num) throws(Unwind) -> Num {
        do { return try body() } catch { try fail(rt, error, name, operands) }
    }

    // MARK: printing

    /// True when *read-default-float-format* is double-float (or long-float).
    public static var defaultFloatIsDouble: Bool {
        guard let n = Sym.readDefaultFloatFormat.value?.asSymbol?.name else { return false }
        return n == "DOUBLE-FLOAT" || n == "LONG-FLOAT"
    }

    /// PRIN1 text of any number Value in `base` with the *print-radix* flag.
    public static func printNumber(_ v: Value, base: Int = 10, radix: Bool = false) -> String? {
        guard let n = toNum(v) else { return nil }
        return NumPrint.prin1(n, base: base, radix: radix, defaultIsDouble: defaultFloatIsDouble)
    }
}

extension FloatFormat {
    /// PRIN1 of a single-float honouring *read-default-float-format* (used by the printer).
    public static func single(_ f: Float) -> String { prin1(f, defaultIsDouble: Numeric.defaultFloatIsDouble) }
    /// PRIN1 of a double-float honouring *read-default-float-format* (used by the printer).
    public static func double(_ d: Double) -> String { prin1(d, defaultIsDouble: Numeric.defaultFloatIsDouble) }
}

extension String {
    /// Escape tildes so the text can serve as a format control.
    func replacingTildes() -> String {
        var out = ""
        for c in self { if c == "~" { out += "~~" } else { out.append(c) } }
        return out
    }
}
