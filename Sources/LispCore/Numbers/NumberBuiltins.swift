// The CL number functions. Semantics live in NumOps.swift (Num); this file checks argument
// types, folds variadic calls and maps NumError to conditions via Numeric.

enum NumberBuiltins {
    static func register(_ rt: Runtime) {
        registerArithmetic(rt)
        registerComparison(rt)
        registerDivision(rt)
        registerFunctions(rt)
        registerLogical(rt)
        registerPredicates(rt)
        registerMore(rt)
        registerComplex(rt)
        registerCoerceIfMissing(rt)
    }

    typealias N = Numeric

    // MARK: + - * /

    static func registerArithmetic(_ rt: Runtime) {
        rt.defN("+", 0, -1) { rt, args throws(Unwind) in
            if args.count == 0 { return .fixnum(0) }
            var acc = args[0]
            if args.count == 1 { if !N.isAnyNumber(acc) { try rt.typeError(acc, "NUMBER") }; return acc }
            for i in 1..<args.count { acc = try N.add(rt, acc, args[i]) }
            return acc
        }
        rt.defN("*", 0, -1) { rt, args throws(Unwind) in
            if args.count == 0 { return .fixnum(1) }
            var acc = args[0]
            if args.count == 1 { if !N.isAnyNumber(acc) { try rt.typeError(acc, "NUMBER") }; return acc }
            for i in 1..<args.count { acc = try N.mul(rt, acc, args[i]) }
            return acc
        }
        rt.defN("-", 1, -1) { rt, args throws(Unwind) in
            if args.count == 1 { return try N.negate(rt, args[0]) }
            var acc = args[0]
            for i in 1..<args.count { acc = try N.sub(rt, acc, args[i]) }
            return acc
        }
        rt.defN("/", 1, -1) { rt, args throws(Unwind) in
            if args.count == 1 { return try N.div(rt, .fixnum(1), args[0]) }
            var acc = args[0]
            for i in 1..<args.count { acc = try N.div(rt, acc, args[i]) }
            return acc
        }
        rt.def1("1+") { rt, x throws(Unwind) in try N.add(rt, x, .fixnum(1)) }
        rt.def1("1-") { rt, x throws(Unwind) in try N.sub(rt, x, .fixnum(1)) }
    }

    // MARK: = /= < > <= >= min max

    static func registerComparison(_ rt: Runtime) {
        func chain(_ name: String, _ ok: @escaping (Int) -> Bool) {
            rt.defN(name, 1, -1) { rt, args throws(Unwind) in
                if args.count == 1 { _ = try N.real(rt, args[0]); return .t }
                var result = true
                for i in 1..<args.count {
                    // keep checking argument types after the answer is known (SBCL does)
                    let c = try N.compareOrdered(rt, args[i - 1], args[i])
                    if result, c == nil || !ok(c!) { result = false }
                }
                return .bool(result)
            }
        }
        chain("<") { $0 < 0 }
        chain(">") { $0 > 0 }
        chain("<=") { $0 <= 0 }
        chain(">=") { $0 >= 0 }
        rt.defN("=", 1, -1) { rt, args throws(Unwind) in
            if args.count == 1 { if !N.isAnyNumber(args[0]) { try rt.typeError(args[0], "NUMBER") }; return .t }
            var result = true
            for i in 1..<args.count where !(try N.numEqual(rt, args[i - 1], args[i])) { result = false }
            return .bool(result)
        }
        rt.defN("/=", 1, -1) { rt, args throws(Unwind) in
            for i in 0..<args.count where !N.isAnyNumber(args[i]) { try rt.typeError(args[i], "NUMBER") }
            for i in 0..<args.count {
                for j in (i + 1)..<args.count where try N.numEqual(rt, args[i], args[j]) { return .null }
            }
            return .t
        }
        // MAX/MIN return the winning argument itself (SBCL: no contagion, first of equals).
        rt.defN("MAX", 1, -1) { rt, args throws(Unwind) in
            var bestV = args[0]
            var best = try N.real(rt, bestV)
            for i in 1..<max(args.count, 1) {
                let x = try N.real(rt, args[i])
                if (Num.compare(x, best) ?? 0) > 0 { best = x; bestV = args[i] }
            }
            return bestV
        }
        rt.defN("MIN", 1, -1) { rt, args throws(Unwind) in
            var bestV = args[0]
            var best = try N.real(rt, bestV)
            for i in 1..<max(args.count, 1) {
                let x = try N.real(rt, args[i])
                if (Num.compare(x, best) ?? 0) < 0 { best = x; bestV = args[i] }
            }
            return bestV
        }
    }

