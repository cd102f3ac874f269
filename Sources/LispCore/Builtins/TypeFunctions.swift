/// Type functions (CLHS 4): subtypep, coerce (numeric targets; sequences delegate), deftype.

enum TypeFunctions {
    /// Direct supertypes of the standard atomic types.
    static let parents: [String: [String]] = [
        "ATOM": ["T"], "SEQUENCE": ["T"],
        "NUMBER": ["ATOM"], "REAL": ["NUMBER"], "RATIONAL": ["REAL"], "INTEGER": ["RATIONAL"],
        "FIXNUM": ["INTEGER"], "BIGNUM": ["INTEGER"], "RATIO": ["RATIONAL"], "FLOAT": ["REAL"],
        "SINGLE-FLOAT": ["FLOAT"], "DOUBLE-FLOAT": ["FLOAT"], "SHORT-FLOAT": ["FLOAT"], "LONG-FLOAT": ["FLOAT"],
        "COMPLEX": ["NUMBER"], "BIT": ["FIXNUM", "UNSIGNED-BYTE"], "UNSIGNED-BYTE": ["SIGNED-BYTE"], "SIGNED-BYTE": ["INTEGER"],
        "CHARACTER": ["ATOM"], "BASE-CHAR": ["CHARACTER"], "STANDARD-CHAR": ["BASE-CHAR"], "EXTENDED-CHAR": ["CHARACTER"],
        "SYMBOL": ["ATOM"], "KEYWORD": ["SYMBOL"], "BOOLEAN": ["SYMBOL"], "NULL": ["BOOLEAN", "LIST"],
        "LIST": ["SEQUENCE"], "CONS": ["LIST"],
        "ARRAY": ["ATOM"], "SIMPLE-ARRAY": ["ARRAY"], "VECTOR": ["ARRAY", "SEQUENCE"],
        "SIMPLE-VECTOR": ["VECTOR", "SIMPLE-ARRAY"], "STRING": ["VECTOR"], "SIMPLE-STRING": ["STRING", "SIMPLE-ARRAY"],
        "BASE-STRING": ["STRING"], "SIMPLE-BASE-STRING": ["BASE-STRING", "SIMPLE-STRING"],
        "BIT-VECTOR": ["VECTOR"], "SIMPLE-BIT-VECTOR": ["BIT-VECTOR", "SIMPLE-ARRAY"],
        "FUNCTION": ["ATOM"], "COMPILED-FUNCTION": ["FUNCTION"], "GENERIC-FUNCTION": ["FUNCTION"],
        "HASH-TABLE": ["ATOM"], "PACKAGE": ["ATOM"], "STREAM": ["ATOM"], "RANDOM-STATE": ["ATOM"],
        "PATHNAME": ["ATOM"], "READTABLE": ["ATOM"], "RESTART": ["ATOM"],
        "STRUCTURE-OBJECT": ["ATOM"], "STANDARD-OBJECT": ["ATOM"], "CONDITION": ["ATOM"],
        "CLASS": ["STANDARD-OBJECT"], "METHOD": ["STANDARD-OBJECT"],
    ]

    static func atomicSubtype(_ a: String, _ b: String) -> Bool {
        if a == b || b == "T" { return true }
        for p in parents[a] ?? [] where atomicSubtype(p, b) { return true }
        return false
    }

    typealias Answer = (Bool, Bool)
    static let yes: Answer = (true, true)
    static let no: Answer = (false, true)
    static let unknown: Answer = (false, false)

    static func clSym(_ v: Value) -> String? {
        guard let s = v.asSymbol else { return nil }
        if v.isNil { return "NIL" }
        return s.package === World.shared.cl ? s.name : nil
    }

