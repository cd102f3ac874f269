/// Shared machinery of the sequence library: keyword parsing (:test :key :start :end ...),
/// bounds checking, element access over lists / vectors / strings / byte vectors, result
/// construction and sequence type specifiers.

/// Which keyword arguments a sequence function accepts.
struct SeqKeySet: OptionSet {
    let rawValue: Int
    static let test = SeqKeySet(rawValue: 1)
    static let testNot = SeqKeySet(rawValue: 2)
    static let key = SeqKeySet(rawValue: 4)
    static let start = SeqKeySet(rawValue: 8)
    static let end = SeqKeySet(rawValue: 16)
    static let fromEnd = SeqKeySet(rawValue: 32)
    static let count = SeqKeySet(rawValue: 64)
    static let initialValue = SeqKeySet(rawValue: 128)
    static let start1 = SeqKeySet(rawValue: 256)
    static let end1 = SeqKeySet(rawValue: 512)
    static let start2 = SeqKeySet(rawValue: 1024)
    static let end2 = SeqKeySet(rawValue: 2048)
    static let initialElement = SeqKeySet(rawValue: 4096)

    static let tests: SeqKeySet = [.test, .testNot, .key]
    static let range: SeqKeySet = [.start, .end]
    static let names: [(SeqKeySet, String)] = [
        (.test, "TEST"), (.testNot, "TEST-NOT"), (.key, "KEY"), (.start, "START"), (.end, "END"),
        (.fromEnd, "FROM-END"), (.count, "COUNT"), (.initialValue, "INITIAL-VALUE"), (.start1, "START1"),
        (.end1, "END1"), (.start2, "START2"), (.end2, "END2"), (.initialElement, "INITIAL-ELEMENT"),
    ]
    /// The keyword symbols of `names`, matched by identity (no string compares per call).
    nonisolated(unsafe) static let symbols: [(SeqKeySet, Symbol)] = names.map { ($0.0, Sym.kw($0.1)) }
}

/// Parsed keyword arguments of a sequence function.
struct SeqKeys {
    var test: LispFunction?
    var testNot: LispFunction?
    var key: LispFunction?
    var start = 0
    var end: Int?
    var fromEnd = false
    var count: Int?
    var initialValue: Value?
    var initialElement: Value?
    var start1 = 0
    var end1: Int?
    var start2 = 0
    var end2: Int?

    init() {}

    init(_ rt: Runtime, _ args: Args, from: Int, _ allowed: SeqKeySet, _ fname: String) throws(Unwind) {
        let n = args.count
        if from >= n { return }
        if (n - from) % 2 != 0 { try rt.signalError(rt.programError("odd number of keyword arguments to \(fname)")) }
        var allowOthers = false
        var i = from
        while i < n {
            if case .symbol(let k) = args[i], k === Sym.kAllowOtherKeys, args[i + 1].isTrue { allowOthers = true }
            i += 2
        }
        var seen: SeqKeySet = []
        i = from
        while i < n {
            guard case .symbol(let k) = args[i], k.isKeyword else {
                try rt.signalError(rt.programError("\(fname): \(rt.printString(args[i])) is not a keyword"))
            }
            let v = args[i + 1]
            i += 2
            if k === Sym.kAllowOtherKeys { continue }
            var which: SeqKeySet = []
            for (s, sym) in SeqKeySet.symbols where sym === k { which = s; break }
            if which.isEmpty || !allowed.contains(which) {
                if allowOthers { continue }
                let names = SeqKeySet.names.filter { allowed.contains($0.0) }.map { ":" + $0.1 }
                try rt.signalError(rt.programError("\(fname): unknown keyword argument \(rt.printString(.symbol(k))); allowed: \(names.joined(separator: " "))"))
            }
            if seen.contains(which) { continue }
            seen.insert(which)
            switch which {
            case .test: if v.isTrue { test = try rt.coerceToFunction(v) }
            case .testNot: if v.isTrue { testNot = try rt.coerceToFunction(v) }
            case .key: if v.isTrue { key = try rt.coerceToFunction(v) }
            case .start: start = try rt.index(v)
            case .end: end = v.isNil ? nil : try rt.index(v)
            case .start1: start1 = try rt.index(v)
            case .end1: end1 = v.isNil ? nil : try rt.index(v)
            case .start2: start2 = try rt.index(v)
            case .end2: end2 = v.isNil ? nil : try rt.index(v)
            case .fromEnd: fromEnd = v.isTrue
            case .initialValue: initialValue = v
            case .initialElement: initialElement = v
            case .count:
                switch v {
                case .null: count = nil
                case .fixnum(let c): count = Swift.max(0, c)
                case .bignum: count = (try Numeric.compare(rt, v, .fixnum(0))) < 0 ? 0 : Int.max
                default: try rt.typeError(v, "INTEGER")
                }
            default: break
            }
        }
        if test != nil && testNot != nil {
            try rt.signalError(rt.programError("\(fname): both :TEST and :TEST-NOT given"))
        }
        if let t = test { builtinTest = SeqKeys.builtinTest(t) }
    }

