// TEMPORARY arithmetic builtins over the NumericStub until the numbers branch lands.
enum NumberBuiltinsCore {
    static func register(_ rt: Runtime) {
        rt.defN("+", 0, -1) { rt, args throws(Unwind) in
            var acc: Value = .fixnum(0)
            for i in 0..<args.count { acc = try Numeric.add(rt, acc, args[i]) }
            return acc
        }
        rt.defN("-", 1, -1) { rt, args throws(Unwind) in
            if args.count == 1 { return try Numeric.sub(rt, .fixnum(0), args[0]) }
            var acc = args[0]
            for i in 1..<args.count { acc = try Numeric.sub(rt, acc, args[i]) }
            return acc
        }
        rt.defN("*", 0, -1) { rt, args throws(Unwind) in
            var acc: Value = .fixnum(1)
            for i in 0..<args.count { acc = try Numeric.mul(rt, acc, args[i]) }
            return acc
        }
        func cmp(_ name: String, _ ok: @escaping (Int) -> Bool) {
            rt.defN(name, 1, -1) { rt, args throws(Unwind) in
                for i in 1..<max(args.count, 1) where !ok(try Numeric.compare(rt, args[i - 1], args[i])) { return .null }
                return .t
            }
        }
        cmp("<") { $0 < 0 }
        cmp(">") { $0 > 0 }
        cmp("<=") { $0 <= 0 }
        cmp(">=") { $0 >= 0 }
        cmp("=") { $0 == 0 }
        rt.def1("1+") { rt, x throws(Unwind) in try Numeric.add(rt, x, .fixnum(1)) }
        rt.def1("1-") { rt, x throws(Unwind) in try Numeric.sub(rt, x, .fixnum(1)) }
        rt.def1("ZEROP") { rt, x throws(Unwind) in .bool(try Numeric.compare(rt, x, .fixnum(0)) == 0) }
        rt.def2("MOD") { rt, a, b throws(Unwind) in
            let x = try rt.fixnum(a), y = try rt.fixnum(b)
            let r = x % y
            return .fixnum(r != 0 && (r < 0) != (y < 0) ? r + y : r)
        }
    }
}