    // MARK: floor ceiling truncate round, f-variants, mod rem

    static func registerDivision(_ rt: Runtime) {
        func two(_ name: String, _ mode: Num.Rounding, float: Bool) {
            rt.defN(name, 1, 2, mv: true) { rt, args throws(Unwind) in
                let a = try N.real(rt, args[0])
                let dv = args.get(1, .fixnum(1))
                let b = try N.real(rt, dv)
                // fixnum fast path for the common one-argument / fixnum case
                if !float, case .fixnum(let x) = a, case .fixnum(let y) = b, y != 0, !(x == Int.min && y == -1) {
                    var q = x / y, r = x % y
                    if r != 0 {
                        switch mode {
                        case .truncate: break
                        case .floor: if (r < 0) != (y < 0) { q -= 1; r += y }
                        case .ceiling: if (r < 0) == (y < 0) { q += 1; r -= y }
                        case .round:
                            let twice = r.magnitude << 1, ay = y.magnitude
                            if twice > ay || (twice == ay && q & 1 != 0) {
                                if (x < 0) == (y < 0) { q += 1; r -= y } else { q -= 1; r += y }
                            }
                        }
                    }
                    return rt.values2(.fixnum(q), .fixnum(r))
                }
                do throws(NumError) {
                    let (q, r) = float ? try Num.fdivide(a, b, mode) : try Num.divide(a, b, mode)
                    return rt.values2(N.value(q), N.value(r))
                } catch {
                    try N.fail(rt, error, name, args.count > 1 ? [args[0], dv] : [args[0]])
                }
            }
        }
        two("FLOOR", .floor, float: false)
        two("CEILING", .ceiling, float: false)
        two("TRUNCATE", .truncate, float: false)
        two("ROUND", .round, float: false)
        two("FFLOOR", .floor, float: true)
        two("FCEILING", .ceiling, float: true)
        two("FTRUNCATE", .truncate, float: true)
        two("FROUND", .round, float: true)
        rt.def2("MOD") { rt, a, b throws(Unwind) in
            if case .fixnum(let x) = a, case .fixnum(let y) = b, y != 0, y != -1 {
                let r = x % y
                return .fixnum(r != 0 && (r < 0) != (y < 0) ? r + y : r)
            }
            let x = try N.real(rt, a), y = try N.real(rt, b)
            return try N.op(rt, "MOD", [a, b]) { () throws(NumError) in try Num.mod(x, y) }
        }
        rt.def2("REM") { rt, a, b throws(Unwind) in
            if case .fixnum(let x) = a, case .fixnum(let y) = b, y != 0, y != -1 { return .fixnum(x % y) }
            let x = try N.real(rt, a), y = try N.real(rt, b)
            return try N.op(rt, "REM", [a, b]) { () throws(NumError) in try Num.rem(x, y) }
        }
    }

    // MARK: gcd lcm abs signum expt sqrt exp log trig float rational ...

