/// `eq`: identity (immediates compare by value, as fixnums and characters are eq in practice).
@inline(__always) public func eq(_ a: Value, _ b: Value) -> Bool {
    switch (a, b) {
    case (.null, .null): return true
    case (.fixnum(let x), .fixnum(let y)): return x == y
    case (.character(let x), .character(let y)): return x == y
    case (.symbol(let x), .symbol(let y)): return x === y
    case (.cons(let x), .cons(let y)): return x === y
    case (.string(let x), .string(let y)): return x === y
    case (.vector(let x), .vector(let y)): return x === y
    case (.bytes(let x), .bytes(let y)): return x === y
    case (.function(let x), .function(let y)): return x === y
    case (.object(let x), .object(let y)): return x === y
    case (.single(let x), .single(let y)): return x.bitPattern == y.bitPattern
    case (.double(let x), .double(let y)): return x.bitPattern == y.bitPattern
    case (.bignum(let x), .bignum(let y)): return x === y
    case (.ratio(let x), .ratio(let y)): return x === y
    default: return false
    }
}

/// `eql`: eq, or numbers of the same type and value, or the same character.
public func eql(_ a: Value, _ b: Value) -> Bool {
    switch (a, b) {
    case (.bignum(let x), .bignum(let y)): return x.value == y.value
    case (.ratio(let x), .ratio(let y)): return x.numerator == y.numerator && x.denominator == y.denominator
    case (.object(let x), .object(let y)) where type(of: x) == LispComplex.self && type(of: y) == LispComplex.self:
        return unsafeDowncast(x, to: LispComplex.self).eql(unsafeDowncast(y, to: LispComplex.self))
    default: return eq(a, b)
    }
}

/// `equal`: structural on conses, strings, bit vectors and pathnames; eql otherwise.
public func equal(_ a: Value, _ b: Value) -> Bool {
    var a = a, b = b
    while true {
        switch (a, b) {
        case (.cons(let x), .cons(let y)):
            if x === y { return true }
            if !equal(x.car, y.car) { return false }
            a = x.cdr
            b = y.cdr
            continue
        case (.string(let x), .string(let y)):
            if x.count != y.count { return false }
            for i in 0..<x.count where x[i] != y[i] { return false }
            return true
        case (.bytes(let x), .bytes(let y)):
            return x === y
        case (.vector(let x), .vector(let y)):
            if x === y { return true }
            guard case .symbol(let ex) = x.elementType, ex.name == "BIT", case .symbol(let ey) = y.elementType, ey.name == "BIT",
                  x.count == y.count else { return false }
            for i in 0..<x.count where !eql(x.items[i], y.items[i]) { return false }
            return true
        default:
            return eql(a, b)
        }
    }
}

/// `equalp`: case-insensitive strings and characters, numbers by `=`, arrays and hash tables
/// element-wise, structures slot-wise.
public func equalp(_ a: Value, _ b: Value) -> Bool {
    switch (a, b) {
    case (.character(let x), .character(let y)): return charEqualIgnoringCase(x, y)
    case (.cons(let x), .cons(let y)): return equalp(x.car, y.car) && equalp(x.cdr, y.cdr)
    default: break
    }
    if a.isNumber && b.isNumber { return numericEqualForEqualp(a, b) }
    if let (ar, ai) = complexPartsForEqualp(a), let (br, bi) = complexPartsForEqualp(b) {
        // equalp is = on numbers: #c(1 2) and #c(1.0 2.0) are equalp, and so are 1 and #c(1.0 0.0).
        return numericEqualForEqualp(ar, br) && numericEqualForEqualp(ai, bi)
    }
    if let xs = sequenceItemsForEqualp(a), let ys = sequenceItemsForEqualp(b) {
        if xs.count != ys.count { return false }
        for i in 0..<xs.count where !equalp(xs[i], ys[i]) { return false }
        return true
    }
    if case .object(let x) = a, case .object(let y) = b {
        if let r = x.valueEqualp(y) { return r }
        if let h = equalpObjectHook { return h(x, y) }
    }
    return eql(a, b)
}

/// Structure / hash-table comparison for `equalp`, installed by the library.
nonisolated(unsafe) public var equalpObjectHook: ((LispObject, LispObject) -> Bool)?

func charEqualIgnoringCase(_ x: Unicode.Scalar, _ y: Unicode.Scalar) -> Bool {
    x == y || String(x).lowercased() == String(y).lowercased()
}

func numericEqualForEqualp(_ a: Value, _ b: Value) -> Bool {
    switch (a, b) {
    case (.fixnum(let x), .fixnum(let y)): return x == y
    default:
        if let x = a.approximateDouble, let y = b.approximateDouble {
            if a.isRationalValue && b.isRationalValue { return eql(a, b) }
            return x == y
        }
        return false
    }
}

/// A number's real and imaginary parts (0 for a real), when one of the two compared is complex;
/// nil for anything that is not a number.
func complexPartsForEqualp(_ v: Value) -> (Value, Value)? {
    if v.isNumber { return (v, .fixnum(0)) }
    guard case .object(let o) = v, type(of: o) == LispComplex.self else { return nil }
    let c = unsafeDowncast(o, to: LispComplex.self)
    return (Numeric.value(c.real), Numeric.value(c.imag))
}

func sequenceItemsForEqualp(_ v: Value) -> [Value]? {
    switch v {
    case .string(let s): return s.activeScalars.map { .character($0) }
    case .vector(let vec): return Array(vec.activeItems)
    case .bytes(let b): return b.bytes[0..<b.count].map { .fixnum(Int($0)) }
    default: return nil
    }
}

extension Value {
    /// The value as a Double when it is a real number.
    public var approximateDouble: Double? {
        switch self {
        case .fixnum(let n): return Double(n)
        case .single(let f): return Double(f)
        case .double(let d): return d
        case .bignum(let b): return Double(b.value.description)
        case .ratio(let r): return (Double(r.numerator.description) ?? 0) / (Double(r.denominator.description) ?? 1)
        default: return nil
        }
    }
}
