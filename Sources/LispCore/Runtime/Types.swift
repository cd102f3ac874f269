/// Type specifiers: `typep` over the standard atomic and compound types, condition classes,
/// structure types (via `LispObject.supertypeNames`) and `deftype` expanders; and `type-of`.
public final class TypeRegistry {
    nonisolated(unsafe) public static let shared = TypeRegistry()
    /// `deftype` expanders: functions of the type's argument list returning a type spec.
    public var deftypes: [Symbol: LispFunction] = [:]
}

extension Runtime {
    public func typep(_ v: Value, _ spec: Value) throws(Unwind) -> Bool {
        switch spec {
        case .symbol(let s): return try typepAtomic(v, s)
        case .null: return false
        case .cons(let c):
            guard let head = c.car.asSymbol else { try badType(spec) }
            var tail = c.cdr
            while case .cons(let t) = tail { tail = t.cdr }
            if !tail.isNil { try badType(spec) }
            let args = c.cdr.listArray
            return try typepCompound(v, head, args, spec)
        case .object(let o):
            if let r = structClassTypepHook?(v, o) { return r }
            try badType(spec)
        default: try badType(spec)
        }
    }

    func badType(_ spec: Value) throws(Unwind) -> Never {
        try signalError(simpleError("\(printString(spec)) is not a valid type specifier"))
    }

    func typepAtomic(_ v: Value, _ s: Symbol) throws(Unwind) -> Bool {
        if s.package === world.cl || s.package === world.system || s.package === world.comm || s.package === world.mp {
            if let r = builtinTypep(v, s.name, clPackage: s.package === world.cl) { return r }
        }
        if case .object(let o) = v, o is StructureObject, let r = structTypepHook?(o, s) { return r }
        if let cls = ConditionRegistry.shared.find(s) {
            if case .object(let o) = v, let c = o as? LispCondition { return c.cls.isSubclass(of: cls) }
            return false
        }
        if let exp = TypeRegistry.shared.deftypes[s] {
            return try typep(v, try funcall(exp, .null))
        }
        if case .object(let o) = v {
            if o.typeName == s.name && o.typePackage == (s.package?.name ?? "") { return true }
            if o.supertypeNames.contains(s.name) { return true }
            if let r = structTypepHook?(o, s) { return r }
        }
        if isKnownTypeName(s) { return false }
        try badType(.symbol(s))
    }

    func isKnownTypeName(_ s: Symbol) -> Bool {
        if ConditionRegistry.shared.find(s) != nil || TypeRegistry.shared.deftypes[s] != nil { return true }
        if let known = knownTypeHook?(s), known { return true }
        return s.package === world.cl || s.package === world.comm || s.package === world.system || s.package === world.mp
    }