    /// Expand deftype definitions at the top of `t`.
    static func expand(_ rt: Runtime, _ t: Value) throws(Unwind) -> Value {
        var t = t
        for _ in 0..<50 {
            if let s = t.asSymbol, !t.isNil, let e = TypeRegistry.shared.deftypes[s] { t = try rt.funcall(e, .null); continue }
            if case .cons(let c) = t, let s = c.car.asSymbol, let e = TypeRegistry.shared.deftypes[s] { t = try rt.funcall(e, c.cdr); continue }
            break
        }
        return t
    }

    /// Integer range of an integer-ish type: (lo, hi) with nil for unbounded; nil if not an integer type.
    static func intRange(_ t: Value) -> (Int?, Int?)? {
        if let n = clSym(t) {
            switch n {
            case "INTEGER", "SIGNED-BYTE": return (nil, nil)
            case "FIXNUM": return (Int.min, Int.max)
            case "BIT": return (0, 1)
            case "UNSIGNED-BYTE": return (0, nil)
            default: return nil
            }
        }
        guard case .cons(let c) = t, let h = clSym(c.car) else { return nil }
        let args = c.cdr.listArray
        func bound(_ v: Value?, _ low: Bool) -> Int?? {
            guard let v = v else { return .some(nil) }
            if v.asSymbol?.name == "*" { return .some(nil) }
            if case .fixnum(let n) = v { return .some(n) }
            if case .cons(let e) = v, case .fixnum(let n) = e.car { return .some(low ? n + 1 : n - 1) }
            return nil
        }
        switch h {
        case "INTEGER":
            guard let lo = bound(args.first, true), let hi = bound(args.count > 1 ? args[1] : nil, false) else { return nil }
            return (lo, hi)
        case "MOD":
            if case .fixnum(let n)? = args.first { return (0, n - 1) }
        case "UNSIGNED-BYTE":
            if args.isEmpty || args[0].asSymbol?.name == "*" { return (0, nil) }
            if case .fixnum(let n) = args[0] { return (0, n >= 63 ? nil : (1 << n) - 1) }
        case "SIGNED-BYTE":
            if args.isEmpty || args[0].asSymbol?.name == "*" { return (nil, nil) }
            if case .fixnum(let n) = args[0] { return n >= 64 ? (nil, nil) : (-(1 << (n - 1)), (1 << (n - 1)) - 1) }
        default: break
        }
        return nil
    }

    static func rangeSubset(_ a: (Int?, Int?), _ b: (Int?, Int?)) -> Bool {
        let loOK: Bool = { if let bl = b.0 { if let al = a.0 { return al >= bl }; return false }; return true }()
        let hiOK: Bool = { if let bh = b.1 { if let ah = a.1 { return ah <= bh }; return false }; return true }()
        return loOK && hiOK
    }

    /// The head of a compound type as an atomic name for hierarchy checks.
    static func headName(_ t: Value) -> String? {
        if let n = clSym(t) { return n }
        if case .cons(let c) = t, let n = clSym(c.car) {
            switch n {
            case "INTEGER", "MOD", "UNSIGNED-BYTE", "SIGNED-BYTE": return "INTEGER"
            case "RATIONAL", "REAL", "FLOAT", "SINGLE-FLOAT", "DOUBLE-FLOAT", "SHORT-FLOAT", "LONG-FLOAT", "COMPLEX",
                 "VECTOR", "SIMPLE-VECTOR", "ARRAY", "SIMPLE-ARRAY", "STRING", "SIMPLE-STRING", "BASE-STRING",
                 "SIMPLE-BASE-STRING", "BIT-VECTOR", "SIMPLE-BIT-VECTOR", "CONS", "FUNCTION":
                return n
            default: return nil
            }
        }
        return nil
    }

    static func isUserType(_ t: Value) -> Bool {
        guard let s = t.asSymbol, !t.isNil else { return false }
        return StructureType.registry[s] != nil || ConditionRegistry.shared.find(s) != nil
    }