    /// 1 = EQ, 2 = EQL, 3 = EQUAL, 4 = EQUALP when `test` is that standard function (called
    /// directly, without funcall); 0 otherwise.
    var builtinTest = 0

    static func builtinTest(_ f: LispFunction) -> Int {
        guard case .symbol(let s) = f.name, s.package === World.shared.cl, s.function === f else { return 0 }
        switch s.name {
        case "EQ": return 1
        case "EQL": return 2
        case "EQUAL": return 3
        case "EQUALP": return 4
        default: return 0
        }
    }

    @inline(__always) func keyOf(_ rt: Runtime, _ x: Value) throws(Unwind) -> Value {
        guard let k = key else { return x }
        return try rt.funcall(k, x)
    }

    /// Two-argument test between `a` and `b` (both already keyed).
    @inline(__always) func same(_ rt: Runtime, _ a: Value, _ b: Value) throws(Unwind) -> Bool {
        if let t = test {
            switch builtinTest {
            case 1: return eq(a, b)
            case 2: return eql(a, b)
            case 3: return equal(a, b)
            case 4: return equalp(a, b)
            default: return try rt.funcall(t, a, b).isTrue
            }
        }
        if let t = testNot { return try !rt.funcall(t, a, b).isTrue }
        return eql(a, b)
    }
}

/// "Does this element satisfy the function's criterion": an item with :test/:test-not (FIND),
/// or a predicate (FIND-IF, FIND-IF-NOT). The key is applied to the element.
struct Matcher {
    var item: Value = .null
    var pred: LispFunction?
    var negate = false
    var keys: SeqKeys

    init(item: Value, keys: SeqKeys) {
        self.item = item
        self.keys = keys
    }
    init(pred: LispFunction, negate: Bool, keys: SeqKeys) {
        self.pred = pred
        self.negate = negate
        self.keys = keys
    }

    /// True when the criterion is plain EQL against `item` with no key.
    var isPlainEql: Bool { pred == nil && keys.key == nil && keys.test == nil && keys.testNot == nil }

    @inline(__always) func matches(_ rt: Runtime, _ elem: Value) throws(Unwind) -> Bool {
        let e = keys.key == nil ? elem : try rt.funcall(keys.key!, elem)
        if let p = pred { return try rt.funcall(p, e).isTrue != negate }
        return try keys.same(rt, item, e)
    }
}

/// The three flavours of a matching function: NAME (item), NAME-IF, NAME-IF-NOT.
enum MatchFlavour { case item, ifTrue, ifNot }

enum SeqLib {
    // MARK: classification and access

    @inline(__always) static func isVectorish(_ v: Value) -> Bool {
        switch v {
        case .vector, .string, .bytes: return true
        default: return false
        }
    }