    /// Standard atomic types; nil when `name` is not one of them.
    func builtinTypep(_ v: Value, _ name: String, clPackage: Bool) -> Bool? {
        switch name {
        case "T": return true
        case "NIL": return false
        case "NULL": return v.isNil
        case "LIST": return v.isList
        case "CONS": if case .cons = v { return true }; return false
        case "ATOM": if case .cons = v { return false }; return true
        case "SYMBOL": return v.asSymbol != nil
        case "KEYWORD": return v.asSymbol?.isKeyword ?? false
        case "BOOLEAN": return v.isNil || v.asSymbol === Symbol.T
        case "NUMBER", "REAL": return v.isNumber
        case "RATIONAL": return v.isRationalValue
        case "INTEGER": return v.isInteger
        case "FIXNUM": if case .fixnum = v { return true }; return false
        case "BIGNUM": if case .bignum = v { return true }; return false
        case "RATIO": if case .ratio = v { return true }; return false
        case "FLOAT":
            switch v { case .single, .double: return true; default: return false }
        case "SINGLE-FLOAT", "SHORT-FLOAT": if case .single = v { return true }; return false
        case "DOUBLE-FLOAT", "LONG-FLOAT": if case .double = v { return true }; return false
        case "BIT": if case .fixnum(let n) = v { return n == 0 || n == 1 }; return false
        case "UNSIGNED-BYTE":
            switch v { case .fixnum(let n): return n >= 0; case .bignum(let b): return b.value > BigInt(0); default: return false }
        case "SIGNED-BYTE": return v.isInteger
        case "CHARACTER": if case .character = v { return true }; return false
        case "BASE-CHAR": if case .character(let c) = v { return c.value < 256 }; return false
        case "STANDARD-CHAR":
            if case .character(let c) = v { return isStandardChar(c) }
            return false
        case "EXTENDED-CHAR": if case .character(let c) = v { return c.value >= 256 }; return false
        case "STRING": if case .string = v { return true }; return false
        case "SIMPLE-STRING": if case .string(let s) = v { return s.fillPointer == nil && !s.adjustable }; return false
        case "BASE-STRING": if case .string(let s) = v { return s.isBase }; return false
        case "SIMPLE-BASE-STRING":
            if case .string(let s) = v { return s.isBase && s.fillPointer == nil && !s.adjustable }
            return false
        case "VECTOR":
            switch v {
            case .vector, .string, .bytes: return true
            case .object(let o): if let a = o as? LispArray { return a.dimensions.count == 1 }; return false
            default: return false
            }
        case "SIMPLE-VECTOR": if case .vector(let x) = v { return x.isSimple }; return false
        case "BIT-VECTOR", "SIMPLE-BIT-VECTOR":
            if case .vector(let x) = v, x.elementType.asSymbol?.name == "BIT" { return true }
            return false
        case "ARRAY": if isArray(v) { return true }; return false
        case "SIMPLE-ARRAY":
            switch v {
            case .vector(let x): return x.fillPointer == nil && !x.adjustable
            case .string(let s): return s.fillPointer == nil && !s.adjustable
            case .bytes(let b): return b.fillPointer == nil && !b.adjustable
            case .object(let o): if let a = o as? LispArray { return !a.adjustable && a.displacedOffset == nil }; return false
            default: return false
            }
        case "SEQUENCE":
            switch v { case .null, .cons, .vector, .string, .bytes: return true; default: return false }
        case "FUNCTION", "COMPILED-FUNCTION": if case .function = v { return true }; return false
        case "PACKAGE": if case .object(let o) = v { return o is LispPackage }; return false
        case "STREAM": if case .object(let o) = v { return o is LispStream }; return false
        case "RESTART": if case .object(let o) = v { return o is Restart }; return false
        case "STANDARD-OBJECT", "STRUCTURE-OBJECT":
            if case .object(let o) = v { return o.supertypeNames.contains(name) }
            return false
        default: return nil
        }
    }

    func isArray(_ v: Value) -> Bool {
        switch v {
        case .vector, .string, .bytes: return true
        case .object(let o): return o is LispArray
        default: return false
        }
    }