    static func subtypep(_ rt: Runtime, _ t1in: Value, _ t2in: Value) throws(Unwind) -> Answer {
        let t1 = try expand(rt, t1in), t2 = try expand(rt, t2in)
        if equal(t1, t2) { return yes }
        if t1.isNil { return yes }
        if clSym(t2) == "T" { return yes }
        if clSym(t1) == "T" { return t2.isNil ? no : (isKnown(t2) ? no : unknown) }
        if t2.isNil { return isKnown(t1) ? no : unknown }
        let h1 = t1.isList ? clSym(t1.car) : nil
        let h2 = t2.isList ? clSym(t2.car) : nil
        // Compound connectives.
        if h1 == "OR" {
            var certain = true
            for a in t1.cdr.listArray {
                let r = try subtypep(rt, a, t2)
                if !r.0 { if r.1 { return no }; certain = false }
            }
            return certain ? yes : unknown
        }
        if h2 == "AND" {
            var certain = true
            for b in t2.cdr.listArray {
                let r = try subtypep(rt, t1, b)
                if !r.0 { if r.1 { return no }; certain = false }
            }
            return certain ? yes : unknown
        }
        if h1 == "EQL" || h1 == "MEMBER" {
            let items = h1 == "EQL" ? [t1.cadr] : t1.cdr.listArray
            for x in items where !(try rt.typep(x, t2)) { return no }
            return yes
        }
        if h1 == "AND" {
            for a in t1.cdr.listArray where try subtypep(rt, a, t2).0 { return yes }
            return unknown
        }
        if h2 == "OR" {
            let alts = t2.cdr.listArray
            for b in alts where try subtypep(rt, t1, b).0 { return yes }
            // Integer ranges covered by a union of integer ranges.
            if let r1 = intRange(t1) {
                let ranges = alts.compactMap { intRange($0) }.sorted { ($0.0 ?? Int.min) < ($1.0 ?? Int.min) }
                var covered = r1.0
                var started = false
                for r in ranges {
                    if !started {
                        if !rangeSubset((covered, covered), (r.0, nil)) && covered != nil { continue }
                        if covered == nil && r.0 != nil { continue }
                        started = true
                    } else if let c = covered, let lo = r.0, lo > c + 1 { break }
                    guard let hi = r.1 else { return yes }
                    if let c = covered, hi < c { continue }
                    if let h = r1.1, hi >= h { return yes }
                    covered = hi
                    started = true
                }
                if alts.allSatisfy({ isKnown($0) }) { return no }
                return unknown
            }
            if isKnown(t1) && alts.allSatisfy({ isKnown($0) }) { return no }
            return unknown
        }
        if h2 == "NOT" {
            // t1 <= (not x) iff t1 and x are disjoint: decidable for atomic standard types only.
            let x = try expand(rt, t2.cadr)
            if let a = headName(t1), let b = headName(x), clSym(t1) != nil, clSym(x) != nil {
                if atomicSubtype(a, b) || atomicSubtype(b, a) { return no }
                return unknown
            }
            return unknown
        }
        if h1 == "NOT" || h1 == "SATISFIES" || h2 == "SATISFIES" || h2 == "EQL" || h2 == "MEMBER" { return unknown }
        // Integer ranges.
        if let r1 = intRange(t1) {
            if let r2 = intRange(t2) { return rangeSubset(r1, r2) ? yes : no }
            if let n2 = headName(t2), clSym(t2) != nil { return atomicSubtype("INTEGER", n2) ? yes : no }
            if let n2 = headName(t2), ["RATIONAL", "REAL"].contains(n2) {
                return rangeArgsUnbounded(t2) ? yes : unknown
            }
            return isKnown(t2) ? no : unknown
        }
        if intRange(t2) != nil {
            if let n1 = headName(t1), clSym(t1) != nil {
                if n1 == "BIGNUM" { return clSym(t2) == "INTEGER" ? yes : unknown }
                return no
            }
            return isKnown(t1) ? no : unknown
        }
        // User types (structures, conditions).
        if let s1 = t1.asSymbol, !t1.isNil, let st1 = StructureType.registry[s1] {
            if let s2 = t2.asSymbol, let st2 = StructureType.registry[s2] { return st1.isA(st2) ? yes : no }
            if let n2 = clSym(t2) { return atomicSubtype("STRUCTURE-OBJECT", n2) ? yes : no }
            return isKnown(t2) ? no : unknown
        }
        if let s1 = t1.asSymbol, !t1.isNil, let c1 = ConditionRegistry.shared.find(s1) {
            if let s2 = t2.asSymbol, let c2 = ConditionRegistry.shared.find(s2) { return c1.isSubclass(of: c2) ? yes : no }
            if let n2 = clSym(t2) { return atomicSubtype("CONDITION", n2) || n2 == "ATOM" ? yes : no }
            return isKnown(t2) ? no : unknown
        }
        if isUserType(t2) {
            return isKnown(t1) ? no : unknown
        }
        // Standard atomic / compound heads.
        if let n1 = headName(t1), let n2 = headName(t2) {
            // (simple-array fixnum (4)), (array t (*)), (simple-array bit 1) ...: of rank 1, so
            // vectors and sequences, and the specialized vector types by element type.
            if h1 == "ARRAY" || h1 == "SIMPLE-ARRAY", clSym(t2) != nil, let answer = rankOneArraySubtype(t1, simple: h1 == "SIMPLE-ARRAY", n2) {
                return answer ? yes : no
            }
            if clSym(t2) != nil {
                // t2 atomic: t1's head must be under it.
                return atomicSubtype(n1, n2) ? yes : no
            }
            // Both compound: only a few are decidable here.
            if h1 == h2, let h = h1, ["FLOAT", "SINGLE-FLOAT", "DOUBLE-FLOAT", "REAL", "RATIONAL"].contains(h) {
                return rangeArgsUnbounded(t2) ? yes : unknown
            }
            if !atomicSubtype(n1, n2) && !atomicSubtype(n2, n1) { return no }
            return unknown
        }
        return unknown
    }

