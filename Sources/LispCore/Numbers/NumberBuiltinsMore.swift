// More CL number functions: float decoding, the remaining LOG* and BOOLE operations,
// PARSE-INTEGER, RANDOM and random states, inverse hyperbolic functions.

#if canImport(Glibc)
import Glibc  // libm; no Foundation
#elseif canImport(Darwin)
import Darwin
#endif

/// A CL RANDOM-STATE: SplitMix64 state.
public final class LispRandomState: LispObject {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public override var typeName: String { "RANDOM-STATE" }
    public override var supertypeNames: [String] { ["RANDOM-STATE"] }

    public func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform integer in [0, limit) for limit > 0.
    public func below(_ limit: BigInt) -> BigInt {
        if let l = limit.asInt {
            let ul = UInt64(l)
            // rejection sampling for uniformity
            let bound = UInt64.max - UInt64.max % ul
            while true { let r = next(); if r < bound { return BigInt(Int(r % ul)) } }
        }
        // enough random bits, then reduce (bias negligible: 64 extra bits)
        let limbs = limit.mag.count + 1
        var s = BigInt.zero
        for _ in 0..<limbs { s = s.shiftedLeft(64) + BigInt(next()) }
        return s.mod(limit)
    }

    /// Uniform double in [0, 1).
    public func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }
}

extension NumberBuiltins {
    static func registerMore(_ rt: Runtime) {
        registerFloatDecoding(rt)
        registerMoreLogical(rt)
        registerParseInteger(rt)
        registerRandom(rt)
        func unary(_ name: String, _ f: @escaping (Num) throws(NumError) -> Num) {
            rt.def1(name) { rt, x throws(Unwind) in
                let n = try N.num(rt, x)
                return try N.op(rt, name, [x]) { () throws(NumError) in try f(n) }
            }
        }
        unary("ASINH") { x throws(NumError) in try Num.unaryFloat(x) { Glibc.asinh($0) } }
        unary("ACOSH") { x throws(NumError) in
            if x.asDouble < 1 { throw .complexResult("ACOSH of a number below 1") }
            return try Num.unaryFloat(x) { Glibc.acosh($0) }
        }
        unary("ATANH") { x throws(NumError) in
            if Swift.abs(x.asDouble) > 1 { throw .complexResult("ATANH outside [-1, 1]") }
            return try Num.unaryFloat(x) { Glibc.atanh($0) }
        }
    }

    // MARK: decode-float & co.

