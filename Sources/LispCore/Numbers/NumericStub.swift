// TEMPORARY generic arithmetic until the numbers branch is merged. The numbers branch must keep
// these entry points (the compiler's inliners and the reader call them):
//   Numeric.normalize(BigInt) -> Value, Numeric.makeRatio(Value, Value) -> Value,
//   Numeric.add/sub/mul(rt, a, b) throws(Unwind) -> Value, Numeric.compare(rt, a, b) throws(Unwind) -> Int,
//   Numeric.numEqual(rt, a, b) throws(Unwind) -> Bool
public enum Numeric {
    public static func normalize(_ b: BigInt) -> Value { .fixnum(b.v) }
    public static func makeRatio(_ n: Value, _ d: Value) -> Value {
        if case .fixnum(let a) = n, case .fixnum(let b) = d, b != 0, a % b == 0 { return .fixnum(a / b) }
        return .null
    }
    static func toDouble(_ rt: Runtime, _ v: Value) throws(Unwind) -> Double {
        switch v {
        case .fixnum(let n): return Double(n)
        case .single(let f): return Double(f)
        case .double(let d): return d
        default: try rt.typeError(v, "NUMBER")
        }
    }
    public static func add(_ rt: Runtime, _ a: Value, _ b: Value) throws(Unwind) -> Value {
        if case .fixnum(let x) = a, case .fixnum(let y) = b { return .fixnum(x &+ y) }
        return .double(try toDouble(rt, a) + toDouble(rt, b))
    }
    public static func sub(_ rt: Runtime, _ a: Value, _ b: Value) throws(Unwind) -> Value {
        if case .fixnum(let x) = a, case .fixnum(let y) = b { return .fixnum(x &- y) }
        return .double(try toDouble(rt, a) - toDouble(rt, b))
    }
    public static func mul(_ rt: Runtime, _ a: Value, _ b: Value) throws(Unwind) -> Value {
        if case .fixnum(let x) = a, case .fixnum(let y) = b { return .fixnum(x &* y) }
        return .double(try toDouble(rt, a) * toDouble(rt, b))
    }
    public static func compare(_ rt: Runtime, _ a: Value, _ b: Value) throws(Unwind) -> Int {
        if case .fixnum(let x) = a, case .fixnum(let y) = b { return x < y ? -1 : (x == y ? 0 : 1) }
        let x = try toDouble(rt, a), y = try toDouble(rt, b)
        return x < y ? -1 : (x == y ? 0 : 1)
    }
    public static func numEqual(_ rt: Runtime, _ a: Value, _ b: Value) throws(Unwind) -> Bool {
        try compare(rt, a, b) == 0
    }
}
