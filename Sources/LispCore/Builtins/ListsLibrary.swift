/// The rest of the conses chapter: list-length, butlast, member-if, assoc-if, rassoc, pairlis,
/// trees (subst, sublis, copy-tree, tree-equal), sets (union, intersection, ...), ldiff, tailp...
enum ListsLibrary {
    static func register(_ rt: Runtime) {
        registerBasics(rt)
        registerAlists(rt)
        registerTrees(rt)
        registerSets(rt)
    }

    static func properItems(_ rt: Runtime, _ v: Value) throws(Unwind) -> [Value] { try rt.listItems(v) }

    static func registerBasics(_ rt: Runtime) {
        rt.def1("LIST-LENGTH") { rt, x throws(Unwind) in
            var n = 0
            var fast = x, slow = x
            while true {
                guard case .cons(let f1) = fast else {
                    if !fast.isNil { try rt.typeError(fast, "LIST") }
                    return .fixnum(n)
                }
                guard case .cons(let f2) = f1.cdr else {
                    if !f1.cdr.isNil { try rt.typeError(f1.cdr, "LIST") }
                    return .fixnum(n + 1)
                }
                fast = f2.cdr
                n += 2
                if case .cons(let s) = slow { slow = s.cdr }
                if case .cons(let a) = fast, case .cons(let b) = slow, a === b { return .null }
            }
        }
        rt.defN("MAKE-LIST", 1, -1) { rt, args throws(Unwind) in
            let k = try SeqKeys(rt, args, from: 1, [.initialElement], "MAKE-LIST")
            let n = try rt.index(args[0])
            let x = k.initialElement ?? .null
            var r: Value = .null
            for _ in 0..<n { r = .cons(Cons.make(x, r)) }
            return r
        }
        rt.defN("BUTLAST", 1, 2) { rt, args throws(Unwind) in
            let n = args.count > 1 ? try rt.index(args[1]) : 1
            var items: [Value] = []
            var p = args[0]
            while case .cons(let c) = p { items.append(c.car); p = c.cdr }
            if !p.isNil && !p.isList { /* dotted: the tail is dropped */ }
            if !args[0].isList { try rt.typeError(args[0], "LIST") }
            if n >= items.count { return .null }
            return listFrom(items[0..<(items.count - n)])
        }
        rt.defN("NBUTLAST", 1, 2) { rt, args throws(Unwind) in
            let n = args.count > 1 ? try rt.index(args[1]) : 1
            if !args[0].isList { try rt.typeError(args[0], "LIST") }
            var cells: [Cons] = []
            var p = args[0]
            while case .cons(let c) = p { cells.append(c); p = c.cdr }
            if n >= cells.count { return .null }
            cells[cells.count - n - 1].cdr = .null
            return args[0]
        }
        rt.defN("LAST", 1, 2) { rt, args throws(Unwind) in
            let n = args.count > 1 ? try rt.index(args[1]) : 1
            let l = args[0]
            guard let first = ConsCursor(l) else {
                if !l.isNil { try rt.typeError(l, "LIST") }
                return .null
            }
            // Walk to the last cons counting them, then take the tail of n conses (the atom
            // after the last cons for n = 0). The walks retain no cell.
            var end = first, count = 1
            while end.advance() { count += 1 }
            if n >= count { return l }
            if n == 1 { return end.value }
            if n == 0 { return end.cdr }
            var start = first
            for _ in 0..<(count - n) { _ = start.advance() }
            return start.value
        }
        rt.def2("REVAPPEND") { rt, a, b throws(Unwind) in try SequenceCore.revappend(rt, a, b) }
        rt.def2("NRECONC") { rt, a, b throws(Unwind) in try SequenceCore.nreconc(rt, a, b) }
        rt.def2("LDIFF") { rt, l, obj throws(Unwind) in
            if !l.isList { try rt.typeError(l, "LIST") }
            var items: [Value] = []
            var p = l
            while case .cons(let c) = p {
                if eq(p, obj) { return listFrom(items) }
                items.append(c.car)
                p = c.cdr
            }
            if eql(p, obj) { return listFrom(items) }
            return listFrom(items, tail: p)
        }
        rt.def2("TAILP") { rt, obj, l throws(Unwind) in
            if !l.isList { try rt.typeError(l, "LIST") }
            var p = l
            while case .cons(let c) = p {
                if eq(p, obj) { return .t }
                p = c.cdr
            }
            return .bool(eql(p, obj))
        }
        rt.defN("LIST*", 1, -1) { _, args throws(Unwind) in
            var r = args[args.count - 1]
            var i = args.count - 2
            while i >= 0 { r = .cons(Cons.make(args[i], r)); i -= 1 }
            return r
        }
        for (name, negate) in [("MEMBER-IF", false), ("MEMBER-IF-NOT", true)] {
            rt.defN(name, 2, -1) { rt, args throws(Unwind) in
                let k = try SeqKeys(rt, args, from: 2, [.key], name)
                let f = try rt.coerceToFunction(args[0])
                var p = args[1]
                while case .cons(let c) = p {
                    if try rt.funcall(f, try k.keyOf(rt, c.car)).isTrue != negate { return p }
                    p = c.cdr
                }
                if !p.isNil { try rt.typeError(p, "LIST") }
                return .null
            }
        }
        rt.defN("MEMBER", 2, -1) { rt, args throws(Unwind) in
            let k = try SeqKeys(rt, args, from: 2, .tests, "MEMBER")
            let item = args[0]
            var p = args[1]
            if k.key == nil && k.test == nil && k.testNot == nil {
                // No user code runs: walk without retaining cells.
                guard var cur = ConsCursor(p) else {
                    if !p.isNil { try rt.typeError(p, "LIST") }
                    return .null
                }
                repeat {
                    if cur.withCell({ eql(item, $0.car) }) { return cur.value }
                } while cur.advance()
                p = cur.cdr
            } else {
                while case .cons(let c) = p {
                    if try k.same(rt, item, try k.keyOf(rt, c.car)) { return p }
                    p = c.cdr
                }
            }
            if !p.isNil { try rt.typeError(p, "LIST") }
            return .null
        }
        rt.defN("GET-PROPERTIES", 2, 2, mv: true) { rt, args throws(Unwind) in
            let inds = try rt.listItems(args[1])
            var p = args[0]
            while case .cons(let c) = p {
                guard case .cons(let v) = c.cdr else { try rt.typeError(args[0], "LIST") }
                if inds.contains(where: { eq($0, c.car) }) { return try rt.values([c.car, v.car, p]) }
                p = v.cdr
            }
            return try rt.values([.null, .null, .null])
        }
    }

