/// The strings chapter: string designators, comparisons (returning the mismatch index),
/// case conversion, trimming, char/schar, make-string.
enum StringsLibrary {
    /// A string designator's characters, without copying when it is already a string.
    struct Chars {
        let str: LispString?
        let arr: [Unicode.Scalar]
        let count: Int
        init(_ rt: Runtime, _ v: Value) throws(Unwind) {
            switch v {
            case .string(let s): str = s; arr = []; count = s.count
            case .character(let c): str = nil; arr = [c]; count = 1
            case .symbol, .null:
                str = nil
                arr = Array(v.asSymbol!.name.unicodeScalars)
                count = arr.count
            default: try rt.typeError(v, spec: rt.typeSpec("(OR STRING SYMBOL CHARACTER)"))
            }
        }
        @inline(__always) subscript(i: Int) -> Unicode.Scalar { str != nil ? str![i] : arr[i] }
    }

    /// Compare `a[s1..<e1]` with `b[s2..<e2]`: (index in `a` of the first difference, ordering).
    static func compare(_ a: Chars, _ s1: Int, _ e1: Int, _ b: Chars, _ s2: Int, _ e2: Int, fold: Bool) -> (Int, Int) {
        let n1 = e1 - s1, n2 = e2 - s2
        let n = Swift.min(n1, n2)
        var k = 0
        while k < n {
            var x = a[s1 + k].value, y = b[s2 + k].value
            if x != y && fold {
                x = CharactersLibrary.fold(Unicode.Scalar(x)!)
                y = CharactersLibrary.fold(Unicode.Scalar(y)!)
            }
            if x != y { return (s1 + k, x < y ? -1 : 1) }
            k += 1
        }
        if n1 == n2 { return (e1, 0) }
        return (s1 + n, n1 < n2 ? -1 : 1)
    }

    static func designatorString(_ rt: Runtime, _ v: Value) throws(Unwind) -> Value {
        switch v {
        case .string: return v
        case .symbol, .null: return Value(v.asSymbol!.name)
        case .character(let c): return .string(LispString(scalars: [c]))
        default: try rt.typeError(v, spec: rt.typeSpec("(OR STRING SYMBOL CHARACTER)"))
        }
    }

