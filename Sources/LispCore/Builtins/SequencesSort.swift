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
        var idx = Array(0..<n)
        var tmp = idx
        // Bottom-up merge sort on indices; insertion sort for runs of 8 first.
        let run = 8
        var lo = 0
        while lo < n {
            let hi = Swift.min(lo + run, n)
            var i = lo + 1
            while i < hi {
                let cur = idx[i]
                var j = i - 1
                while j >= lo, try rt.funcall(pred, keys[cur], keys[idx[j]]).isTrue {
                    idx[j + 1] = idx[j]
                    j -= 1
                }
                idx[j + 1] = cur
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
                if mid >= end {
                    for t in start..<end { tmp[t] = idx[t] }
                } else if !(try rt.funcall(pred, keys[idx[mid]], keys[idx[mid - 1]]).isTrue) {
                    // Already in order.
                    for t in start..<end { tmp[t] = idx[t] }
                } else {
                    var i = start, j = mid, o = start
                    while i < mid && j < end {
                        if try rt.funcall(pred, keys[idx[j]], keys[idx[i]]).isTrue {
                            tmp[o] = idx[j]; j += 1
                        } else {
                            tmp[o] = idx[i]; i += 1
                        }
                        o += 1
                    }
                    while i < mid { tmp[o] = idx[i]; i += 1; o += 1 }
                    while j < end { tmp[o] = idx[j]; j += 1; o += 1 }
                }
                start = end
            }
            swap(&idx, &tmp)
            width *= 2
        }
        items = idx.map { items[$0] }
    }
}