    static func registerAlists(_ rt: Runtime) {
        rt.defN("ASSOC", 2, -1) { rt, args throws(Unwind) in
            let k = try SeqKeys(rt, args, from: 2, .tests, "ASSOC")
            var p = args[1]
            let item = args[0]
            if k.key == nil && k.test == nil && k.testNot == nil {
                // No user code runs: walk without retaining cells.
                guard var cur = ConsCursor(p) else {
                    if !p.isNil { try rt.typeError(p, "LIST") }
                    return .null
                }
                repeat {
                    let found: Bool? = cur.withCell { c in
                        if case .cons(let pair) = c.car { return eql(item, pair.car) }
                        return c.car.isNil ? false : nil
                    }
                    guard let hit = found else { try rt.typeError(cur.car, "LIST") }
                    if hit { return cur.car }
                } while cur.advance()
                p = cur.cdr
            } else {
                while case .cons(let c) = p {
                    if case .cons(let pair) = c.car, try k.same(rt, item, try k.keyOf(rt, pair.car)) { return c.car }
                    else if !c.car.isList { try rt.typeError(c.car, "LIST") }
                    p = c.cdr
                }
            }
            if !p.isNil { try rt.typeError(p, "LIST") }
            return .null
        }
        rt.defN("RASSOC", 2, -1) { rt, args throws(Unwind) in
            let k = try SeqKeys(rt, args, from: 2, .tests, "RASSOC")
            var p = args[1]
            while case .cons(let c) = p {
                if case .cons(let pair) = c.car, try k.same(rt, args[0], try k.keyOf(rt, pair.cdr)) { return c.car }
                p = c.cdr
            }
            return .null
        }
        for (base, useCdr) in [("ASSOC", false), ("RASSOC", true)] {
            for (suffix, negate) in [("-IF", false), ("-IF-NOT", true)] {
                let name = base + suffix
                rt.defN(name, 2, -1) { rt, args throws(Unwind) in
                    let k = try SeqKeys(rt, args, from: 2, [.key], name)
                    let f = try rt.coerceToFunction(args[0])
                    var p = args[1]
                    while case .cons(let c) = p {
                        if case .cons(let pair) = c.car,
                           try rt.funcall(f, try k.keyOf(rt, useCdr ? pair.cdr : pair.car)).isTrue != negate { return c.car }
                        p = c.cdr
                    }
                    return .null
                }
            }
        }
        rt.defN("PAIRLIS", 2, 3) { rt, args throws(Unwind) in
            let ks = try rt.listItems(args[0])
            let vs = try rt.listItems(args[1])
            if ks.count != vs.count { try rt.signalError(rt.simpleError("The lists of keys and data are of unequal length.")) }
            var r = args.get(2)
            for i in 0..<ks.count { r = .cons(Cons.make(.cons(Cons.make(ks[i], vs[i])), r)) }
            return r
        }
        rt.defN("ACONS", 3, 3) { _, args throws(Unwind) in .cons(Cons.make(.cons(Cons.make(args[0], args[1])), args[2])) }
        rt.def1("COPY-ALIST") { rt, x throws(Unwind) in
            var out: [Value] = []
            var p = x
            while case .cons(let c) = p {
                if case .cons(let pair) = c.car { out.append(.cons(Cons.make(pair.car, pair.cdr))) } else { out.append(c.car) }
                p = c.cdr
            }
            if !p.isNil { try rt.typeError(x, "LIST") }
            return listFrom(out)
        }
    }