    static func register(_ rt: Runtime) {
        rt.def1("STRING") { rt, x throws(Unwind) in try designatorString(rt, x) }
        rt.def1("SIMPLE-STRING-P") { _, x throws(Unwind) in
            if case .string(let s) = x { return .bool(s.fillPointer == nil && !s.adjustable) }
            return .null
        }
        rt.def1("STRINGP") { _, x throws(Unwind) in if case .string = x { return .t }; return .null }
        // Comparisons. `want` says which orderings (-1, 0, 1) make the predicate true.
        let comparisons: [(String, Bool, Set<Int>)] = [
            ("STRING=", false, [0]), ("STRING/=", false, [-1, 1]), ("STRING<", false, [-1]), ("STRING>", false, [1]),
            ("STRING<=", false, [-1, 0]), ("STRING>=", false, [0, 1]),
            ("STRING-EQUAL", true, [0]), ("STRING-NOT-EQUAL", true, [-1, 1]), ("STRING-LESSP", true, [-1]),
            ("STRING-GREATERP", true, [1]), ("STRING-NOT-GREATERP", true, [-1, 0]), ("STRING-NOT-LESSP", true, [0, 1]),
        ]
        for (name, fold, want) in comparisons {
            let boolean = name == "STRING=" || name == "STRING-EQUAL"
            rt.defN(name, 2, -1) { rt, args throws(Unwind) in
                let a = try Chars(rt, args[0]), b = try Chars(rt, args[1])
                let k = try SeqKeys(rt, args, from: 2, [.start1, .end1, .start2, .end2], name)
                let e1 = try SeqLib.bounds(rt, k.start1, k.end1, a.count, args[0])
                let e2 = try SeqLib.bounds(rt, k.start2, k.end2, b.count, args[1])
                let (idx, ord) = compare(a, k.start1, e1, b, k.start2, e2, fold: fold)
                if !want.contains(ord) { return .null }
                return boolean ? .t : .fixnum(idx)
            }
        }
        // Case conversion.
        let conversions: [(String, Int)] = [("UPCASE", 0), ("DOWNCASE", 1), ("CAPITALIZE", 2)]
        for (suffix, mode) in conversions {
            rt.defN("STRING-" + suffix, 1, -1) { rt, args throws(Unwind) in
                let k = try SeqKeys(rt, args, from: 1, .range, "STRING-" + suffix)
                let src = try designatorString(rt, args[0])
                guard case .string(let s) = src else { return src }
                let out = LispString(scalars: s.activeScalars)
                try convertCase(rt, out, k, mode, args[0])
                return .string(out)
            }
            rt.defN("NSTRING-" + suffix, 1, -1) { rt, args throws(Unwind) in
                let k = try SeqKeys(rt, args, from: 1, .range, "NSTRING-" + suffix)
                let s = try rt.lispString(args[0])
                try convertCase(rt, s, k, mode, args[0])
                return args[0]
            }
        }
        // Trimming.
        for (name, left, right) in [("STRING-TRIM", true, true), ("STRING-LEFT-TRIM", true, false), ("STRING-RIGHT-TRIM", false, true)] {
            rt.def2(name) { rt, bag, str throws(Unwind) in
                var bagChars: [Unicode.Scalar] = []
                for x in try SeqLib.items(rt, bag) {
                    if case .character(let c) = x { bagChars.append(c) }
                }
                let src = try designatorString(rt, str)
                guard case .string(let s) = src else { return src }
                var lo = 0, hi = s.count
                if left { while lo < hi && bagChars.contains(s[lo]) { lo += 1 } }
                if right { while hi > lo && bagChars.contains(s[hi - 1]) { hi -= 1 } }
                if lo == 0 && hi == s.count && !str.isNil, case .string = str { return str }
                var out: [Unicode.Scalar] = []
                out.reserveCapacity(hi - lo)
                for i in lo..<hi { out.append(s[i]) }
                return .string(LispString(scalars: out))
            }
        }
        // char / schar and their setf.
        for name in ["CHAR", "SCHAR"] {
            rt.def2(name) { rt, str, i throws(Unwind) in
                guard case .string(let s) = str else { try rt.typeError(str, name == "SCHAR" ? "SIMPLE-STRING" : "STRING") }
                let idx = try rt.index(i)
                if idx >= s.totalCount { try indexError(rt, str, i, s.totalCount) }
                return .character(s[idx])
            }
            rt.defSetf(name, 3, 3) { rt, args throws(Unwind) in
                let s = try rt.lispString(args[1])
                let idx = try rt.index(args[2])
                if idx >= s.totalCount { try indexError(rt, args[1], args[2], s.totalCount) }
                let c = try rt.character(args[0])
                if !s.canHold(c) { try rt.typeError(args[0], "BASE-CHAR") }
                s[idx] = c
                return args[0]
            }
        }
        rt.defN("MAKE-STRING", 1, -1) { rt, args throws(Unwind) in
            let n = try rt.index(args[0])
            var fill: Unicode.Scalar = "\0"
            var base = false
            var i = 1
            if (args.count - 1) % 2 != 0 { try rt.signalError(rt.programError("odd number of keyword arguments to MAKE-STRING")) }
            while i + 1 < args.count {
                switch args[i].asSymbol?.name {
                case "INITIAL-ELEMENT": fill = try rt.character(args[i + 1])
                case "ELEMENT-TYPE":
                    let et = try rt.upgradedElementType(args[i + 1])
                    base = et.asSymbol?.name == "BASE-CHAR"
                case "ALLOW-OTHER-KEYS": break
                default: try rt.signalError(rt.programError("MAKE-STRING: unknown keyword argument \(rt.printString(args[i]))"))
                }
                i += 2
            }
            if base && fill.value < 256 { return .string(LispString(baseCount: n, fill: UInt8(fill.value))) }
            return .string(LispString(scalars: [Unicode.Scalar](repeating: fill, count: n)))
        }
    }

    static func indexError(_ rt: Runtime, _ str: Value, _ i: Value, _ len: Int) throws(Unwind) -> Never {
        try rt.signalError(rt.makeCondition(StandardConditions.simpleTypeError,
                                            message: "Invalid index \(rt.printString(i)) for (SIMPLE-ARRAY CHARACTER (\(len))), should be a non-negative integer below \(len).",
                                            slots: ["DATUM": i, "EXPECTED-TYPE": list(.symbol(Symbol.cl("INTEGER")), .fixnum(0), list(.fixnum(len)))]))
    }

    /// 0 = upcase, 1 = downcase, 2 = capitalize, on `s[start..<end]` in place.
    static func convertCase(_ rt: Runtime, _ s: LispString, _ k: SeqKeys, _ mode: Int, _ orig: Value) throws(Unwind) {
        let e = try SeqLib.bounds(rt, k.start, k.end, s.count, orig)
        var inWord = false
        var i = k.start
        while i < e {
            let c = s[i]
            let r: Unicode.Scalar
            switch mode {
            case 0: r = CharactersLibrary.upcase(c)
            case 1: r = CharactersLibrary.downcase(c)
            default:
                if CharactersLibrary.isAlnum(c) {
                    r = inWord ? CharactersLibrary.downcase(c) : CharactersLibrary.upcase(c)
                    inWord = true
                } else {
                    r = c
                    inWord = false
                }
            }
            if r != c && s.canHold(r) { s[i] = r }
            i += 1
        }
    }
}