    static func checkSequence(_ rt: Runtime, _ v: Value) throws(Unwind) {
        switch v {
        case .null, .cons, .vector, .string, .bytes: return
        default: try rt.typeError(v, "SEQUENCE")
        }
    }

    /// Length of any sequence (type-error for dotted lists and non-sequences).
    @inline(__always) static func length(_ rt: Runtime, _ v: Value) throws(Unwind) -> Int {
        try SequenceCore.length(rt, v)
    }

    /// Element `i` of a vector-like value; `i` must be in range.
    @inline(__always) static func vget(_ v: Value, _ i: Int) -> Value {
        switch v {
        case .vector(let x): return x.items[i]
        case .string(let s): return .character(s[i])
        case .bytes(let b): return .fixnum(Int(b.bytes[i]))
        default: return .null
        }
    }

    /// Store into a vector-like value at a valid index, checking the element type.
    @inline(__always) static func vset(_ rt: Runtime, _ v: Value, _ i: Int, _ x: Value) throws(Unwind) {
        switch v {
        case .vector(let vec): vec.items[i] = x
        case .string(let s):
            guard case .character(let c) = x else { try rt.typeError(x, "CHARACTER") }
            if !s.canHold(c) { try rt.typeError(x, "BASE-CHAR") }
            s[i] = c
        case .bytes(let b):
            guard case .fixnum(let n) = x, n >= 0, n < 256 else {
                try rt.typeError(x, spec: list(.symbol(Symbol.cl("UNSIGNED-BYTE")), .fixnum(8)))
            }
            b.bytes[i] = UInt8(n)
        default: try rt.typeError(v, "VECTOR")
        }
    }

    /// The list `seq` with its first `start` conses skipped; a shorter list is a bounding-index error.
    static func listAfterStart(_ rt: Runtime, _ seq: Value, _ start: Int, _ end: Int?) throws(Unwind) -> Value {
        var p = seq
        var i = 0
        while i < start {
            guard case .cons(let c) = p else { try badBounds(rt, start, end, i, seq) }
            p = c.cdr
            i += 1
        }
        return p
    }

    static func badBounds(_ rt: Runtime, _ start: Int, _ end: Int?, _ len: Int, _ seq: Value) throws(Unwind) -> Never {
        let endText = end.map { String($0) } ?? "NIL"
        let datum: Value = .cons(Cons.make(.fixnum(start), end.map { .fixnum($0) } ?? .null))
        let c = rt.makeCondition(StandardConditions.simpleTypeError,
                                 message: "The bounding indices \(start) and \(endText) are bad for a sequence of length \(len).",
                                 slots: ["DATUM": datum,
                                         "EXPECTED-TYPE": list(.symbol(Symbol.cl("CONS")),
                                                               list(.symbol(Symbol.cl("INTEGER")), .fixnum(0), .fixnum(len)),
                                                               list(.symbol(Symbol.cl("INTEGER")), .fixnum(start), .fixnum(len)))])
        try rt.signalError(c)
    }

    /// Validate `start`/`end` against `len`; returns the effective end.
    @inline(__always) static func bounds(_ rt: Runtime, _ start: Int, _ end: Int?, _ len: Int, _ seq: Value) throws(Unwind) -> Int {
        let e = end ?? len
        if e > len || start > e { try badBounds(rt, start, end, len, seq) }
        return e
    }