    // MARK: trees

    static func copyTree(_ v: Value) -> Value {
        guard case .cons = v else { return v }
        // Iterate along the cdr chain, recurse on cars.
        var items: [Value] = []
        var p = v
        while case .cons(let c) = p { items.append(copyTree(c.car)); p = c.cdr }
        return listFrom(items, tail: p)
    }

    /// Non-destructive substitution: `replace(x)` returns the replacement or nil to keep/descend.
    static func substTree(_ rt: Runtime, _ tree: Value, _ replace: (Value) throws(Unwind) -> Value?) throws(Unwind) -> Value {
        if let r = try replace(tree) { return r }
        guard case .cons(let c) = tree else { return tree }
        let a = try substTree(rt, c.car, replace)
        let d = try substTree(rt, c.cdr, replace)
        if eq(a, c.car) && eq(d, c.cdr) { return tree }
        return .cons(Cons.make(a, d))
    }

    static func nsubstTree(_ rt: Runtime, _ tree: Value, _ replace: (Value) throws(Unwind) -> Value?) throws(Unwind) -> Value {
        if let r = try replace(tree) { return r }
        var p = tree
        while case .cons(let c) = p {
            c.car = try nsubstTree(rt, c.car, replace)
            if let r = try replace(c.cdr) { c.cdr = r; break }
            p = c.cdr
        }
        return tree
    }

    static func treeEqual(_ rt: Runtime, _ a: Value, _ b: Value, _ k: SeqKeys) throws(Unwind) -> Bool {
        var a = a, b = b
        while true {
            switch (a, b) {
            case (.cons(let x), .cons(let y)):
                if !(try treeEqual(rt, x.car, y.car, k)) { return false }
                a = x.cdr
                b = y.cdr
            case (.cons, _), (_, .cons): return false
            default: return try k.same(rt, a, b)
            }
        }
    }

