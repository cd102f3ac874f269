/// Hash tables (CLHS 18): hash functions for the four tests and the Lisp functions. The table
/// itself is `HashTable` (HashTable.swift).

public enum HashTest: UInt8 { case eq, eql, equal, equalp
    var name: String {
        switch self { case .eq: return "EQ"; case .eql: return "EQL"; case .equal: return "EQUAL"; case .equalp: return "EQUALP" }
    }
}

@inline(__always) func hashEql(_ v: Value, _ h: inout Hasher) {
    switch v {
    case .null: h.combine(0)
    case .fixnum(let n): h.combine(n)
    case .character(let c): h.combine(c.value)
    case .symbol(let s): h.combine(ObjectIdentifier(s))
    case .cons(let c): h.combine(ObjectIdentifier(c))
    case .string(let s): h.combine(ObjectIdentifier(s))
    case .vector(let x): h.combine(ObjectIdentifier(x))
    case .bytes(let b): h.combine(ObjectIdentifier(b))
    case .function(let f): h.combine(ObjectIdentifier(f))
    case .object(let o):
        if type(of: o) == LispComplex.self { h.combine(unsafeDowncast(o, to: LispComplex.self).eqlHash) } else { h.combine(ObjectIdentifier(o)) }
    case .single(let f): h.combine(f.bitPattern)
    case .double(let d): h.combine(d.bitPattern)
    case .bignum(let b): h.combine(b.value)
    case .ratio(let r): h.combine(r.numerator); h.combine(r.denominator)
    case .box(let b): h.combine(ObjectIdentifier(b))
    }
}

func hashEqual(_ v: Value, _ h: inout Hasher, _ depth: Int) {
    switch v {
    case .string(let s):
        h.combine(1 as UInt8)
        let n = s.count
        if s.isBase { for i in 0..<n { h.combine(s.bytes[i]) } } else { for i in 0..<n { h.combine(s.scalars[i].value) } }
    case .cons(let c):
        h.combine(2 as UInt8)
        if depth > 0 {
            hashEqual(c.car, &h, depth - 1)
            hashEqual(c.cdr, &h, depth - 1)
        }
    case .vector(let x) where x.elementType.asSymbol?.name == "BIT":
        h.combine(3 as UInt8)
        for e in x.activeItems { hashEql(e, &h) }
    default: hashEql(v, &h)
    }
}

@inline(__always) func mixHash(_ x: Int) -> Int {
    var h = UInt(bitPattern: x) &* 0x9E37_79B9_7F4A_7C15
    h ^= h >> 29
    h = h &* 0xBF58_476D_1CE4_E5B9
    h ^= h >> 32
    return Int(bitPattern: h)
}

/// Hash of an object's identity: its address, mixed (`ObjectIdentifier.hashValue` would go
/// through `Hasher`, several times slower).
@inline(__always) func addressHash(_ o: AnyObject) -> Int {
    mixHash(Int(bitPattern: ObjectIdentifier(o)))
}

/// Identity / eql hash without Hasher (fixnums, characters and objects are the common keys).
/// Fixnums and characters hash to themselves, as in CPython: keys that are close together land
/// in nearby index slots, which keeps big tables of counters or ids cache-friendly. The table's
/// perturbed probing (see `HashTable.find`) mixes in the high bits, so regular key patterns
/// (multiples of a power of two) do not pile up in one run of slots.
@inline(__always) func fastEqlHash(_ v: Value) -> Int {
    switch v {
    case .null: return 0x2545_F491
    case .fixnum(let n): return n
    case .character(let c): return Int(c.value) &+ 0x1_0000_0000
    case .symbol(let s): return addressHash(s)
    case .cons(let c): return addressHash(c)
    case .string(let s): return addressHash(s)
    case .vector(let x): return addressHash(x)
    case .bytes(let b): return addressHash(b)
    case .function(let f): return addressHash(f)
    case .object(let o):
        // Complexes are eql by value (see `eql`).
        if type(of: o) == LispComplex.self { return unsafeDowncast(o, to: LispComplex.self).eqlHash }
        return addressHash(o)
    case .single(let f): return mixHash(Int(f.bitPattern))
    case .double(let d): return mixHash(Int(bitPattern: UInt(d.bitPattern)))
    default:
        var h = Hasher()
        hashEql(v, &h)
        return h.finalize()
    }
}

/// `equal` hash of a string's active characters (FNV-1a over the code points, then mixed):
/// much cheaper than feeding `Hasher` one character at a time. Base and character strings with
/// the same characters hash alike, as `equal` requires.
@inline(__always) func stringEqualHash(_ s: LispString) -> Int {
    var h: UInt = 0xCBF2_9CE4_8422_2325
    let n = s.count
    if s.isBase {
        s.bytes.withUnsafeBufferPointer { b in
            for i in 0..<n { h = (h ^ UInt(b[i])) &* 0x100_0000_01B3 }
        }
    } else {
        s.scalars.withUnsafeBufferPointer { b in
            for i in 0..<n { h = (h ^ UInt(b[i].value)) &* 0x100_0000_01B3 }
        }
    }
    return mixHash(Int(bitPattern: h ^ UInt(n)))
}

