import Glibc

/// One entry of a hash table: key, value and the key's full hash kept together, so a hit touches
/// one entry after its index slot.
struct HashEntry {
    var key: Value
    var val: Value
    var hash: Int
}

/// An insertion-ordered hash table (CLHS 18) keyed by eq / eql / equal / equalp.
///
/// Layout (CPython's compact dict): entries live in one array in insertion order (freed entries
/// are reused last-freed-first, as SBCL does, which fixes the iteration order); an
/// open-addressing index with CPython's perturbed probing maps hashes to entries.
///
/// Each index slot is 32 bits: the entry number + 1 in the low 24 bits and an 8-bit *tag* (bits
/// of the mixed hash that the slot position does not determine) in the high 8. A probe compares
/// tags inside the index and reads an entry only when the tag matches (a false match is 1 in
/// 256), so a miss or a collision costs no access to entry memory — with big tables that access
/// is a cache miss, and it dominated lookups. Slots stay 4 bytes, as in CPython, so the index
/// stays small enough for the caches. A table that outgrows 24-bit entry numbers switches to
/// *wide* slots: the whole 32 bits are the entry number and every tag is 0 (then every probe
/// of a live slot reads its entry, as CPython's do).
///
/// Load: the index is rebuilt when live + deleted slots would pass 2/3 of it, to the smallest
/// power of two of at least three times the live count (CPython's sizes).
///
/// Both arrays are malloc'd raw storage owned by the table rather than Swift arrays: reading
/// them needs no retain/release or uniqueness check, and since a `HashEntry` is bitwise-movable
/// the entry array grows with `realloc` (a page remap for big tables, not a copy).
public final class HashTable: LispObject {
    public let test: HashTest
    /// Entry storage; `entryCount` entries are initialised (freed ones hold NIL/NIL).
    var ents: UnsafeMutablePointer<HashEntry>
    var entCap: Int
    /// Number of entry slots in use (live or freed); entry `i` is live when `live[i]`.
    public private(set) var entryCount = 0
    var live: UnsafeMutablePointer<Bool>
    /// Freed entry slots, reused last-freed-first (as SBCL does, which fixes the iteration order).
    var free: [Int] = []
    /// The index: `cap` slots (see the type's comment); `mask` = cap - 1.
    var slots: UnsafeMutablePointer<UInt32>
    var mask: Int
    /// The entry-number bits of a slot: 24 bits, or all 32 for wide slots.
    var entryMask: UInt32 = 0xFF_FFFF
    /// Whether tags are in use (false for wide slots).
    var tagged = true
    /// Live + deleted index slots (the load that decides when the index is rebuilt).
    var used = 0
    public private(set) var count = 0
    var size: Int
    var weakness: Value = .null

    /// Slot states besides a live entry. A deleted slot keeps probe chains through it intact.
    static let emptySlot: UInt32 = 0
    static let deletedSlot: UInt32 = 0xFFFF_FFFF
    /// Entry numbers + 1 stay below this with 24-bit entry fields (so no live slot can read as
    /// `deletedSlot`).
    /// (A variable only so that a unit test can exercise the switch to wide slots.)
    nonisolated(unsafe) static var narrowLimit = (1 << 24) - 2
    /// `narrowLimit` as of this table's creation (read per insertion, so kept in the table).
    let entryLimit = HashTable.narrowLimit

    init(test: HashTest, size: Int) {
        self.test = test
        self.size = max(size, 7)
        var cap = 16
        while cap < min(size, 1 << 25) * 2 && cap < (1 << 26) { cap <<= 1 }
        slots = HashTable.newIndex(cap)
        mask = cap - 1
        entCap = 8
        ents = HashTable.alloc(HashEntry.self, entCap)
        live = HashTable.alloc(Bool.self, entCap)
        super.init()
    }

    deinit {
        ents.deinitialize(count: entryCount)
        Glibc.free(ents)
        Glibc.free(live)
        Glibc.free(slots)
    }

    public override var typeName: String { "HASH-TABLE" }
    public override func printUnreadable() -> String {
        "HASH-TABLE :TEST \(test.name) :COUNT \(count) {\(String(UInt(bitPattern: ObjectIdentifier(self).hashValue), radix: 16, uppercase: true))}"
    }

    // MARK: raw storage