    static func registerTrees(_ rt: Runtime) {
        rt.def1("COPY-TREE") { _, x throws(Unwind) in copyTree(x) }
        rt.defN("TREE-EQUAL", 2, -1) { rt, args throws(Unwind) in
            let k = try SeqKeys(rt, args, from: 2, [.test, .testNot], "TREE-EQUAL")
            return .bool(try treeEqual(rt, args[0], args[1], k))
        }
        for destructive in [false, true] {
            let prefix = destructive ? "N" : ""
            rt.defN(prefix + "SUBST", 3, -1) { rt, args throws(Unwind) in
                let k = try SeqKeys(rt, args, from: 3, .tests, prefix + "SUBST")
                let new = args[0], old = args[1]
                let f: (Value) throws(Unwind) -> Value? = { x throws(Unwind) in
                    try k.same(rt, old, try k.keyOf(rt, x)) ? new : nil
                }
                return destructive ? try nsubstTree(rt, args[2], f) : try substTree(rt, args[2], f)
            }
            for (suffix, negate) in [("-IF", false), ("-IF-NOT", true)] {
                rt.defN(prefix + "SUBST" + suffix, 3, -1) { rt, args throws(Unwind) in
                    let k = try SeqKeys(rt, args, from: 3, [.key], prefix + "SUBST" + suffix)
                    let new = args[0]
                    let pred = try rt.coerceToFunction(args[1])
                    let f: (Value) throws(Unwind) -> Value? = { x throws(Unwind) in
                        try rt.funcall(pred, try k.keyOf(rt, x)).isTrue != negate ? new : nil
                    }
                    return destructive ? try nsubstTree(rt, args[2], f) : try substTree(rt, args[2], f)
                }
            }
            rt.defN(prefix + "SUBLIS", 2, -1) { rt, args throws(Unwind) in
                let k = try SeqKeys(rt, args, from: 2, .tests, prefix + "SUBLIS")
                let alist = try rt.listItems(args[0])
                let f: (Value) throws(Unwind) -> Value? = { x throws(Unwind) in
                    let kx = try k.keyOf(rt, x)
                    for e in alist {
                        if case .cons(let pair) = e, try k.same(rt, pair.car, kx) { return pair.cdr }
                    }
                    return nil
                }
                return destructive ? try nsubstTree(rt, args[1], f) : try substTree(rt, args[1], f)
            }
        }
    }

    // MARK: sets

    /// Is there an element of `list` matching `kx` (already keyed), keying the list's elements?
    @inline(__always) static func memberKeyed(_ rt: Runtime, _ kx: Value, _ list: [Value], _ keyed: [Value], _ k: SeqKeys,
                                              _ hashed: Set<EqlKey>? = nil) throws(Unwind) -> Bool {
        if let h = hashed, let ek = EqlKey(kx) { return h.contains(ek) }
        if k.test == nil && k.testNot == nil {
            for y in keyed where eql(kx, y) { return true }
            return false
        }
        for y in keyed where try k.same(rt, kx, y) { return true }
        return false
    }

    static func keyedItems(_ rt: Runtime, _ xs: [Value], _ k: SeqKeys) throws(Unwind) -> [Value] {
        guard let key = k.key else { return xs }
        var out: [Value] = []
        out.reserveCapacity(xs.count)
        for x in xs { out.append(try rt.funcall(key, x)) }
        return out
    }

    /// A hash set of `keyed` when the test is plain EQL and the list is long enough to pay.
    static func hashSet(_ keyed: [Value], _ k: SeqKeys) -> Set<EqlKey>? {
        guard k.test == nil && k.testNot == nil && keyed.count > 16, let ks = EqlKey.keys(keyed) else { return nil }
        return Set(ks)
    }