    func typepCompound(_ v: Value, _ head: Symbol, _ args: [Value], _ spec: Value) throws(Unwind) -> Bool {
        func inRange(_ lo: Value?, _ hi: Value?) throws(Unwind) -> Bool {
            if let l = lo, !(l.asSymbol?.name == "*") {
                if case .cons(let c) = l { if try Numeric.compare(self, v, c.car) <= 0 { return false } } else if try Numeric.compare(self, v, l) < 0 { return false }
            }
            if let h = hi, !(h.asSymbol?.name == "*") {
                if case .cons(let c) = h { if try Numeric.compare(self, v, c.car) >= 0 { return false } } else if try Numeric.compare(self, v, h) > 0 { return false }
            }
            return true
        }
        switch head.name {
        case "AND": for a in args where !(try typep(v, a)) { return false }; return true
        case "OR": for a in args where try typep(v, a) { return true }; return false
        case "NOT": return !(try typep(v, args.first ?? .null))
        case "MEMBER": return args.contains { eql($0, v) }
        case "EQL": return eql(args.first ?? .null, v)
        case "SATISFIES":
            guard let f = args.first?.asSymbol else { try badType(spec) }
            return try funcall(try coerceToFunction(.symbol(f)), v).isTrue
        case "INTEGER":
            return v.isInteger ? try inRange(args.first, args.count > 1 ? args[1] : nil) : false
        case "RATIONAL":
            return v.isRationalValue ? try inRange(args.first, args.count > 1 ? args[1] : nil) : false
        case "REAL":
            return v.isNumber ? try inRange(args.first, args.count > 1 ? args[1] : nil) : false
        case "FLOAT", "SINGLE-FLOAT", "DOUBLE-FLOAT", "SHORT-FLOAT", "LONG-FLOAT":
            guard try typepAtomic(v, head) else { return false }
            return try inRange(args.first, args.count > 1 ? args[1] : nil)
        case "MOD":
            guard v.isInteger, let n = args.first else { return false }
            let lo = try Numeric.compare(self, v, .fixnum(0))
            let hi = try Numeric.compare(self, v, n)
            return lo >= 0 && hi < 0
        case "UNSIGNED-BYTE":
            guard v.isInteger, try Numeric.compare(self, v, .fixnum(0)) >= 0 else { return false }
            guard case .fixnum(let bits)? = args.first else { return true }
            if case .fixnum(let n) = v { return bits >= 63 || n < (1 << bits) }
            return false
        case "SIGNED-BYTE":
            guard v.isInteger else { return false }
            guard case .fixnum(let bits)? = args.first else { return true }
            if case .fixnum(let n) = v { return bits >= 64 || (n >= -(1 << (bits - 1)) && n < (1 << (bits - 1))) }
            return false
        case "CONS":
            guard case .cons(let c) = v else { return false }
            if let a = args.first, a.asSymbol?.name != "*", !(try typep(c.car, a)) { return false }
            if args.count > 1, args[1].asSymbol?.name != "*", !(try typep(c.cdr, args[1])) { return false }
            return true
        case "VECTOR", "SIMPLE-VECTOR", "STRING", "SIMPLE-STRING", "BASE-STRING", "SIMPLE-BASE-STRING",
             "BIT-VECTOR", "SIMPLE-BIT-VECTOR":
            guard try typepAtomic(v, head) else { return false }
            let sizeArg: Value? = (head.name == "VECTOR") ? (args.count > 1 ? args[1] : nil) : args.first
            if head.name == "VECTOR", let et = args.first, et.asSymbol?.name != "*" {
                if !(try elementTypeMatches(v, et)) { return false }
            }
            if case .fixnum(let n)? = sizeArg { return sequenceLength(v) == n }
            return true
        case "ARRAY", "SIMPLE-ARRAY":
            guard try typepAtomic(v, head) else { return false }
            if let et = args.first, et.asSymbol?.name != "*", !(try elementTypeMatches(v, et)) { return false }
            if args.count > 1 {
                let dims = arrayDimensions(v)
                switch args[1] {
                case .fixnum(let rank): return dims.count == rank
                case .cons:
                    let want = args[1].listArray
                    if want.count != dims.count { return false }
                    for (w, d) in zip(want, dims) { if case .fixnum(let n) = w, n != d { return false } }
                    return true
                default: return true
                }
            }
            return true
        case "FUNCTION": if case .function = v { return true }; return false
        case "VALUES": return try typep(v, args.first ?? .t)
        case "COMPLEX":
            // (complex part-type): both parts of that type, as SBCL decides it (#c(1 2) is a
            // (complex integer), #c(1/2 2) not a (complex (integer 0 5))).
            guard case .object(let o) = v, let c = o as? LispComplex else { return false }
            guard var part = args.first, part.asSymbol?.name != "*" else { return true }
            if part.asSymbol === Symbol.cl("RATIO") { part = .symbol(Symbol.cl("RATIONAL")) }  // #c(1/2 1)
            if !(try typep(Numeric.value(c.real), part)) { return false }
            return try typep(Numeric.value(c.imag), part)
        default:
            if let exp = TypeRegistry.shared.deftypes[head] {
                return try typep(v, try funcall(exp, listFrom(args)))
            }
            try badType(spec)
        }
    }

    func elementTypeMatches(_ v: Value, _ et: Value) throws(Unwind) -> Bool {
        let actual = arrayElementType(v)
        return equal(try upgradedElementType(et), actual)
    }

