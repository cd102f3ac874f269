/// sort, stable-sort (a stable merge sort over an array of elements, keys computed once) and merge.
enum SequencesSort {
    static func register(_ rt: Runtime) {
        for name in ["SORT", "STABLE-SORT"] {
            rt.defN(name, 2, -1) { rt, args throws(Unwind) in
                let k = try SeqKeys(rt, args, from: 2, [.key], name)
                let pred = try rt.coerceToFunction(args[1])
                let seq = args[0]
                switch seq {
                case .null: return .null
                case .cons:
                    var items = try rt.listItems(seq)
                    try sortValues(rt, &items, pred, k.key)
                    var p = seq
                    var i = 0
                    while case .cons(let c) = p { c.car = items[i]; i += 1; p = c.cdr }
                    return seq
                case .vector(let v):
                    var items = Array(v.items[0..<v.count])
                    try sortValues(rt, &items, pred, k.key)
                    v.items.replaceSubrange(0..<items.count, with: items)
                    return seq
                case .string(let s):
                    var items = try SeqLib.items(rt, seq)
                    try sortValues(rt, &items, pred, k.key)
                    for (i, x) in items.enumerated() { if case .character(let c) = x { s[i] = c } }
                    return seq
                case .bytes(let b):
                    var items = try SeqLib.items(rt, seq)
                    try sortValues(rt, &items, pred, k.key)
                    for (i, x) in items.enumerated() { if case .fixnum(let n) = x { b.bytes[i] = UInt8(n) } }
                    return seq
                default: try rt.typeError(seq, "SEQUENCE")
                }
            }
        }
        rt.defN("MERGE", 4, -1) { rt, args throws(Unwind) in
            let k = try SeqKeys(rt, args, from: 4, [.key], "MERGE")
            let a = try SeqLib.items(rt, args[1])
            let b = try SeqLib.items(rt, args[2])
            let pred = try rt.coerceToFunction(args[3])
            var out: [Value] = []
            out.reserveCapacity(a.count + b.count)
            var i = 0, j = 0
            while i < a.count && j < b.count {
                // Take from the second sequence only when it is strictly less (stability).
                if try rt.funcall(pred, try k.keyOf(rt, b[j]), try k.keyOf(rt, a[i])).isTrue {
                    out.append(b[j]); j += 1
                } else {
                    out.append(a[i]); i += 1
                }
            }
            out.append(contentsOf: a[i...])
            out.append(contentsOf: b[j...])
            return try SeqLib.makeTyped(rt, args[0], out)
        }
    }

    /// A comparison known to be a builtin on fixnums / characters, so the sort can skip funcall.
    enum FastOrder { case none, fixLess, fixGreater, charLess, charGreater }

    static func fastOrder(_ pred: LispFunction) -> FastOrder {
        guard case .symbol(let s) = pred.name, s.package === World.shared.cl, s.function === pred else { return .none }
        switch s.name {
        case "<": return .fixLess
        case ">": return .fixGreater
        case "CHAR<": return .charLess
        case "CHAR>": return .charGreater
        default: return .none
        }
    }

    /// Stable merge sort of `items` by `pred` applied to keys.
    static func sortValues(_ rt: Runtime, _ items: inout [Value], _ pred: LispFunction, _ key: LispFunction?) throws(Unwind) {
        let n = items.count
        if n < 2 { return }
        var keys: [Value]
        if let k = key {
            keys = []
            keys.reserveCapacity(n)
            for x in items { keys.append(try rt.funcall(k, x)) }
        } else {
            keys = items
        }
        // Fast path: all fixnum keys with < or >, or characters with char< / char>.
        let order = fastOrder(pred)
        if order != .none {
            var ok = true
            switch order {
            case .fixLess, .fixGreater:
                for x in keys { if case .fixnum = x {} else { ok = false; break } }
            default:
                for x in keys { if case .character = x {} else { ok = false; break } }
            }
            if ok {
                var idx = Array(0..<n)
                func intOf(_ v: Value) -> Int {
                    switch v {
                    case .fixnum(let x): return x
                    case .character(let c): return Int(c.value)
                    default: return 0
                    }
                }
                let ks = keys.map(intOf)
                let desc = order == .fixGreater || order == .charGreater
                // Swift's sort is not guaranteed stable: break ties by original index.
                idx.sort { a, b in
                    let x = ks[a], y = ks[b]
                    if x != y { return desc ? x > y : x < y }
                    return a < b
                }
                items = idx.map { items[$0] }
                return
            }
        }
        // Bottom-up merge sort moving (key, index) pairs between two raw buffers, so the
        // comparisons read keys sequentially (cache-friendly); insertion sort for runs of 8 first.
        // Both key buffers stay fully initialized (assignment, not moves), so a non-local exit
        // from the predicate leaves nothing to repair.
        var kA = UnsafeMutablePointer<Value>.allocate(capacity: n)
        var kB = UnsafeMutablePointer<Value>.allocate(capacity: n)
        kA.initialize(from: keys, count: n)
        kB.initialize(from: keys, count: n)
        var iA = UnsafeMutablePointer<Int>.allocate(capacity: n)
        var iB = UnsafeMutablePointer<Int>.allocate(capacity: n)
        defer {
            kA.deinitialize(count: n)
            kB.deinitialize(count: n)
            kA.deallocate()
            kB.deallocate()
            iA.deallocate()
            iB.deallocate()
        }
        for i in 0..<n { iA[i] = i }
        keys = []
        let run = 8
        var lo = 0
        while lo < n {
            let hi = Swift.min(lo + run, n)
            var i = lo + 1
            while i < hi {
                let cur = iA[i]
                let ck = kA[i]
                var j = i - 1
                while j >= lo, try rt.funcall(pred, ck, kA[j]).isTrue {
                    iA[j + 1] = iA[j]
                    kA[j + 1] = kA[j]
                    j -= 1
                }
                iA[j + 1] = cur
                kA[j + 1] = ck
                i += 1
            }
            lo = hi
        }
        var width = run
        while width < n {
            var start = 0
            while start < n {
                let mid = Swift.min(start + width, n)
                let end = Swift.min(start + 2 * width, n)
                var inOrder = mid >= end
                if !inOrder { inOrder = !(try rt.funcall(pred, kA[mid], kA[mid - 1]).isTrue) }
                if inOrder {
                    // A lone run, or the two runs are already in order.
                    (iB + start).update(from: iA + start, count: end - start)
                    (kB + start).update(from: kA + start, count: end - start)
                } else {
                    var i = start, j = mid, o = start
                    while i < mid && j < end {
                        if try rt.funcall(pred, kA[j], kA[i]).isTrue {
                            iB[o] = iA[j]; kB[o] = kA[j]; j += 1
                        } else {
                            iB[o] = iA[i]; kB[o] = kA[i]; i += 1
                        }
                        o += 1
                    }
                    if i < mid {
                        (iB + o).update(from: iA + i, count: mid - i)
                        (kB + o).update(from: kA + i, count: mid - i)
                    }
                    if j < end {
                        (iB + o).update(from: iA + j, count: end - j)
                        (kB + o).update(from: kA + j, count: end - j)
                    }
                }
                start = end
            }
            swap(&iA, &iB)
            swap(&kA, &kB)
            width *= 2
        }
        var sorted: [Value] = []
        sorted.reserveCapacity(n)
        for i in 0..<n { sorted.append(items[iA[i]]) }
        items = sorted
    }
}