    static func registerFunctions(_ rt: Runtime) {
        rt.defN("GCD", 0, -1) { rt, args throws(Unwind) in
            var acc = Num.fixnum(0)
            for i in 0..<args.count {
                let x = try N.integer(rt, args[i])
                acc = try N.numOp(rt, "GCD", [args[i]]) { () throws(NumError) in try Num.gcd(acc, x) }
            }
            return N.value(acc)
        }
        rt.defN("LCM", 0, -1) { rt, args throws(Unwind) in
            var acc = Num.fixnum(1)
            for i in 0..<args.count {
                let x = try N.integer(rt, args[i])
                acc = try N.numOp(rt, "LCM", [args[i]]) { () throws(NumError) in try Num.lcm(acc, x) }
            }
            return N.value(acc)
        }
        rt.def1("ABS") { rt, x throws(Unwind) in
            if case .fixnum(let i) = x, i != Int.min { return .fixnum(i < 0 ? -i : i) }
            if case .object(let o) = x, let c = o as? LispComplex { return N.complexAbs(c) }
            return N.value(Num.abs(try N.num(rt, x)))
        }
        rt.def1("SIGNUM") { rt, x throws(Unwind) in
            if case .object(let o) = x, let c = o as? LispComplex {
                return try N.div(rt, x, N.complexAbs(c))
            }
            return N.value(Num.signum(try N.num(rt, x)))
        }
        func unary(_ name: String, _ f: @escaping (Num) throws(NumError) -> Num, _ expected: String = "NUMBER") {
            rt.def1(name) { rt, x throws(Unwind) in
                if case .object(let o) = x, let z = o as? LispComplex, let v = try N.complexFunction(rt, name, z) {
                    return v
                }
                let n = try N.num(rt, x, expected)
                return try N.op(rt, name, [x]) { () throws(NumError) in try f(n) }
            }
        }
        rt.def1("SQRT") { rt, x throws(Unwind) in
            if let n = N.toNum(x) {
                if n.sign < 0 { return try N.complexSqrt(rt, x) }
                return try N.op(rt, "SQRT", [x]) { () throws(NumError) in try Num.sqrt(n) }
            }
            return try N.complexSqrt(rt, x)
        }
        unary("EXP", Num.exp)
        unary("SIN", Num.sin)
        unary("COS", Num.cos)
        unary("TAN", Num.tan)
        unary("ASIN", Num.asin)
        unary("ACOS", Num.acos)
        unary("SINH", Num.sinh)
        unary("COSH", Num.cosh)
        unary("TANH", Num.tanh)
        unary("ISQRT", Num.isqrt, "INTEGER")
        unary("RATIONAL", { x throws(NumError) in Num.rational(x) }, "REAL")
        unary("RATIONALIZE", { x throws(NumError) in Num.rationalize(x) }, "REAL")
        rt.def1("NUMERATOR") { rt, x throws(Unwind) in
            let n = try N.rational(rt, x)
            return try N.op(rt, "NUMERATOR", [x]) { () throws(NumError) in try Num.numerator(n) }
        }
        rt.def1("DENOMINATOR") { rt, x throws(Unwind) in
            let n = try N.rational(rt, x)
            return try N.op(rt, "DENOMINATOR", [x]) { () throws(NumError) in try Num.denominator(n) }
        }
        rt.def2("EXPT") { rt, a, b throws(Unwind) in
            guard let x = N.toNum(a), let y = N.toNum(b) else {
                _ = try N.parts(rt, a); _ = try N.parts(rt, b)
                return try N.complexExpt(rt, a, b)
            }
            do throws(NumError) { return N.value(try Num.expt(x, y)) } catch {
                if case .complexResult = error { return try N.complexExpt(rt, a, b) }
                try N.fail(rt, error, "EXPT", [a, b])
            }
        }
        rt.defN("LOG", 1, 2) { rt, args throws(Unwind) in
            if args.count == 1, case .object(let o) = args[0], let z = o as? LispComplex,
               let v = try N.complexFunction(rt, "LOG", z) { return v }
            let x = try N.num(rt, args[0])
            if args.count == 1 {
                if x.sign < 0 || (x.isFloat && x.asDouble < 0) { return N.complexLogNegative(x) }
                return try N.op(rt, "LOG", [args[0]]) { () throws(NumError) in try Num.log(x) }
            }
            let b = try N.num(rt, args[1])
            return try N.op(rt, "LOG", [args[0], args[1]]) { () throws(NumError) in try Num.log(x, base: b) }
        }
        rt.defN("ATAN", 1, 2) { rt, args throws(Unwind) in
            let y = try N.num(rt, args[0])
            if args.count == 1 {
                return try N.op(rt, "ATAN", [args[0]]) { () throws(NumError) in try Num.atan(y) }
            }
            let x = try N.real(rt, args[1])
            return try N.op(rt, "ATAN", [args[0], args[1]]) { () throws(NumError) in try Num.atan(y, x) }
        }
        rt.defN("FLOAT", 1, 2) { rt, args throws(Unwind) in
            let x = try N.real(rt, args[0])
            if args.count == 1 {
                return try N.op(rt, "FLOAT", [args[0]]) { () throws(NumError) in try Num.float(x) }
            }
            let proto = try N.float(rt, args[1])
            let isD: Bool
            if case .double = proto { isD = true } else { isD = false }
            return try N.op(rt, "FLOAT", [args[0], args[1]]) { () throws(NumError) in try Num.float(x, double: isD) }
        }
    }