    /// The vector types by name, with the element types each allows (nil: any).
    static let vectorTypeElementTypes: [String: Set<String>?] = [
        "VECTOR": nil, "SEQUENCE": nil, "SIMPLE-VECTOR": ["T"], "BIT-VECTOR": ["BIT"], "SIMPLE-BIT-VECTOR": ["BIT"],
        "STRING": ["CHARACTER", "BASE-CHAR", "STANDARD-CHAR"], "SIMPLE-STRING": ["CHARACTER", "BASE-CHAR", "STANDARD-CHAR"],
        "BASE-STRING": ["BASE-CHAR", "STANDARD-CHAR"], "SIMPLE-BASE-STRING": ["BASE-CHAR", "STANDARD-CHAR"]]

    /// `(array et dims)` / `(simple-array et dims)` under the vector type named `target`: nil
    /// when `target` is not a vector type (the general rules decide), else whether it is
    /// (rank 1, simple where the target is, element type as the target's). An unknown rank
    /// (`*` or no dimensions) is not a subtype, as in SBCL.
    static func rankOneArraySubtype(_ t1: Value, simple: Bool, _ target: String) -> Bool? {
        guard let allowed = vectorTypeElementTypes[target] else { return nil }
        if target.hasPrefix("SIMPLE-") && !simple { return false }
        let args = t1.cdr.listArray
        let dims: Value = args.count > 1 ? args[1] : .symbol(Sym.cl("*"))
        let rankOne: Bool
        switch dims {
        case .fixnum(let rank): rankOne = rank == 1
        case let d where d.isList && !d.isNil: rankOne = d.listArray.count == 1
        default: rankOne = false
        }
        guard rankOne else { return false }
        guard let names = allowed else { return true }
        guard let et = args.first?.asSymbol, !(args.first!.isNil) else { return false }
        return names.contains(et.name) && et.package === World.shared.cl
    }