    /// The elements of `seq` in `[start, end)` as an array (validating bounds).
    static func items(_ rt: Runtime, _ seq: Value, _ start: Int = 0, _ end: Int? = nil) throws(Unwind) -> [Value] {
        switch seq {
        case .null, .cons:
            var out: [Value] = []
            var p = seq
            var i = 0
            while case .cons(let c) = p {
                if let e = end, i >= e { break }
                if i >= start { out.append(c.car) }
                i += 1
                p = c.cdr
            }
            if case .cons = p {} else if !p.isNil, end == nil || i < end! { try rt.typeError(p, "LIST") }
            if start > i || (end != nil && end! > i) {
                try badBounds(rt, start, end, try length(rt, seq), seq)
            }
            return out
        case .vector(let v):
            let e = try bounds(rt, start, end, v.count, seq)
            return Array(v.items[start..<e])
        case .string(let s):
            let e = try bounds(rt, start, end, s.count, seq)
            var out: [Value] = []
            out.reserveCapacity(e - start)
            for i in start..<e { out.append(.character(s[i])) }
            return out
        case .bytes(let b):
            let e = try bounds(rt, start, end, b.count, seq)
            return b.bytes[start..<e].map { .fixnum(Int($0)) }
        default: try rt.typeError(seq, "SEQUENCE")
        }
    }

    /// A fresh sequence of the same kind as `proto` holding `items`.
    static func makeLike(_ rt: Runtime, _ proto: Value, _ items: [Value]) throws(Unwind) -> Value {
        switch proto {
        case .string(let s): return try makeString(rt, items, base: s.isBase)
        case .vector(let v):
            if case .symbol(let s) = v.elementType, s === Symbol.T { return .vector(LispVector(items)) }
            return .vector(LispVector(items, elementType: v.elementType))
        case .bytes: return try makeBytes(rt, items)
        default: return listFrom(items)
        }
    }

    static func makeString(_ rt: Runtime, _ items: [Value], base: Bool) throws(Unwind) -> Value {
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(items.count)
        var allBase = true
        for x in items {
            guard case .character(let c) = x else { try rt.typeError(x, "CHARACTER") }
            if c.value >= 256 { allBase = false }
            scalars.append(c)
        }
        if base && allBase {
            let s = LispString(baseCount: scalars.count)
            for (i, c) in scalars.enumerated() { s.bytes[i] = UInt8(c.value) }
            return .string(s)
        }
        if base && !allBase {
            for x in items { if case .character(let c) = x, c.value >= 256 { try rt.typeError(x, "BASE-CHAR") } }
        }
        return .string(LispString(scalars: scalars))
    }

    static func makeBytes(_ rt: Runtime, _ items: [Value]) throws(Unwind) -> Value {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(items.count)
        for x in items {
            guard case .fixnum(let n) = x, n >= 0, n < 256 else {
                try rt.typeError(x, spec: list(.symbol(Symbol.cl("UNSIGNED-BYTE")), .fixnum(8)))
            }
            bytes.append(UInt8(n))
        }
        return .bytes(ByteVector(bytes))
    }

    // MARK: scanning without copying

    /// Visit the elements in `[start, end)` in order (reverse order when `fromEnd`), with their
    /// indices; `body` returns true to stop.
    static func scan(_ rt: Runtime, _ seq: Value, _ start: Int, _ end: Int?, fromEnd: Bool,
                     _ body: (Int, Value) throws(Unwind) -> Bool) throws(Unwind) {
        switch seq {
        case .null, .cons:
            if fromEnd {
                let xs = try items(rt, seq, start, end)
                var j = xs.count - 1
                while j >= 0 {
                    if try body(start + j, xs[j]) { return }
                    j -= 1
                }
                return
            }
            var p = try listAfterStart(rt, seq, start, end)
            var i = start
            while true {
                if let e = end, i >= e { return }
                guard case .cons(let c) = p else {
                    if !p.isNil { try rt.typeError(seq, "LIST") }
                    if end != nil { try badBounds(rt, start, end, i, seq) }
                    return
                }
                if try body(i, c.car) { return }
                p = c.cdr
                i += 1
            }
        case .vector(let v):
            let e = try bounds(rt, start, end, v.count, seq)
            if fromEnd {
                var i = e - 1
                while i >= start { if try body(i, v.items[i]) { return }; i -= 1 }
            } else {
                var i = start
                while i < e { if try body(i, v.items[i]) { return }; i += 1 }
            }
        case .string(let s):
            let e = try bounds(rt, start, end, s.count, seq)
            if fromEnd {
                var i = e - 1
                while i >= start { if try body(i, .character(s[i])) { return }; i -= 1 }
            } else {
                var i = start
                while i < e { if try body(i, .character(s[i])) { return }; i += 1 }
            }
        case .bytes(let b):
            let e = try bounds(rt, start, end, b.count, seq)
            if fromEnd {
                var i = e - 1
                while i >= start { if try body(i, .fixnum(Int(b.bytes[i]))) { return }; i -= 1 }
            } else {
                var i = start
                while i < e { if try body(i, .fixnum(Int(b.bytes[i]))) { return }; i += 1 }
            }
        default: try rt.typeError(seq, "SEQUENCE")
        }
    }