    // MARK: ash logand logior logxor lognot logbitp logcount integer-length, byte specs

    static func registerLogical(_ rt: Runtime) {
        func fold(_ name: String, _ identity: Int, _ f: @escaping (Num, Num) throws(NumError) -> Num) {
            rt.defN(name, 0, -1) { rt, args throws(Unwind) in
                var acc = Num.fixnum(identity)
                for i in 0..<args.count {
                    let x = try N.integer(rt, args[i])
                    acc = try N.numOp(rt, name, [args[i]]) { () throws(NumError) in try f(acc, x) }
                }
                return N.value(acc)
            }
        }
        fold("LOGAND", -1, Num.logand)
        fold("LOGIOR", 0, Num.logior)
        fold("LOGXOR", 0, Num.logxor)
        rt.def1("LOGNOT") { rt, x throws(Unwind) in
            if case .fixnum(let i) = x { return .fixnum(~i) }
            let n = try N.integer(rt, x)
            return try N.op(rt, "LOGNOT", [x]) { () throws(NumError) in try Num.lognot(n) }
        }
        rt.def2("ASH") { rt, a, b throws(Unwind) in
            let x = try N.integer(rt, a), c = try N.integer(rt, b)
            return try N.op(rt, "ASH", [a, b]) { () throws(NumError) in try Num.ash(x, c) }
        }
        rt.def2("LOGBITP") { rt, i, x throws(Unwind) in
            let idx = try N.integer(rt, i), n = try N.integer(rt, x)
            if idx.sign < 0 { try rt.typeError(i, "UNSIGNED-BYTE") }
            do throws(NumError) { return .bool(try Num.logbitp(idx, n)) } catch { try N.fail(rt, error, "LOGBITP", [i, x]) }
        }
        rt.def1("LOGCOUNT") { rt, x throws(Unwind) in
            let n = try N.integer(rt, x)
            do throws(NumError) { return .fixnum(try Num.logcount(n)) } catch { try N.fail(rt, error, "LOGCOUNT", [x]) }
        }
        rt.def1("INTEGER-LENGTH") { rt, x throws(Unwind) in
            let n = try N.integer(rt, x)
            do throws(NumError) { return .fixnum(try Num.integerLength(n)) } catch { try N.fail(rt, error, "INTEGER-LENGTH", [x]) }
        }

        // Byte specifiers are conses (size . position), as in SBCL's printed form.
        rt.def2("BYTE") { rt, s, p throws(Unwind) in
            _ = try rt.index(s); _ = try rt.index(p)
            return .cons(s, p)
        }
        func spec(_ rt: Runtime, _ v: Value) throws(Unwind) -> (Int, Int) {
            if case .cons(let c) = v, case .fixnum(let s) = c.car, case .fixnum(let p) = c.cdr, s >= 0, p >= 0 {
                return (s, p)
            }
            try rt.typeError(v, "(CONS UNSIGNED-BYTE UNSIGNED-BYTE)")
        }
        rt.def1("BYTE-SIZE") { rt, b throws(Unwind) in .fixnum(try spec(rt, b).0) }
        rt.def1("BYTE-POSITION") { rt, b throws(Unwind) in .fixnum(try spec(rt, b).1) }
        rt.def2("LDB") { rt, b, x throws(Unwind) in
            let (s, p) = try spec(rt, b)
            let n = try N.integer(rt, x)
            return try N.op(rt, "LDB", [b, x]) { () throws(NumError) in try Num.ldb(size: s, position: p, n) }
        }
        rt.def2("LDB-TEST") { rt, b, x throws(Unwind) in
            let (s, p) = try spec(rt, b)
            let n = try N.integer(rt, x)
            do throws(NumError) { return .bool(try Num.ldbTest(size: s, position: p, n)) } catch { try N.fail(rt, error, "LDB-TEST", [b, x]) }
        }
        rt.def2("MASK-FIELD") { rt, b, x throws(Unwind) in
            let (s, p) = try spec(rt, b)
            let n = try N.integer(rt, x)
            return try N.op(rt, "MASK-FIELD", [b, x]) { () throws(NumError) in try Num.maskField(size: s, position: p, n) }
        }
        rt.defN("DPB", 3, 3) { rt, args throws(Unwind) in
            let nb = try N.integer(rt, args[0])
            let (s, p) = try spec(rt, args[1])
            let n = try N.integer(rt, args[2])
            return try N.op(rt, "DPB", args.array) { () throws(NumError) in try Num.dpb(nb, size: s, position: p, n) }
        }
        rt.defN("DEPOSIT-FIELD", 3, 3) { rt, args throws(Unwind) in
            let nb = try N.integer(rt, args[0])
            let (s, p) = try spec(rt, args[1])
            let n = try N.integer(rt, args[2])
            return try N.op(rt, "DEPOSIT-FIELD", args.array) { () throws(NumError) in
                try Num.depositField(nb, size: s, position: p, n)
            }
        }
    }