    /// Sequence / character / function coercion when no sequence library COERCE is installed.
    static func sequenceCoerce(_ rt: Runtime, _ x: Value, _ t: Value, _ head: String?) throws(Unwind) -> Value {
        switch head {
        case "CHARACTER", "BASE-CHAR", "STANDARD-CHAR":
            if case .string(let s) = x, s.count == 1 { return .character(s[0]) }
            if let sym = x.asSymbol, sym.name.unicodeScalars.count == 1 { return .character(sym.name.unicodeScalars.first!) }
        case "FUNCTION":
            // A lambda expression is compiled in the null lexical environment (CLHS COERCE).
            if case .cons(let c) = x, c.car.asSymbol === Sym.lambda { return try rt.eval(list(.symbol(Sym.function), x)) }
            if x.asSymbol != nil || x.isList { return .function(try rt.coerceToFunction(x)) }
        case "LIST", "CONS":
            if x.isList || ArrayLibrary.isArray(x) { return listFrom(try ArrayLibrary.sequenceItems(rt, x)) }
        case "VECTOR", "SIMPLE-VECTOR", "ARRAY", "SIMPLE-ARRAY", "STRING", "SIMPLE-STRING", "BASE-STRING", "SIMPLE-BASE-STRING",
             "BIT-VECTOR", "SIMPLE-BIT-VECTOR":
            guard x.isList || ArrayLibrary.isArray(x) else { break }
            let items = try ArrayLibrary.sequenceItems(rt, x)
            var et: Value = .t
            if head!.contains("STRING") { et = .symbol(Sym.cl(head!.contains("BASE") ? "BASE-CHAR" : "CHARACTER")) }
            else if head!.contains("BIT") { et = .symbol(Sym.cl("BIT")) }
            else if case .cons(let c) = t, ["VECTOR", "ARRAY", "SIMPLE-ARRAY"].contains(head!), c.cdr.car.asSymbol?.name != "*", !c.cdr.isNil { et = c.cdr.car }
            if case .cons(let c) = t {
                let sizeArg = ["VECTOR", "ARRAY", "SIMPLE-ARRAY"].contains(head!) ? c.cdr.cdr.car : c.cdr.car
                if case .fixnum(let n) = sizeArg, n != items.count {
                    try rt.simpleError2("The length requested (\(n)) does not match the type restriction in \(rt.printString(t)).")
                }
            }
            return try ArrayLibrary.makeArray(rt, dims: [items.count], elementType: et, initialElement: nil, initialContents: listFrom(items),
                                              adjustable: false, fillPointer: nil, displacedTo: nil, offset: 0)
        default: break
        }
        try rt.typeError(x, spec: t)
    }

    static func rangeArgsUnbounded(_ t: Value) -> Bool {
        guard case .cons(let c) = t else { return true }
        return c.cdr.listArray.allSatisfy { $0.asSymbol?.name == "*" }
    }

    static func isKnown(_ t: Value) -> Bool {
        if let n = clSym(t) { return parents[n] != nil || n == "T" || n == "NIL" }
        if isUserType(t) { return true }
        if headName(t) != nil { return true }
        return false
    }