/// `equalp` hash. Consistent with `equalp`: numbers hash by value across types (1, 1.0 and
/// 1.0d0 alike; a float with an integral value as that integer), characters case-folded,
/// strings, vectors and byte vectors alike element by element (they are equalp to each other
/// when their elements are), conses structurally; structures by type only (their slots may
/// change), hash tables and arrays by kind only.
func equalpHash(_ v: Value, _ depth: Int = 4) -> Int {
    switch v {
    // equalp compares a fixnum with a float through a double, so a fixnum past 2^53 hashes as the
    // double it rounds to, like that float.
    case .fixnum(let n) where n.magnitude <= 1 << 53: return n
    case .fixnum(let n): return equalpHash(.double(Double(n)), depth)
    case .single, .double, .bignum, .ratio:
        guard let d = v.approximateDouble else { return 0x51ED }
        if d.isFinite, d.rounded() == d, abs(d) < 0x1p63 { return Int(d) }
        return mixHash(Int(bitPattern: UInt(d.bitPattern)))
    case .character(let c): return Int(foldedCharCode(c)) &+ 0x1_0000_0000
    case .string(let s):
        let n = s.count
        var h = UInt(bitPattern: n) &+ 0xE9A1
        // Elements only above the depth limit, as for vectors (a string is equalp to a vector of
        // the same characters, and both must hash alike).
        if depth > 0 {
            for i in 0..<min(n, 64) { h = (h ^ UInt(bitPattern: foldedCharCode(s[i]) &+ 0x1_0000_0000)) &* 0x100_0000_01B3 }
        }
        return mixHash(Int(bitPattern: h))
    case .vector(let x):
        let n = x.count
        var h = UInt(bitPattern: n) &+ 0xE9A1
        if depth > 0 {
            for e in x.activeItems.prefix(64) { h = (h ^ UInt(bitPattern: equalpHash(e, depth - 1))) &* 0x100_0000_01B3 }
        }
        return mixHash(Int(bitPattern: h))
    case .bytes(let b):
        let n = b.count
        var h = UInt(bitPattern: n) &+ 0xE9A1
        if depth > 0 {
            for i in 0..<min(n, 64) { h = (h ^ UInt(b.bytes[i])) &* 0x100_0000_01B3 }
        }
        return mixHash(Int(bitPattern: h))
    case .cons(let c):
        if depth <= 0 { return 0xC025 }
        return mixHash(equalpHash(c.car, depth - 1) &* 31 &+ equalpHash(c.cdr, depth - 1))
    case .object(let o):
        if type(of: o) == LispComplex.self {
            // As the number it is equalp to: a zero imaginary part hashes as the real part alone.
            let c = unsafeDowncast(o, to: LispComplex.self)
            let im = Numeric.value(c.imag)
            let re = equalpHash(Numeric.value(c.real), depth)
            if numericEqualForEqualp(im, .fixnum(0)) { return re }
            return mixHash(re &* 31 &+ equalpHash(im, depth))
        }
        if let s = o as? StructureObject { return addressHash(s.type) }
        if o is HashTable || o is LispArray { return 5 }
        if let h = o.valueEqualpHash { return h }
        return addressHash(o)
    default: return fastEqlHash(v)
    }
}

/// A character code folded so that characters `char-equal` to each other fold alike: ASCII by
/// arithmetic, others through their lower-case mapping (the same test `equalp` uses).
@inline(__always) func foldedCharCode(_ c: Unicode.Scalar) -> Int {
    let v = c.value
    if v < 128 { return Int(v >= 65 && v <= 90 ? v + 32 : v) }
    var h = 0
    for u in String(c).lowercased().unicodeScalars { h = h &* 0x11_0000 &+ Int(u.value) }
    return h
}

enum HashTableLibrary {
    static func table(_ rt: Runtime, _ v: Value) throws(Unwind) -> HashTable {
        // HashTable is final: an exact class check replaces the runtime's dynamic cast.
        if case .object(let o) = v, type(of: o) == HashTable.self { return unsafeDowncast(o, to: HashTable.self) }
        try rt.typeError(v, "HASH-TABLE")
    }

    /// The hash table in argument slot `p`, unretained: arguments stay on the value stack (owned
    /// by the caller) for the whole call, so the builtin needs no retain/release of its own.
    @inline(__always) static func borrowedTable(_ p: UnsafeMutablePointer<Value>) -> Unmanaged<HashTable>? {
        if case .object(let o) = p.pointee, type(of: o) == HashTable.self {
            return Unmanaged.passUnretained(unsafeDowncast(o, to: HashTable.self))
        }
        return nil
    }

    static func testFrom(_ rt: Runtime, _ v: Value) throws(Unwind) -> HashTest {
        var name: String?
        switch v {
        case .symbol(let s): name = s.name
        case .function(let f): name = f.name.asSymbol?.name
        default: break
        }
        switch name {
        case "EQ": return .eq
        case "EQL": return .eql
        case "EQUAL": return .equal
        case "EQUALP": return .equalp
        default: try rt.signalError(rt.simpleError("\(rt.printString(v)) is not a valid hash table test"))
        }
    }