    /// Index and element of the first (last, when `fromEnd`) element in `[start, end)` satisfying `m`.
    static func firstMatch(_ rt: Runtime, _ seq: Value, _ start: Int, _ end: Int?, fromEnd: Bool,
                           _ m: Matcher) throws(Unwind) -> (Int, Value)? {
        let plain = m.isPlainEql
        let item = m.item
        switch seq {
        case .null, .cons:
            var p = try listAfterStart(rt, seq, start, end)
            var i = start
            var found: (Int, Value)? = nil
            let limit = end ?? Int.max
            while i < limit {
                guard case .cons(let c) = p else {
                    if !p.isNil { try rt.typeError(p, "LIST") }
                    if end != nil { try badBounds(rt, start, end, i, seq) }
                    break
                }
                let x = c.car
                if plain ? eql(item, x) : try m.matches(rt, x) {
                    found = (i, x)
                    if !fromEnd { return found }
                }
                p = c.cdr
                i += 1
            }
            return found
        case .string(let s):
            let e = try bounds(rt, start, end, s.count, seq)
            if plain {
                guard case .character(let ch) = item else { return nil }
                if fromEnd {
                    var i = e - 1
                    while i >= start { if s[i] == ch { return (i, item) }; i -= 1 }
                } else {
                    var i = start
                    while i < e { if s[i] == ch { return (i, item) }; i += 1 }
                }
                return nil
            }
            if fromEnd {
                var i = e - 1
                while i >= start { let x = Value.character(s[i]); if try m.matches(rt, x) { return (i, x) }; i -= 1 }
            } else {
                var i = start
                while i < e { let x = Value.character(s[i]); if try m.matches(rt, x) { return (i, x) }; i += 1 }
            }
            return nil
        case .vector, .bytes:
            let e = try bounds(rt, start, end, try length(rt, seq), seq)
            if fromEnd {
                var i = e - 1
                while i >= start {
                    let x = vget(seq, i)
                    if plain ? eql(item, x) : try m.matches(rt, x) { return (i, x) }
                    i -= 1
                }
            } else {
                var i = start
                while i < e {
                    let x = vget(seq, i)
                    if plain ? eql(item, x) : try m.matches(rt, x) { return (i, x) }
                    i += 1
                }
            }
            return nil
        default: try rt.typeError(seq, "SEQUENCE")
        }
    }

    /// Number of elements in `[start, end)` satisfying `m`.
    static func countMatches(_ rt: Runtime, _ seq: Value, _ start: Int, _ end: Int?, _ m: Matcher) throws(Unwind) -> Int {
        let plain = m.isPlainEql
        let item = m.item
        var n = 0
        switch seq {
        case .null, .cons:
            var p = try listAfterStart(rt, seq, start, end)
            var i = start
            let limit = end ?? Int.max
            while i < limit {
                guard case .cons(let c) = p else {
                    if !p.isNil { try rt.typeError(p, "LIST") }
                    if end != nil { try badBounds(rt, start, end, i, seq) }
                    break
                }
                if plain ? eql(item, c.car) : try m.matches(rt, c.car) { n += 1 }
                p = c.cdr
                i += 1
            }
        case .string(let s):
            let e = try bounds(rt, start, end, s.count, seq)
            var i = start
            if plain {
                guard case .character(let ch) = item else { return 0 }
                while i < e { if s[i] == ch { n += 1 }; i += 1 }
            } else {
                while i < e { if try m.matches(rt, .character(s[i])) { n += 1 }; i += 1 }
            }
        case .vector, .bytes:
            let e = try bounds(rt, start, end, try length(rt, seq), seq)
            var i = start
            while i < e {
                let x = vget(seq, i)
                if plain ? eql(item, x) : try m.matches(rt, x) { n += 1 }
                i += 1
            }
        default: try rt.typeError(seq, "SEQUENCE")
        }
        return n
    }