    /// The upgraded array element type for a requested element type.
    public func upgradedElementType(_ et: Value) throws(Unwind) -> Value {
        let cl = world.cl
        func sym(_ n: String) -> Value { .symbol(cl.internExternal(n)) }
        var et = et
        for _ in 0..<20 {
            if let s = et.asSymbol, !et.isNil, let e = TypeRegistry.shared.deftypes[s] { et = try funcall(e, .null); continue }
            if case .cons(let c) = et, let s = c.car.asSymbol, let e = TypeRegistry.shared.deftypes[s] { et = try funcall(e, c.cdr); continue }
            break
        }
        if let s = et.asSymbol {
            switch s.name {
            case "CHARACTER", "EXTENDED-CHAR": return sym("CHARACTER")
            case "BASE-CHAR", "STANDARD-CHAR": return sym("BASE-CHAR")
            case "BIT": return sym("BIT")
            case "FIXNUM": return sym("FIXNUM")
            case "SINGLE-FLOAT", "SHORT-FLOAT": return sym("SINGLE-FLOAT")
            case "DOUBLE-FLOAT", "LONG-FLOAT": return sym("DOUBLE-FLOAT")
            case "NIL": return s.package === cl || et.isNil ? .null : .t
            default: return .t
            }
        }
        guard case .cons(let c) = et, let head = c.car.asSymbol?.name else { return .t }
        let args = c.cdr.listArray
        func unsigned(_ bits: Int) -> Value {
            if bits <= 1 { return sym("BIT") }
            if bits <= 8 { return list(sym("UNSIGNED-BYTE"), .fixnum(8)) }
            for b in [16, 32, 62, 64] where bits <= b { return list(sym("UNSIGNED-BYTE"), .fixnum(b)) }
            return .t
        }
        func signed(_ bits: Int) -> Value {
            for b in [8, 16, 32, 64] where bits <= b { return list(sym("SIGNED-BYTE"), .fixnum(b)) }
            return .t
        }
        func bitsFor(_ n: Int) -> Int { n <= 0 ? 0 : (Int.bitWidth - n.leadingZeroBitCount) }
        switch head {
        case "UNSIGNED-BYTE":
            if case .fixnum(let n)? = args.first { return unsigned(n) }
            return .t
        case "SIGNED-BYTE":
            if case .fixnum(let n)? = args.first { return signed(n) }
            return .t
        case "MOD":
            if case .fixnum(let n)? = args.first, n > 0 { return unsigned(bitsFor(n - 1)) }
            return .t
        case "INTEGER":
            guard args.count == 2 else { return .t }
            var lo = 0, hi = 0
            switch args[0] { case .fixnum(let n): lo = n; case .cons(let x): if case .fixnum(let n) = x.car { lo = n + 1 } else { return .t }; default: return .t }
            switch args[1] { case .fixnum(let n): hi = n; case .cons(let x): if case .fixnum(let n) = x.car { hi = n - 1 } else { return .t }; default: return .t }
            if lo >= 0 { return unsigned(bitsFor(hi)) }
            return signed(max(bitsFor(hi), bitsFor(-(lo + 1))) + 1)
        case "SINGLE-FLOAT", "SHORT-FLOAT": return sym("SINGLE-FLOAT")
        case "DOUBLE-FLOAT", "LONG-FLOAT": return sym("DOUBLE-FLOAT")
        default: return .t
        }
    }

    public func arrayElementType(_ v: Value) -> Value {
        switch v {
        case .string(let s): return .symbol(world.cl.internExternal(s.isBase ? "BASE-CHAR" : "CHARACTER"))
        case .bytes: return list(.symbol(world.cl.internExternal("UNSIGNED-BYTE")), .fixnum(8))
        case .vector(let x): return x.elementType
        case .object(let o): if let a = o as? LispArray { return arrayElementType(a.storage) }; return .t
        default: return .t
        }
    }

    public func arrayDimensions(_ v: Value) -> [Int] {
        switch v {
        case .vector(let x): return [x.fillPointer != nil ? x.items.count : x.count]
        case .string(let s): return [s.totalCount]
        case .bytes(let b): return [b.bytes.count]
        case .object(let o): if let a = o as? LispArray { return a.dimensions }; return []
        default: return []
        }
    }