    /// `sxhash`: a non-negative fixnum, consistent with `equal`, stable within a process.
    static func sxhash(_ v: Value) -> Int {
        var h = Hasher()
        hashEqual(v, &h, 4)
        return h.finalize() & 0x3FFF_FFFF_FFFF_FFFF
    }

    static func register(_ rt: Runtime) {
        rt.defN("MAKE-HASH-TABLE", 0, -1) { rt, args throws(Unwind) in
            let kw = try rt.keywordArgs(args, from: 0, allowed: ["TEST", "SIZE", "REHASH-SIZE", "REHASH-THRESHOLD", "WEAKNESS", "SYNCHRONIZED", "HASH-FUNCTION"], fname: "MAKE-HASH-TABLE")
            let test = try kw["TEST"].map { (t: Value) throws(Unwind) -> HashTest in try testFrom(rt, t) } ?? .eql
            var size = 14
            if let s = kw["SIZE"] { size = try rt.index(s) }
            let h = HashTable(test: test, size: size)
            if let w = kw["WEAKNESS"] { h.weakness = w }
            return .object(h)
        }
        rt.defN("GETHASH", 2, 3, mv: true) { rt, args throws(Unwind) in
            guard let h = borrowedTable(args.base + 1) else { try rt.typeError(args[1], "HASH-TABLE") }
            if let v = h._withUnsafeGuaranteedRef({ $0.get(args[0]) }) { return rt.values2(v, .t) }
            return rt.values2(args.get(2), .null)
        }
        rt.defSetf("GETHASH", 3, 4) { rt, args throws(Unwind) in
            try table(rt, args[2]).put(args[1], args[0])
            return args[0]
        }
        // (setf gethash) as an updater call (%PUTHASH key table [default] new).
        rt.defN("%PUTHASH", 3, 4, in: rt.world.system) { rt, args throws(Unwind) in
            guard let h = borrowedTable(args.base + 1) else { try rt.typeError(args[1], "HASH-TABLE") }
            let new = args[args.count - 1]
            h._withUnsafeGuaranteedRef { $0.put(args[0], new) }
            return new
        }
        SetfRegistry.updaters[Sym.cl("GETHASH")] = .symbol(rt.world.system.internExternal("%PUTHASH"))
        rt.def2("REMHASH") { rt, k, t throws(Unwind) in try table(rt, t).remove(k) ? .t : .null }
        rt.def1("CLRHASH") { rt, t throws(Unwind) in try table(rt, t).clear(); return t }
        rt.def2("MAPHASH") { rt, f, t throws(Unwind) in
            let fn = try rt.coerceToFunction(f)
            let h = try table(rt, t)
            var i = 0
            // Iterate the entry arrays directly; removals leave tombstones, so indices stay valid.
            while i < h.entryCount {
                if h.isLive(i) { _ = try rt.funcall(fn, h.key(at: i), h.value(at: i)) }
                i += 1
            }
            return .null
        }
        rt.def1("HASH-TABLE-COUNT") { rt, t throws(Unwind) in .fixnum(try table(rt, t).count) }
        rt.def1("HASH-TABLE-P") { _, t in
            if case .object(let o) = t, o is HashTable { return .t }
            return .null
        }
        rt.def1("HASH-TABLE-TEST") { rt, t throws(Unwind) in .symbol(rt.world.cl.internExternal(try table(rt, t).test.name)) }
        rt.def1("HASH-TABLE-SIZE") { rt, t throws(Unwind) in .fixnum(try table(rt, t).size) }
        rt.def1("HASH-TABLE-REHASH-SIZE") { rt, t throws(Unwind) in _ = try table(rt, t); return .double(1.5) }
        rt.def1("HASH-TABLE-REHASH-THRESHOLD") { rt, t throws(Unwind) in _ = try table(rt, t); return .double(1.0) }
        rt.def1("HASH-TABLE-WEAKNESS", in: rt.world.system) { rt, t throws(Unwind) in try table(rt, t).weakness }
        rt.def1("SXHASH") { _, v in .fixnum(sxhash(v)) }
        // An iterator closure for with-hash-table-iterator: each call returns (values more key value).
        rt.def1("%HASH-TABLE-ITERATOR", in: rt.world.system) { rt, t throws(Unwind) in
            let h = try table(rt, t)
            var i = 0
            let f = LispFunction(name: .null, kind: .nativeN({ rt, _ throws(Unwind) in
                while i < h.entryCount {
                    let j = i
                    i += 1
                    if h.isLive(j) { return try rt.values([.t, h.key(at: j), h.value(at: j)]) }
                }
                return rt.values2(.null, .null)
            }, min: 0, max: 0, mv: true))
            return .function(f)
        }
        // Keys / values lists for LOOP's being the hash-keys.
        rt.def1("%HASH-TABLE-PAIRS", in: rt.world.system) { rt, t throws(Unwind) in
            let h = try table(rt, t)
            var out: [Value] = []
            for (k, v) in h.entries { out.append(.cons(k, v)) }
            return listFrom(out)
        }
    }
}