    static func registerFloatDecoding(_ rt: Runtime) {
        rt.defN("DECODE-FLOAT", 1, 1, mv: true) { rt, args throws(Unwind) in
            switch args[0] {
            case .single(let f):
                let sign: Float = f.sign == .minus ? -1 : 1
                if f == 0 { return rt.values2(.single(0), .fixnum(0)).withThird(rt, .single(sign)) }
                if !f.isFinite { try rt.typeError(args[0], "FLOAT") }
                let a = Swift.abs(f)
                return rt.values2(.single(a.significand / 2), .fixnum(Int(a.exponent) + 1)).withThird(rt, .single(sign))
            case .double(let d):
                let sign: Double = d.sign == .minus ? -1 : 1
                if d == 0 { return rt.values2(.double(0), .fixnum(0)).withThird(rt, .double(sign)) }
                if !d.isFinite { try rt.typeError(args[0], "FLOAT") }
                let a = Swift.abs(d)
                return rt.values2(.double(a.significand / 2), .fixnum(Int(a.exponent) + 1)).withThird(rt, .double(sign))
            default: try rt.typeError(args[0], "FLOAT")
            }
        }
        rt.defN("INTEGER-DECODE-FLOAT", 1, 1, mv: true) { rt, args throws(Unwind) in
            let (m, e, s): (BigInt, Int, Int)
            switch args[0] {
            case .single(let f):
                if f == 0 { return rt.values2(.fixnum(0), .fixnum(0)).withThird(rt, .fixnum(1)) }
                (m, e, s) = NumConv.integerDecode(f)
            case .double(let d):
                if d == 0 { return rt.values2(.fixnum(0), .fixnum(0)).withThird(rt, .fixnum(1)) }
                (m, e, s) = NumConv.integerDecode(d)
            default: try rt.typeError(args[0], "FLOAT")
            }
            return rt.values2(N.normalize(m), .fixnum(e)).withThird(rt, .fixnum(s))
        }
        rt.def2("SCALE-FLOAT") { rt, x, n throws(Unwind) in
            let k = try rt.fixnum(n)
            let kk = Swift.max(-2200, Swift.min(2200, k))
            switch x {
            case .single(let f):
                let r = Float(sign: .plus, exponent: kk, significand: f)
                if r.isInfinite && f.isFinite { try N.fail(rt, .floatingPointOverflow, "SCALE-FLOAT", [x, n]) }
                return .single(r)
            case .double(let d):
                let r = Double(sign: .plus, exponent: kk, significand: d)
                if r.isInfinite && d.isFinite { try N.fail(rt, .floatingPointOverflow, "SCALE-FLOAT", [x, n]) }
                return .double(r)
            default: try rt.typeError(x, "FLOAT")
            }
        }
        rt.def1("FLOAT-RADIX") { rt, x throws(Unwind) in _ = try N.float(rt, x); return .fixnum(2) }
        rt.def1("FLOAT-DIGITS") { rt, x throws(Unwind) in
            if case .double = try N.float(rt, x) { return .fixnum(53) }
            return .fixnum(24)
        }
        rt.def1("FLOAT-PRECISION") { rt, x throws(Unwind) in
            switch x {
            case .single(let f):
                if f == 0 { return .fixnum(0) }
                if f.isSubnormal { return .fixnum(32 - f.significandBitPattern.leadingZeroBitCount) }
                return .fixnum(24)
            case .double(let d):
                if d == 0 { return .fixnum(0) }
                if d.isSubnormal { return .fixnum(64 - d.significandBitPattern.leadingZeroBitCount) }
                return .fixnum(53)
            default: try rt.typeError(x, "FLOAT")
            }
        }
        rt.defN("FLOAT-SIGN", 1, 2) { rt, args throws(Unwind) in
            let x = try N.float(rt, args[0])
            let neg = x.asDouble.sign == .minus
            if args.count == 1 {
                if case .double = x { return .double(neg ? -1 : 1) }
                return .single(neg ? -1 : 1)
            }
            // (* (float-sign x) (abs y)): float contagion of both
            let y = try N.float(rt, args[1])
            let m = Swift.abs(y.asDouble)
            if case .double = x { return .double(neg ? -m : m) }
            if case .double = y { return .double(neg ? -m : m) }
            return .single(Float(neg ? -m : m))
        }
    }

    // MARK: logeqv lognand ... logtest boole

    static func registerMoreLogical(_ rt: Runtime) {
        func big(_ rt: Runtime, _ v: Value) throws(Unwind) -> BigInt {
            if case .fixnum(let i) = v { return BigInt(i) }
            return try N.integer(rt, v).bigValue!
        }
        rt.defN("LOGEQV", 0, -1) { rt, args throws(Unwind) in
            var acc = BigInt(-1)
            for i in 0..<args.count { acc = ~(acc ^ (try big(rt, args[i]))) }
            return N.normalize(acc)
        }
        func two(_ name: String, _ f: @escaping (BigInt, BigInt) -> BigInt) {
            rt.def2(name) { rt, a, b throws(Unwind) in N.normalize(f(try big(rt, a), try big(rt, b))) }
        }
        two("LOGNAND") { ~($0 & $1) }
        two("LOGNOR") { ~($0 | $1) }
        two("LOGANDC1") { ~$0 & $1 }
        two("LOGANDC2") { $0 & ~$1 }
        two("LOGORC1") { ~$0 | $1 }
        two("LOGORC2") { $0 | ~$1 }
        rt.def2("LOGTEST") { rt, a, b throws(Unwind) in
            if case .fixnum(let x) = a, case .fixnum(let y) = b { return .bool(x & y != 0) }
            return .bool(!(try big(rt, a) & big(rt, b)).isZero)
        }
        let booleOps: [(String, (BigInt, BigInt) -> BigInt)] = [
            ("BOOLE-CLR", { _, _ in .zero }), ("BOOLE-SET", { _, _ in BigInt(-1) }),
            ("BOOLE-1", { a, _ in a }), ("BOOLE-2", { _, b in b }),
            ("BOOLE-C1", { a, _ in ~a }), ("BOOLE-C2", { _, b in ~b }),
            ("BOOLE-AND", { $0 & $1 }), ("BOOLE-IOR", { $0 | $1 }), ("BOOLE-XOR", { $0 ^ $1 }),
            ("BOOLE-EQV", { ~($0 ^ $1) }), ("BOOLE-NAND", { ~($0 & $1) }), ("BOOLE-NOR", { ~($0 | $1) }),
            ("BOOLE-ANDC1", { ~$0 & $1 }), ("BOOLE-ANDC2", { $0 & ~$1 }),
            ("BOOLE-ORC1", { ~$0 | $1 }), ("BOOLE-ORC2", { $0 | ~$1 }),
        ]
        for (i, (name, _)) in booleOps.enumerated() {
            let s = World.shared.cl.internExternal(name)
            if s.value == nil { s.value = .fixnum(i); s.isConstant = true; s.isSpecial = true }
        }
        rt.defN("BOOLE", 3, 3) { rt, args throws(Unwind) in
            let op = try rt.fixnum(args[0])
            guard op >= 0 && op < booleOps.count else { try rt.typeError(args[0], "(INTEGER 0 15)") }
            return N.normalize(booleOps[op].1(try big(rt, args[1]), try big(rt, args[2])))
        }
    }