    static func alloc<T>(_: T.Type, _ n: Int) -> UnsafeMutablePointer<T> {
        guard let p = malloc(n * MemoryLayout<T>.stride) else { fatalError("hash table: out of memory") }
        return p.bindMemory(to: T.self, capacity: n)
    }
    static func grow<T>(_ p: UnsafeMutablePointer<T>, _ n: Int) -> UnsafeMutablePointer<T> {
        guard let q = realloc(p, n * MemoryLayout<T>.stride) else { fatalError("hash table: out of memory") }
        return q.bindMemory(to: T.self, capacity: n)
    }
    /// A zeroed index of `cap` slots, aligned to a cache line so the line probes stay in one.
    static func newIndex(_ cap: Int) -> UnsafeMutablePointer<UInt32> {
        var p: UnsafeMutableRawPointer?
        let bytes = cap * MemoryLayout<UInt32>.stride
        guard posix_memalign(&p, 64, bytes) == 0, let q = p else { fatalError("hash table: out of memory") }
        memset(q, 0, bytes)
        return q.bindMemory(to: UInt32.self, capacity: cap)
    }

    // MARK: entries

    @inline(__always) public func isLive(_ i: Int) -> Bool { live[i] }
    @inline(__always) func key(at i: Int) -> Value { ents[i].key }
    @inline(__always) func value(at i: Int) -> Value { ents[i].val }

    // MARK: hashing and key comparison

    @inline(__always) func hashOf(_ k: Value) -> Int {
        switch test {
        case .eq, .eql: return fastEqlHash(k)
        case .equal:
            switch k {
            case .string(let s): return stringEqualHash(s)
            case .cons, .vector: var h = Hasher(); hashEqual(k, &h, 4); return h.finalize()
            default: return fastEqlHash(k)
            }
        case .equalp: return equalpHash(k)
        }
    }

    @inline(__always) func same(_ a: Value, _ b: Value) -> Bool {
        switch test {
        case .eq, .eql:
            // Fixnum keys are the common case; skip eql's bignum/ratio dispatch for them.
            if case .fixnum(let x) = a, case .fixnum(let y) = b { return x == y }
            return test == .eq ? eq(a, b) : eql(a, b)
        case .equal:
            if case .string(let x) = a, case .string(let y) = b { return lispStringsEqual(x, y) }
            return equal(a, b)
        case .equalp: return equalp(a, b)
        }
    }

    // MARK: probing

    /// The probe sequence: CPython's perturbed recurrence picks a *base* slot (start at
    /// `h & mask`, then `b = 5b + 1 + perturb` with `perturb`, initially the hash, shifted right
    /// 5 bits each step, so the high bits of the hash take part; once `perturb` is 0 the
    /// recurrence visits every slot). At each base, `lineProbes` slots of the base's 64-byte
    /// line are tried (the base, then its neighbours, wrapping within the line): they cost no
    /// further cache miss, so most collisions are resolved without a jump to a random line.
    static let lineProbes = 4
    @inline(__always) static func lineSlot(_ b: Int, _ d: Int) -> Int { (b & ~15) | ((b &+ d) & 15) }
    @inline(__always) static func nextBase(_ b: Int, _ perturb: inout UInt, _ mask: Int) -> Int {
        perturb >>= 5
        return (b &* 5 &+ 1 &+ Int(bitPattern: perturb)) & mask
    }

    /// The tag bits of a slot for hash `h`: the top 8 bits of the mixed hash (the slot position
    /// comes from the low bits of the unmixed one), or 0 for wide slots.
    @inline(__always) func tag(_ h: Int) -> UInt32 {
        tagged ? UInt32(truncatingIfNeeded: UInt(bitPattern: mixHash(h)) >> 56) << 24 : 0
    }
    @inline(__always) func slotValue(_ h: Int, _ e: Int) -> UInt32 { tag(h) | UInt32(truncatingIfNeeded: e + 1) }
    /// The entry of a live slot value.
    @inline(__always) func entry(_ s: UInt32) -> Int { Int(s & entryMask) - 1 }
    /// Whether slot value `s` is a live slot carrying `tag`.
    @inline(__always) func isLive(_ s: UInt32, tag: UInt32) -> Bool { s & ~entryMask == tag && s != HashTable.deletedSlot }

    /// Visits the index slots on the probe sequence of `h`, in order, until `visit` returns a
    /// result (the one place that walks the sequence; `visit` is inlined into each caller).
    @inline(__always) func probe(_ h: Int, _ visit: (_ slot: Int, _ value: UInt32) -> Int?) -> Int {
        var b = h & mask
        var perturb = UInt(bitPattern: h)
        while true {
            for d in 0..<HashTable.lineProbes {
                let i = HashTable.lineSlot(b, d)
                if let r = visit(i, slots[i]) { return r }
            }
            b = HashTable.nextBase(b, &perturb, mask)
        }
    }

    /// The index slot holding the entry for `k` (hash `h`), or -1.
    @inline(__always) func findSlot(_ k: Value, _ h: Int) -> Int {
        let tag = self.tag(h)
        return probe(h) { i, s in
            if s == HashTable.emptySlot { return -1 }
            if isLive(s, tag: tag) {
                let e = entry(s)
                if ents[e].hash == h && same(ents[e].key, k) { return i }
            }
            return nil
        }
    }