    static func register(_ rt: Runtime) {
        rt.defN("SUBTYPEP", 2, 3, mv: true) { rt, args throws(Unwind) in
            let (a, b) = try subtypep(rt, args[0], args[1])
            return rt.values2(.bool(a), .bool(b))
        }
        rt.defN("%DEFTYPE", 2, 2, in: rt.world.system) { rt, args throws(Unwind) in
            TypeRegistry.shared.deftypes[try rt.symbol(args[0])] = try rt.coerceToFunction(args[1])
            return args[0]
        }
        rt.defMacro("DEFTYPE") { rt, form, _ throws(Unwind) in
            let name = try rt.symbol(form.cadr)
            var ll: [Value] = []
            var mode = ""
            for x in form.caddr.listArray {
                if let s = x.asSymbol, s.name.hasPrefix("&") { mode = s.name; ll.append(x); continue }
                if (mode == "&OPTIONAL" || mode == "&KEY"), x.asSymbol != nil {
                    ll.append(list(x, list(.symbol(Sym.quote), .symbol(World.shared.cl.internExternal("*")))))
                } else { ll.append(x) }
            }
            var body = form.cddr.cdr
            if case .cons(let c) = body, case .string = c.car, !c.cdr.isNil { body = c.cdr }
            let args = Value.symbol(Symbol(name: "ARGS"))
            let fn = list(.symbol(Sym.lambda), list(args),
                          .cons(.symbol(World.shared.cl.internExternal("DESTRUCTURING-BIND")), .cons(listFrom(ll), .cons(args, body))))
            return list(.symbol(World.shared.cl.internExternal("PROGN")),
                        list(.symbol(World.shared.system.internExternal("%DEFTYPE")), list(.symbol(Sym.quote), Value(name)),
                             list(.symbol(Sym.function), fn)),
                        list(.symbol(Sym.quote), Value(name)))
        }
        let previous = Sym.cl("COERCE").function
        rt.def2("COERCE") { rt, x, type throws(Unwind) in
            let t = try expand(rt, type)
            let head = t.asSymbol.map { $0.name } ?? (t.isList ? t.car.asSymbol?.name : nil)
            func callCL(_ name: String, _ args: [Value]) throws(Unwind) -> Value {
                guard let f = Sym.cl(name).function else { try rt.typeError(x, spec: type) }
                return try rt.apply(f, args)
            }
            switch head {
            case "FLOAT", "SINGLE-FLOAT", "SHORT-FLOAT", "DOUBLE-FLOAT", "LONG-FLOAT":
                guard x.isNumber, x.isRealValue else { try rt.typeError(x, spec: type) }
                let r: Value
                switch head {
                case "FLOAT": r = try callCL("FLOAT", [x])
                case "SINGLE-FLOAT", "SHORT-FLOAT": r = try callCL("FLOAT", [x, .single(1)])
                default: r = try callCL("FLOAT", [x, .double(1)])
                }
                if t.isList, !(try rt.typep(r, t)) { try rt.typeError(x, spec: type) }
                return r
            case "COMPLEX":
                guard x.isNumber else { try rt.typeError(x, spec: type) }
                if x.isRationalValue { return x }
                if x.isRealValue { return try callCL("COMPLEX", [x]) }
                return x
            default: break
            }
            if try rt.typep(x, t) { return x }
            if x.isNumber, let h = head, ["INTEGER", "FIXNUM", "BIGNUM", "RATIONAL", "RATIO", "REAL", "NUMBER", "BIT",
                                          "UNSIGNED-BYTE", "SIGNED-BYTE", "MOD"].contains(h) {
                try rt.typeError(x, spec: type)
            }
            if let h = head, ["CHARACTER", "BASE-CHAR", "STANDARD-CHAR", "FUNCTION", "LIST", "CONS", "VECTOR", "SIMPLE-VECTOR",
                              "ARRAY", "SIMPLE-ARRAY", "STRING", "SIMPLE-STRING", "BASE-STRING", "SIMPLE-BASE-STRING",
                              "BIT-VECTOR", "SIMPLE-BIT-VECTOR"].contains(h) {
                return try sequenceCoerce(rt, x, t, head)
            }
            if let p = previous { return try rt.funcall(p, x, t) }
            return try sequenceCoerce(rt, x, t, head)
        }
    }
}

extension Value {
    var isRealValue: Bool {
        switch self {
        case .fixnum, .bignum, .ratio, .single, .double: return true
        default: return false
        }
    }
}