    // MARK: parse-integer

    static func registerParseInteger(_ rt: Runtime) {
        rt.defN("PARSE-INTEGER", 1, -1, mv: true) { rt, args throws(Unwind) in
            let chars = Array(try rt.lispString(args[0]).string.unicodeScalars)
            let kw = try rt.keywordArgs(args, from: 1, allowed: ["START", "END", "RADIX", "JUNK-ALLOWED"],
                                        fname: "PARSE-INTEGER")
            let start = try kw["START"].map { v throws(Unwind) in try rt.index(v) } ?? 0
            var end = chars.count
            if let e = kw["END"], !e.isNil { end = try rt.index(e) }
            let radix = try kw["RADIX"].map { v throws(Unwind) in try rt.fixnum(v) } ?? 10
            let junk = kw["JUNK-ALLOWED"]?.isTrue ?? false
            if start > end || end > chars.count {
                try rt.error("PARSE-INTEGER: bad bounds :start \(start) :end \(end) for a string of length \(chars.count)")
            }
            if radix < 2 || radix > 36 { try rt.typeError(kw["RADIX"] ?? .null, "(INTEGER 2 36)") }
            func isSpace(_ c: Unicode.Scalar) -> Bool {
                c == " " || c == "\t" || c == "\n" || c == "\r" || c == "\u{0C}" || c == "\u{0B}"
            }
            func fail() throws(Unwind) -> Never {
                let text = String(String.UnicodeScalarView(chars[start..<end]))
                try rt.signalError(rt.makeCondition(StandardConditions.parseError,
                    message: "junk in string \(rt.printString(Value(text))) while parsing an integer".replacingTildes()))
            }
            var i = start
            while i < end && isSpace(chars[i]) { i += 1 }
            var negative = false
            if i < end && (chars[i] == "+" || chars[i] == "-") { negative = chars[i] == "-"; i += 1 }
            var digits = ""
            while i < end, let d = Self.letterDigit(chars[i]), d < radix {
                digits.unicodeScalars.append(chars[i]); i += 1
            }
            if digits.isEmpty {
                if junk { return rt.values2(.null, .fixnum(i)) }
                try fail()
            }
            let value = BigInt.parse(digits, radix: radix)!
            let result = N.normalize(negative ? -value : value)
            if junk { return rt.values2(result, .fixnum(i)) }
            while i < end && isSpace(chars[i]) { i += 1 }
            if i < end { try fail() }
            return rt.values2(result, .fixnum(i))
        }
    }

    static func letterDigit(_ c: Unicode.Scalar) -> Int? {
        switch c.value {
        case 48...57: return Int(c.value) - 48
        case 65...90: return Int(c.value) - 55
        case 97...122: return Int(c.value) - 87
        default: return nil
        }
    }

    // MARK: random