    /// The entry index of `k`, or -1.
    @inline(__always) func find(_ k: Value, _ h: Int) -> Int {
        let i = findSlot(k, h)
        return i < 0 ? -1 : entry(slots[i])
    }

    @inline(__always) public func get(_ k: Value) -> Value? {
        if count == 0 { return nil }
        let e = find(k, hashOf(k))
        return e < 0 ? nil : ents[e].val
    }

    /// A free (empty or deleted) index slot on the probe sequence of `h`.
    @inline(__always) func freeSlot(_ h: Int) -> Int {
        probe(h) { i, s in s == HashTable.emptySlot || s == HashTable.deletedSlot ? i : nil }
    }

    func rebuildIndex(_ cap: Int) {
        Glibc.free(slots)
        slots = HashTable.newIndex(cap)
        mask = cap - 1
        used = 0
        for e in 0..<entryCount where live[e] {
            let h = ents[e].hash
            slots[freeSlot(h)] = slotValue(h, e)
            used += 1
        }
    }

    // MARK: updates

    /// The index slot of `k` (hash `h`) when present (`found`), else the slot a new entry for
    /// `k` would take: the first deleted or empty slot on its probe sequence. One pass serves
    /// both the lookup and the insertion.
    @inline(__always) func probeForPut(_ k: Value, _ h: Int) -> (slot: Int, found: Bool) {
        let tag = self.tag(h)
        var firstFree = -1
        var found = false
        let slot = probe(h) { i, s in
            if s == HashTable.emptySlot { return firstFree >= 0 ? firstFree : i }
            if s == HashTable.deletedSlot {
                if firstFree < 0 { firstFree = i }
            } else if s & ~entryMask == tag {
                let e = entry(s)
                if ents[e].hash == h && same(ents[e].key, k) { found = true; return i }
            }
            return nil
        }
        return (slot, found)
    }

    public func put(_ k: Value, _ v: Value) {
        let h = hashOf(k)
        var (i, found) = probeForPut(k, h)
        if found { ents[entry(slots[i])].val = v; return }
        if (used + 1) * 3 > (mask + 1) * 2 || (tagged && entryCount >= entryLimit && free.isEmpty) {
            if tagged && entryCount >= entryLimit {
                // Entry numbers no longer fit beside a tag: switch to wide slots.
                tagged = false
                entryMask = 0xFFFF_FFFF
            }
            // Live entries at most a third of the new index (deleted slots are dropped).
            var cap = 16
            while cap < 3 * (count + 1) { cap <<= 1 }
            rebuildIndex(max(cap, mask + 1 > 3 * (count + 1) ? mask + 1 : cap))
            i = freeSlot(h)
        }
        let e: Int
        if let slot = free.popLast() {
            e = slot
            ents[e] = HashEntry(key: k, val: v, hash: h)
        } else {
            if entryCount == entCap {
                entCap *= 2
                ents = HashTable.grow(ents, entCap)
                live = HashTable.grow(live, entCap)
            }
            e = entryCount
            (ents + e).initialize(to: HashEntry(key: k, val: v, hash: h))
            entryCount += 1
        }
        live[e] = true
        if slots[i] == HashTable.emptySlot { used += 1 }
        slots[i] = slotValue(h, e)
        count += 1
        if count > size { size = count * 3 / 2 + 1 }
    }

    @discardableResult
    public func remove(_ k: Value) -> Bool {
        if count == 0 { return false }
        let i = findSlot(k, hashOf(k))
        if i < 0 { return false }
        let e = entry(slots[i])
        slots[i] = HashTable.deletedSlot
        live[e] = false
        ents[e] = HashEntry(key: .null, val: .null, hash: 0)
        count -= 1
        free.append(e)
        return true
    }

    public func clear() {
        ents.deinitialize(count: entryCount)
        entryCount = 0
        free.removeAll()
        memset(slots, 0, (mask + 1) * MemoryLayout<UInt32>.stride)
        used = 0
        count = 0
    }

    /// Live entries snapshot (for iteration that may modify the table).
    public var entries: [(Value, Value)] {
        var out: [(Value, Value)] = []
        out.reserveCapacity(count)
        for i in 0..<entryCount where live[i] { out.append((ents[i].key, ents[i].val)) }
        return out
    }
}

/// `equal` on two strings: same active length and characters, whatever their storage.
@inline(__always) func lispStringsEqual(_ x: LispString, _ y: LispString) -> Bool {
    if x === y { return true }
    let n = x.count
    if n != y.count { return false }
    if x.isBase && y.isBase {
        return x.bytes.withUnsafeBufferPointer { a in
            y.bytes.withUnsafeBufferPointer { b in n == 0 || memcmp(a.baseAddress!, b.baseAddress!, n) == 0 }
        }
    }
    for i in 0..<n where x[i] != y[i] { return false }
    return true
}