    // MARK: predicates

    static func registerPredicates(_ rt: Runtime) {
        rt.def1("ZEROP") { rt, x throws(Unwind) in
            if case .fixnum(let i) = x { return .bool(i == 0) }
            if case .object(let o) = x, let c = o as? LispComplex { return .bool(c.real.isZero && c.imag.isZero) }
            return .bool(try N.num(rt, x).isZero)
        }
        rt.def1("PLUSP") { rt, x throws(Unwind) in
            if case .fixnum(let i) = x { return .bool(i > 0) }
            return .bool(try N.real(rt, x).sign > 0)
        }
        rt.def1("MINUSP") { rt, x throws(Unwind) in
            if case .fixnum(let i) = x { return .bool(i < 0) }
            return .bool(try N.real(rt, x).sign < 0)
        }
        rt.def1("EVENP") { rt, x throws(Unwind) in
            if case .fixnum(let i) = x { return .bool(i & 1 == 0) }
            let n = try N.integer(rt, x)
            return .bool(n.bigValue!.isEven)
        }
        rt.def1("ODDP") { rt, x throws(Unwind) in
            if case .fixnum(let i) = x { return .bool(i & 1 != 0) }
            let n = try N.integer(rt, x)
            return .bool(n.bigValue!.isOdd)
        }
        rt.def1("REALP") { _, x throws(Unwind) in .bool(x.isNumber) }
        rt.def1("INTEGERP") { _, x throws(Unwind) in .bool(x.isInteger) }
        rt.def1("RATIONALP") { _, x throws(Unwind) in
            switch x { case .fixnum, .bignum, .ratio: return .t; default: return .null }
        }
        rt.def1("FLOATP") { _, x throws(Unwind) in
            switch x { case .single, .double: return .t; default: return .null }
        }
    }
}