    static func registerRandom(_ rt: Runtime) {
        let stateSym = World.shared.cl.internExternal("*RANDOM-STATE*")
        if stateSym.value == nil || stateSym.value!.isNil {
            stateSym.value = .object(LispRandomState(seed: 0x2545_F491_4F6C_DD1D))
        }
        func current(_ rt: Runtime) throws(Unwind) -> LispRandomState {
            if case .object(let o)? = stateSym.value, let s = o as? LispRandomState { return s }
            try rt.typeError(stateSym.value ?? .null, "RANDOM-STATE")
        }
        rt.defN("RANDOM", 1, 2) { rt, args throws(Unwind) in
            let st: LispRandomState
            if args.count > 1 {
                guard case .object(let o) = args[1], let s = o as? LispRandomState else {
                    try rt.typeError(args[1], "RANDOM-STATE")
                }
                st = s
            } else { st = try current(rt) }
            let spec = "(OR (SINGLE-FLOAT (0.0)) (DOUBLE-FLOAT (0.0d0)) (INTEGER 1))"
            switch args[0] {
            case .fixnum(let n) where n > 0: return N.normalize(st.below(BigInt(n)))
            case .bignum(let b) where !b.value.negative: return N.normalize(st.below(b.value))
            case .single(let f) where f > 0:
                var r = Float(st.unit() * Double(f))
                if r >= f { r = f.nextDown }
                return .single(r)
            case .double(let d) where d > 0:
                var r = st.unit() * d
                if r >= d { r = d.nextDown }
                return .double(r)
            default: try rt.typeError(args[0], spec)
            }
        }
        rt.defN("MAKE-RANDOM-STATE", 0, 1) { rt, args throws(Unwind) in
            let arg = args.get(0)
            switch arg {
            case .null: return .object(LispRandomState(seed: try current(rt).state))
            case .object(let o) where o is LispRandomState:
                return .object(LispRandomState(seed: (o as! LispRandomState).state))
            default:
                if arg.asSymbol === Symbol.T {
                    var ts = timespec()
                    clock_gettime(CLOCK_REALTIME, &ts)
                    return .object(LispRandomState(seed: UInt64(ts.tv_sec) &* 1_000_000_007 &+ UInt64(ts.tv_nsec)))
                }
                try rt.typeError(arg, "(OR RANDOM-STATE BOOLEAN)")
            }
        }
        rt.def1("RANDOM-STATE-P") { _, x throws(Unwind) in
            if case .object(let o) = x, o is LispRandomState { return .t }
            return .null
        }
    }
}

extension Value {
    /// Chain a third value onto values2 (rt.values2(a, b).withThird(rt, c)).
    func withThird(_ rt: Runtime, _ c: Value) -> Value {
        rt.mv[2] = c
        rt.nvals = 3
        return self
    }
}

extension Numeric {
    /// COERCE of a number to a numeric type specifier (FLOAT, SINGLE-FLOAT, SHORT-FLOAT,
    /// DOUBLE-FLOAT, LONG-FLOAT, REAL, RATIONAL, NUMBER, COMPLEX, (COMPLEX x), T).
    /// nil when `spec` is not a numeric type this handles (the caller goes on with sequences etc.).
    public static func coerceNumber(_ rt: Runtime, _ x: Value, _ spec: Value) throws(Unwind) -> Value? {
        var head: String
        switch spec {
        case .symbol(let s): head = s.name
        case .cons(let c):
            guard let s = c.car.asSymbol else { return nil }
            head = s.name
        default: return nil
        }
        guard let n = toNum(x) else {
            if isComplex(x) && (head == "COMPLEX" || head == "NUMBER" || head == "T") { return x }
            return nil
        }
        func conv(_ body: () throws(NumError) -> Num) throws(Unwind) -> Value {
            do { return value(try body()) } catch { try fail(rt, error, "COERCE", [x, spec]) }
        }
        switch head {
        case "SINGLE-FLOAT", "SHORT-FLOAT": return try conv { () throws(NumError) in try Num.float(n, double: false) }
        case "DOUBLE-FLOAT", "LONG-FLOAT": return try conv { () throws(NumError) in try Num.float(n, double: true) }
        case "FLOAT": return try conv { () throws(NumError) in try Num.float(n) }
        case "COMPLEX":
            if n.isFloat { return makeComplex(n, n.isFloat ? (try? Num.mul(n, .fixnum(0))) ?? .fixnum(0) : .fixnum(0)) }
            return x
        case "T", "NUMBER", "REAL": return x
        default:
            if try rt.typep(x, spec) { return x }
            try rt.typeError(x, spec: spec)
        }
    }
}

extension NumberBuiltins {
    /// COERCE for numbers (and anything already of the type). Installed only when no other
    /// library has defined COERCE yet; a later, general COERCE should call Numeric.coerceNumber.
    static func registerCoerceIfMissing(_ rt: Runtime) {
        guard World.shared.cl.internExternal("COERCE").function == nil else { return }
        rt.def2("COERCE") { rt, x, spec throws(Unwind) in
            if let v = try N.coerceNumber(rt, x, spec) { return v }
            if try rt.typep(x, spec) { return x }
            try rt.typeError(x, spec: spec)
        }
    }
}