    func sequenceLength(_ v: Value) -> Int {
        switch v {
        case .vector(let x): return x.count
        case .string(let s): return s.count
        case .bytes(let b): return b.count
        default: return v.listArray.count
        }
    }

    /// `type-of`.
    public func typeOf(_ v: Value) -> Value {
        let cl = world.cl
        func s(_ n: String) -> Value { .symbol(cl.internExternal(n)) }
        switch v {
        case .null: return s("NULL")
        case .symbol(let x): return x.isKeyword ? s("KEYWORD") : (x === Symbol.T ? s("BOOLEAN") : s("SYMBOL"))
        case .fixnum(let n):
            if n == 0 || n == 1 { return s("BIT") }
            if n > 0 { return list(s("INTEGER"), .fixnum(0), .fixnum(Int.max)) }
            return s("FIXNUM")
        case .bignum(let b):
            // As SBCL: a positive bignum is (INTEGER most-positive-fixnum+1), a negative one BIGNUM.
            if b.value.negative { return s("BIGNUM") }
            return list(s("INTEGER"), .bignum(LispBignum(BigInt(Int.max) + BigInt.one)))
        case .ratio: return s("RATIO")
        case .single: return s("SINGLE-FLOAT")
        case .double: return s("DOUBLE-FLOAT")
        case .character(let c):
            // The most specific of the three disjoint-or-nested character types it belongs to.
            if isStandardChar(c) { return s("STANDARD-CHAR") }
            return c.value < 256 ? s("BASE-CHAR") : s("EXTENDED-CHAR")
        case .cons: return s("CONS")
        case .string(let x):
            let simple = x.fillPointer == nil && !x.adjustable
            // The size is the array's total size, not its fill pointer (SBCL: (VECTOR T 5)).
            return list(s(simple ? "SIMPLE-ARRAY" : "VECTOR"), s(x.isBase ? "BASE-CHAR" : "CHARACTER"),
                        simple ? list(.fixnum(x.count)) : .fixnum(x.totalCount))
        case .vector(let x):
            if x.isSimple { return list(s("SIMPLE-VECTOR"), .fixnum(x.count)) }
            // A specialized element type without fill pointer or adjustability: SIMPLE-ARRAY, as SBCL.
            if x.fillPointer == nil && !x.adjustable {
                if x.elementType.asSymbol?.name == "BIT" { return list(s("SIMPLE-BIT-VECTOR"), .fixnum(x.count)) }
                return list(s("SIMPLE-ARRAY"), x.elementType, list(.fixnum(x.count)))
            }
            return list(s("VECTOR"), x.elementType, .fixnum(x.items.count))
        case .bytes(let b):
            let simple = b.fillPointer == nil && !b.adjustable
            return list(s(simple ? "SIMPLE-ARRAY" : "VECTOR"), list(s("UNSIGNED-BYTE"), .fixnum(8)),
                        simple ? list(.fixnum(b.count)) : .fixnum(b.bytes.count))
        case .function: return s("FUNCTION")
        case .object(let o):
            if let a = o as? LispArray {
                if a.dimensions.count == 1 && a.displacedOffset != nil {
                    return list(s("VECTOR"), arrayElementType(a.storage), .fixnum(a.dimensions[0]))
                }
                return list(s(a.adjustable || a.displacedOffset != nil ? "ARRAY" : "SIMPLE-ARRAY"), arrayElementType(a.storage),
                            listFrom(a.dimensions.map { .fixnum($0) }))
            }
            let pkg = world.findPackage(o.typePackage) ?? cl
            return Value(pkg.intern(o.typeName).0)
        case .box(let b): return typeOf(b.value)
        }
    }
}

/// Hooks the structure library installs (structure types are not known to this file).
nonisolated(unsafe) public var structTypepHook: ((LispObject, Symbol) -> Bool?)?
nonisolated(unsafe) public var structClassTypepHook: ((Value, LispObject) -> Bool?)?
nonisolated(unsafe) public var knownTypeHook: ((Symbol) -> Bool)?
