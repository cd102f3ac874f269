/// Hash tables (CLHS 18): insertion-ordered open tables keyed by eq / eql / equal / equalp.

public enum HashTest: UInt8 { case eq, eql, equal, equalp
    var name: String {
        switch self { case .eq: return "EQ"; case .eql: return "EQL"; case .equal: return "EQUAL"; case .equalp: return "EQUALP" }
    }
}

/// A key wrapper hashing and comparing according to the table's test.
struct HKey: Hashable {
    let v: Value
    let test: HashTest

    static func == (a: HKey, b: HKey) -> Bool {
        switch a.test {
        case .eq: return eq(a.v, b.v)
        case .eql: return eql(a.v, b.v)
        case .equal: return equal(a.v, b.v)
        case .equalp: return equalp(a.v, b.v)
        }
    }

    func hash(into h: inout Hasher) {
        switch test {
        case .eq, .eql: hashEql(v, &h)
        case .equal: hashEqual(v, &h, 4)
        case .equalp: hashEqualp(v, &h, 4)
        }
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
    case .object(let o): h.combine(ObjectIdentifier(o))
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

func hashEqualp(_ v: Value, _ h: inout Hasher, _ depth: Int) {
    switch v {
    case .character(let c):
        h.combine(String(c).lowercased())
    case .fixnum(let n): h.combine(Double(n))
    case .single(let f): h.combine(Double(f))
    case .double(let d): h.combine(d)
    case .bignum, .ratio: h.combine(7 as UInt8)
    case .string(let s):
        h.combine(1 as UInt8)
        h.combine(s.count)
        for i in 0..<min(s.count, 64) { h.combine(String(s[i]).lowercased()) }
    case .vector(let x):
        h.combine(1 as UInt8)
        h.combine(x.count)
        if depth > 0 { for e in x.activeItems.prefix(8) { hashEqualp(e, &h, depth - 1) } }
    case .bytes(let b):
        h.combine(1 as UInt8)
        h.combine(b.count)
        for e in b.bytes.prefix(min(b.count, 8)) { h.combine(Double(e)) }
    case .cons(let c):
        h.combine(2 as UInt8)
        if depth > 0 {
            hashEqualp(c.car, &h, depth - 1)
            hashEqualp(c.cdr, &h, depth - 1)
        }
    case .object(let o):
        if let s = o as? StructureObject { h.combine(ObjectIdentifier(s.type)) }
        else if o is HashTable || o is LispArray { h.combine(5 as UInt8) }
        else { h.combine(ObjectIdentifier(o)) }
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
    case .object(let o): return addressHash(o)
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

/// One entry of a hash table: key, value and the key's hash kept together, so a lookup touches
/// one cache line of entry storage after the index slot.
struct HashEntry {
    var key: Value
    var val: Value
    var hash: Int
}

/// An insertion-ordered hash table: entries live in one array (freed slots are reused
/// last-freed-first, as SBCL does); an open-addressing index with CPython's perturbed probing maps
/// hashes to entries.
public final class HashTable: LispObject {
    public let test: HashTest
    var ents: [HashEntry] = []
    var live: [Bool] = []
    /// Freed entry slots, reused last-freed-first (as SBCL does, which fixes the iteration order).
    var free: [Int] = []
    /// Index: 0 empty, -1 deleted, else entry + 1.
    var slots: [Int32]
    var mask: Int
    var used = 0          // live + deleted index slots
    public private(set) var count = 0
    var size: Int
    var weakness: Value = .null

    init(test: HashTest, size: Int) {
        self.test = test
        self.size = max(size, 7)
        var cap = 16
        while cap < size * 2 && cap < (1 << 26) { cap <<= 1 }
        slots = [Int32](repeating: 0, count: cap)
        mask = cap - 1
        super.init()
    }

    public override var typeName: String { "HASH-TABLE" }
    public override func printUnreadable() -> String {
        "HASH-TABLE :TEST \(test.name) :COUNT \(count) {\(String(UInt(bitPattern: ObjectIdentifier(self).hashValue), radix: 16, uppercase: true))}"
    }

    /// Number of entry slots (live or freed); entry `i` is live when `live[i]`.
    var entryCount: Int { ents.count }
    @inline(__always) func key(at i: Int) -> Value { ents[i].key }
    @inline(__always) func value(at i: Int) -> Value { ents[i].val }

    @inline(__always) func hashOf(_ k: Value) -> Int {
        switch test {
        case .eq, .eql: return fastEqlHash(k)
        case .equal:
            switch k {
            case .string(let s): return stringEqualHash(s)
            case .cons, .vector: var h = Hasher(); hashEqual(k, &h, 4); return h.finalize()
            default: return fastEqlHash(k)
            }
        case .equalp: var h = Hasher(); hashEqualp(k, &h, 4); return h.finalize()
        }
    }

    @inline(__always) func same(_ a: Value, _ b: Value) -> Bool {
        switch test {
        case .eq: return eq(a, b)
        case .eql: return eql(a, b)
        case .equal: return equal(a, b)
        case .equalp: return equalp(a, b)
        }
    }

    /// The index-slot probe sequence for hash `h` (CPython's): start at `h & mask`, then
    /// `i = 5i + 1 + perturb` with `perturb` shifted right 5 bits each step, so the high bits of
    /// the hash take part; once `perturb` is 0 the recurrence visits every slot.
    @inline(__always) static func nextSlot(_ i: Int, _ perturb: inout UInt, _ mask: Int) -> Int {
        perturb >>= 5
        return (i &* 5 &+ 1 &+ Int(bitPattern: perturb)) & mask
    }

    /// The index slot holding the entry for `k`, or nil.
    @inline(__always) func findSlot(_ k: Value, _ h: Int) -> Int? {
        var i = h & mask
        var perturb = UInt(bitPattern: h)
        return slots.withUnsafeBufferPointer { sl -> Int? in
            ents.withUnsafeBufferPointer { en -> Int? in
                while true {
                    let s = Int(sl[i])
                    if s == 0 { return nil }
                    if s > 0 {
                        let e = s - 1
                        if en[e].hash == h && same(en[e].key, k) { return i }
                    }
                    i = HashTable.nextSlot(i, &perturb, mask)
                }
            }
        }
    }

    /// The entry index of `k`, or nil.
    @inline(__always) func find(_ k: Value, _ h: Int) -> Int? {
        guard let i = findSlot(k, h) else { return nil }
        return Int(slots[i]) - 1
    }

    @inline(__always) public func get(_ k: Value) -> Value? {
        if count == 0 { return nil }
        if let e = find(k, hashOf(k)) { return ents[e].val }
        return nil
    }

    /// A free (empty or deleted) index slot on the probe sequence of `h`.
    @inline(__always) func freeSlot(_ h: Int) -> Int {
        var i = h & mask
        var perturb = UInt(bitPattern: h)
        while slots[i] > 0 { i = HashTable.nextSlot(i, &perturb, mask) }
        return i
    }

    func rebuildIndex(_ cap: Int) {
        slots = [Int32](repeating: 0, count: cap)
        mask = cap - 1
        used = 0
        for e in 0..<ents.count where live[e] {
            slots[freeSlot(ents[e].hash)] = Int32(e + 1)
            used += 1
        }
    }

    public func put(_ k: Value, _ v: Value) {
        let h = hashOf(k)
        if count > 0, let e = find(k, h) { ents[e].val = v; return }
        if (used + 1) * 2 > slots.count {
            // Live entries at most a quarter of the new index (deleted slots are dropped).
            var cap = 16
            while cap < 4 * (count + 1) { cap <<= 1 }
            rebuildIndex(max(cap, slots.count > 4 * (count + 1) ? slots.count : cap))
        }
        let e: Int
        if let slot = free.popLast() {
            e = slot
            ents[e] = HashEntry(key: k, val: v, hash: h); live[e] = true
        } else {
            e = ents.count
            ents.append(HashEntry(key: k, val: v, hash: h)); live.append(true)
        }
        let i = freeSlot(h)
        if slots[i] == 0 { used += 1 }
        slots[i] = Int32(e + 1)
        count += 1
        if count > size { size = count * 3 / 2 + 1 }
    }

    @discardableResult
    public func remove(_ k: Value) -> Bool {
        if count == 0 { return false }
        guard let i = findSlot(k, hashOf(k)) else { return false }
        let e = Int(slots[i]) - 1
        slots[i] = -1
        live[e] = false
        ents[e] = HashEntry(key: .null, val: .null, hash: 0)
        count -= 1
        free.append(e)
        return true
    }

    public func clear() {
        ents.removeAll(); live.removeAll(); free.removeAll()
        for i in 0..<slots.count { slots[i] = 0 }
        used = 0
        count = 0
    }

    /// Live entries snapshot (for iteration that may modify the table).
    public var entries: [(Value, Value)] {
        var out: [(Value, Value)] = []
        out.reserveCapacity(count)
        for i in 0..<ents.count where live[i] { out.append((ents[i].key, ents[i].val)) }
        return out
    }
}

enum HashTableLibrary {
    static func table(_ rt: Runtime, _ v: Value) throws(Unwind) -> HashTable {
        // HashTable is final: an exact class check replaces the runtime's dynamic cast.
        if case .object(let o) = v, type(of: o) == HashTable.self { return unsafeDowncast(o, to: HashTable.self) }
        try rt.typeError(v, "HASH-TABLE")
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
            let h = try table(rt, args[1])
            if let v = h.get(args[0]) { return rt.values2(v, .t) }
            return rt.values2(args.get(2), .null)
        }
        rt.defSetf("GETHASH", 3, 4) { rt, args throws(Unwind) in
            try table(rt, args[2]).put(args[1], args[0])
            return args[0]
        }
        // (setf gethash) as an updater call (%PUTHASH key table [default] new).
        rt.defN("%PUTHASH", 3, 4, in: rt.world.system) { rt, args throws(Unwind) in
            let new = args[args.count - 1]
            try table(rt, args[1]).put(args[0], new)
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
                if h.live[i] { _ = try rt.funcall(fn, h.key(at: i), h.value(at: i)) }
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
                    if h.live[j] { return try rt.values([.t, h.key(at: j), h.value(at: j)]) }
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