    // MARK: sequence type specifiers

    enum Kind {
        case list
        case vector(Value)      // element type (T, BIT, ...)
        case string(base: Bool)
        case bytes
    }

    /// Parse a sequence result type (`list`, `vector`, `(vector t)`, `string`, `(simple-array character (*))`...).
    /// Returns the kind and a required length, if the type fixes one.
    static func seqType(_ rt: Runtime, _ spec: Value) throws(Unwind) -> (Kind, Int?) {
        func fromElementType(_ et: Value) throws(Unwind) -> Kind {
            if et.asSymbol?.name == "*" { return .vector(.t) }
            let up = try rt.upgradedElementType(et)
            if let s = up.asSymbol {
                switch s.name {
                case "CHARACTER": return .string(base: false)
                case "BASE-CHAR": return .string(base: true)
                case "BIT": return .vector(up)
                default: return .vector(.t)
                }
            }
            return .bytes
        }
        func size(_ v: Value?) -> Int? {
            guard let v = v else { return nil }
            if case .fixnum(let n) = v { return n }
            if case .cons(let c) = v, case .fixnum(let n) = c.car { return n }
            return nil
        }
        switch spec {
        case .null: break
        case .symbol(let s):
            switch s.name {
            case "LIST", "CONS", "NULL", "SEQUENCE": return (.list, nil)
            case "VECTOR", "SIMPLE-VECTOR", "ARRAY", "SIMPLE-ARRAY": return (.vector(.t), nil)
            case "STRING", "SIMPLE-STRING": return (.string(base: false), nil)
            case "BASE-STRING", "SIMPLE-BASE-STRING": return (.string(base: true), nil)
            case "BIT-VECTOR", "SIMPLE-BIT-VECTOR": return (.vector(.symbol(Symbol.cl("BIT"))), nil)
            default:
                if let exp = TypeRegistry.shared.deftypes[s] { return try seqType(rt, try rt.funcall(exp, .null)) }
            }
        case .cons(let c):
            guard let head = c.car.asSymbol else { break }
            let args = c.cdr.listArray
            switch head.name {
            case "VECTOR": return (try fromElementType(args.first ?? .symbol(Symbol.cl("*"))), size(args.count > 1 ? args[1] : nil))
            case "SIMPLE-VECTOR": return (.vector(.t), size(args.first))
            case "ARRAY", "SIMPLE-ARRAY":
                return (try fromElementType(args.first ?? .symbol(Symbol.cl("*"))), size(args.count > 1 ? args[1] : nil))
            case "STRING", "SIMPLE-STRING": return (.string(base: false), size(args.first))
            case "BASE-STRING", "SIMPLE-BASE-STRING": return (.string(base: true), size(args.first))
            case "BIT-VECTOR", "SIMPLE-BIT-VECTOR": return (.vector(.symbol(Symbol.cl("BIT"))), size(args.first))
            case "CONS": return (.list, nil)
            default:
                if let exp = TypeRegistry.shared.deftypes[head] { return try seqType(rt, try rt.funcall(exp, c.cdr)) }
            }
        default: break
        }
        try rt.signalError(rt.makeCondition(StandardConditions.simpleTypeError,
                                            message: "\(rt.printString(spec)) is not a sequence type specifier",
                                            slots: ["DATUM": spec, "EXPECTED-TYPE": .symbol(Symbol.cl("SEQUENCE"))]))
    }