    static func registerSets(_ rt: Runtime) {
        rt.defN("ADJOIN", 2, -1) { rt, args throws(Unwind) in
            let k = try SeqKeys(rt, args, from: 2, .tests, "ADJOIN")
            let kx = try k.keyOf(rt, args[0])
            var p = args[1]
            while case .cons(let c) = p {
                if try k.same(rt, kx, try k.keyOf(rt, c.car)) { return args[1] }
                p = c.cdr
            }
            return .cons(Cons.make(args[0], args[1]))
        }
        // Result orders follow SBCL (elements are pushed onto the result).
        for name in ["UNION", "NUNION"] {
            rt.defN(name, 2, -1) { rt, args throws(Unwind) in
                let k = try SeqKeys(rt, args, from: 2, .tests, name)
                let a = try rt.listItems(args[0]), b = try rt.listItems(args[1])
                // Push the elements of the longer list missing from the shorter one onto the shorter.
                let (short, long, shortList) = a.count < b.count ? (a, b, args[0]) : (b, a, args[1])
                let ks = try keyedItems(rt, short, k), kl = try keyedItems(rt, long, k)
                let h = hashSet(ks, k)
                var res = shortList
                for i in 0..<long.count where !(try memberKeyed(rt, kl[i], short, ks, k, h)) { res = .cons(Cons.make(long[i], res)) }
                return res
            }
        }
        for name in ["INTERSECTION", "NINTERSECTION"] {
            rt.defN(name, 2, -1) { rt, args throws(Unwind) in
                let k = try SeqKeys(rt, args, from: 2, .tests, name)
                let a = try rt.listItems(args[0]), b = try rt.listItems(args[1])
                let ka = try keyedItems(rt, a, k), kb = try keyedItems(rt, b, k)
                let h = hashSet(kb, k)
                var res: Value = .null
                for i in 0..<a.count where try memberKeyed(rt, ka[i], b, kb, k, h) { res = .cons(Cons.make(a[i], res)) }
                return res
            }
        }
        for name in ["SET-DIFFERENCE", "NSET-DIFFERENCE"] {
            rt.defN(name, 2, -1) { rt, args throws(Unwind) in
                let k = try SeqKeys(rt, args, from: 2, .tests, name)
                let a = try rt.listItems(args[0]), b = try rt.listItems(args[1])
                if b.isEmpty { return args[0] }
                let ka = try keyedItems(rt, a, k), kb = try keyedItems(rt, b, k)
                let h = hashSet(kb, k)
                var res: Value = .null
                for i in 0..<a.count where !(try memberKeyed(rt, ka[i], b, kb, k, h)) { res = .cons(Cons.make(a[i], res)) }
                return res
            }
        }
        for name in ["SET-EXCLUSIVE-OR", "NSET-EXCLUSIVE-OR"] {
            rt.defN(name, 2, -1) { rt, args throws(Unwind) in
                let k = try SeqKeys(rt, args, from: 2, .tests, name)
                let a = try rt.listItems(args[0]), b = try rt.listItems(args[1])
                let ka = try keyedItems(rt, a, k), kb = try keyedItems(rt, b, k)
                var out: [Value] = []
                for i in 0..<a.count where !(try memberKeyed(rt, ka[i], b, kb, k)) { out.append(a[i]) }
                for j in 0..<b.count {
                    var found = false
                    for i in 0..<a.count where try (k.test == nil && k.testNot == nil ? eql(ka[i], kb[j]) : k.same(rt, ka[i], kb[j])) {
                        found = true
                        break
                    }
                    if !found { out.append(b[j]) }
                }
                return name == "NSET-EXCLUSIVE-OR" ? listFrom(out) : listFrom(out.reversed())
            }
        }
        rt.defN("SUBSETP", 2, -1) { rt, args throws(Unwind) in
            let k = try SeqKeys(rt, args, from: 2, .tests, "SUBSETP")
            let a = try rt.listItems(args[0]), b = try rt.listItems(args[1])
            let ka = try keyedItems(rt, a, k), kb = try keyedItems(rt, b, k)
            let h = hashSet(kb, k)
            for i in 0..<a.count where !(try memberKeyed(rt, ka[i], b, kb, k, h)) { return .null }
            return .t
        }
    }
}