    /// Build a sequence of the given kind from `items`.
    static func make(_ rt: Runtime, _ kind: Kind, _ items: [Value]) throws(Unwind) -> Value {
        switch kind {
        case .list: return listFrom(items)
        case .vector(let et):
            if case .symbol(let s) = et, s.name == "BIT" {
                for x in items {
                    guard case .fixnum(let n) = x, n == 0 || n == 1 else { try rt.typeError(x, "BIT") }
                }
                return .vector(LispVector(items, elementType: et))
            }
            return .vector(LispVector(items))
        case .string(let base): return try makeString(rt, items, base: base)
        case .bytes: return try makeBytes(rt, items)
        }
    }

    static func makeTyped(_ rt: Runtime, _ spec: Value, _ items: [Value]) throws(Unwind) -> Value {
        let (kind, n) = try seqType(rt, spec)
        if let n = n, n != items.count {
            try rt.typeError(try make(rt, kind, items), spec: spec)
        }
        return try make(rt, kind, items)
    }

    /// A cursor over a sequence used by the multi-sequence mapping functions.
    struct Cursor {
        let seq: Value
        var p: Value
        var i = 0
        let n: Int
        init(_ rt: Runtime, _ seq: Value) throws(Unwind) {
            self.seq = seq
            p = seq
            switch seq {
            case .null, .cons: n = Int.max
            case .vector(let v): n = v.count
            case .string(let s): n = s.count
            case .bytes(let b): n = b.count
            default: try rt.typeError(seq, "SEQUENCE")
            }
        }
        @inline(__always) mutating func next() -> Value? {
            if n == Int.max {
                guard case .cons(let c) = p else { return nil }
                p = c.cdr
                return c.car
            }
            if i >= n { return nil }
            let x = SeqLib.vget(seq, i)
            i += 1
            return x
        }
        /// After `next()` gave nil: a list that ended in a non-NIL atom is not a proper sequence
        /// (a type-error naming the atom, as SBCL's ENDP test signals).
        func checkEnd(_ rt: Runtime) throws(Unwind) {
            if n == Int.max && !p.isNil { try rt.typeError(p, "LIST") }
        }
    }
}

/// A hashable stand-in for EQL identity, for hashing fast paths (remove-duplicates, set
/// functions). Nil for values whose EQL is by value but not cheaply hashable (bignums, ratios).
enum EqlKey: Hashable {
    case fix(Int)
    case chr(UInt32)
    case single(UInt32)
    case double(UInt64)
    case obj(ObjectIdentifier)
    case null

    init?(_ v: Value) {
        switch v {
        case .null: self = .null
        case .fixnum(let n): self = .fix(n)
        case .character(let c): self = .chr(c.value)
        case .single(let f): self = .single(f.bitPattern)
        case .double(let d): self = .double(d.bitPattern)
        case .cons(let c): self = .obj(ObjectIdentifier(c))
        case .symbol(let s): self = .obj(ObjectIdentifier(s))
        case .string(let s): self = .obj(ObjectIdentifier(s))
        case .vector(let x): self = .obj(ObjectIdentifier(x))
        case .bytes(let x): self = .obj(ObjectIdentifier(x))
        case .function(let x): self = .obj(ObjectIdentifier(x))
        case .object(let x): self = .obj(ObjectIdentifier(x))
        case .bignum, .ratio, .box: return nil
        }
    }

    /// Keys for all of `xs`, or nil if some value is not hashable this way.
    static func keys(_ xs: [Value]) -> [EqlKey]? {
        var out: [EqlKey] = []
        out.reserveCapacity(xs.count)
        for x in xs {
            guard let k = EqlKey(x) else { return nil }
            out.append(k)
        }
        return out
    }
}
