/// The sequences chapter: elt, subseq, copy-seq, find/position/count, remove/delete,
/// substitute, remove-duplicates, fill, replace, reverse, concatenate, make-sequence, vector.
enum SequencesLibrary {
    static func register(_ rt: Runtime) {
        registerAccess(rt)
        registerSearching(rt)
        registerRemoval(rt)
    }

    // MARK: - access and construction

    static func registerAccess(_ rt: Runtime) {
        rt.def1("LENGTH") { rt, x throws(Unwind) in .fixnum(try SequenceCore.length(rt, x)) }
        rt.def2("ELT") { rt, seq, i throws(Unwind) in try elt(rt, seq, i) }
        rt.defSetf("ELT", 3, 3) { rt, args throws(Unwind) in
            let seq = args[1]
            let idx = try rt.index(args[2])
            switch seq {
            case .cons, .null:
                let cell = try ListBuiltins.nthcdr(rt, idx, seq)
                guard case .cons(let c) = cell else { try eltIndexError(rt, seq, args[2]) }
                c.car = args[0]
            default:
                if idx >= (try SeqLib.length(rt, seq)) { try eltIndexError(rt, seq, args[2]) }
                try SeqLib.vset(rt, seq, idx, args[0])
            }
            return args[0]
        }
        rt.defN("SUBSEQ", 2, 3) { rt, args throws(Unwind) in
            let seq = args[0]
            let start = try rt.index(args[1])
            let end: Int? = args.count > 2 && args[2].isTrue ? try rt.index(args[2]) : nil
            switch seq {
            case .string(let s):
                let e = try SeqLib.bounds(rt, start, end, s.count, seq)
                if s.isBase {
                    let r = LispString(baseCount: e - start)
                    for i in start..<e { r.bytes[i - start] = s.bytes[i] }
                    return .string(r)
                }
                return .string(LispString(scalars: Array(s.scalars[start..<e])))
            case .bytes(let b):
                let e = try SeqLib.bounds(rt, start, end, b.count, seq)
                return .bytes(ByteVector(Array(b.bytes[start..<e])))
            default:
                return try SeqLib.makeLike(rt, seq, try SeqLib.items(rt, seq, start, end))
            }
        }
        rt.defSetf("SUBSEQ", 3, 4) { rt, args throws(Unwind) in
            let new = args[0], seq = args[1]
            let start = try rt.index(args[2])
            let end: Int? = args.count > 3 && args[3].isTrue ? try rt.index(args[3]) : nil
            let len = try SeqLib.length(rt, seq)
            let e = try SeqLib.bounds(rt, start, end, len, seq)
            let src = try SeqLib.items(rt, new)
            try replaceRange(rt, seq, start, Swift.min(e, start + src.count), src, 0)
            return new
        }
        rt.def1("COPY-SEQ") { rt, seq throws(Unwind) in
            switch seq {
            case .string(let s):
                if s.isBase {
                    let r = LispString(baseCount: s.count)
                    for i in 0..<s.count { r.bytes[i] = s.bytes[i] }
                    return .string(r)
                }
                return .string(LispString(scalars: s.activeScalars))
            case .bytes(let b): return .bytes(ByteVector(Array(b.bytes[0..<b.count])))
            case .vector(let v): return try SeqLib.makeLike(rt, seq, Array(v.activeItems))
            case .null: return .null
            case .cons:
                var items: [Value] = []
                var p = seq
                while case .cons(let c) = p { items.append(c.car); p = c.cdr }
                if !p.isNil { try rt.typeError(seq, "LIST") }
                return listFrom(items)
            default: try rt.typeError(seq, "SEQUENCE")
            }
        }
        rt.def1("REVERSE") { rt, x throws(Unwind) in try SequenceCore.reverse(rt, x) }
        rt.def1("NREVERSE") { rt, x throws(Unwind) in
            switch x {
            case .null: return .null
            case .cons: return try SequenceCore.nreconc(rt, x, .null)
            case .vector(let v): v.items[0..<v.count].reverse(); return x
            case .string(let s):
                if s.isBase { s.bytes[0..<s.count].reverse() } else { s.scalars[0..<s.count].reverse() }
                return x
            case .bytes(let b): b.bytes[0..<b.count].reverse(); return x
            default: try rt.typeError(x, "SEQUENCE")
            }
        }
        rt.defN("VECTOR", 0, -1) { _, args throws(Unwind) in .vector(LispVector(args.array)) }
        rt.defN("CONCATENATE", 1, -1) { rt, args throws(Unwind) in
            let (kind, n) = try SeqLib.seqType(rt, args[0])
            if case .string(let base) = kind, n == nil {
                // Fast path: strings from strings.
                var scalars: [Unicode.Scalar] = []
                var ok = true
                for i in 1..<args.count {
                    if case .string(let s) = args[i] { scalars.append(contentsOf: s.activeScalars) } else { ok = false; break }
                }
                if ok && !base { return .string(LispString(scalars: scalars)) }
            }
            var all: [Value] = []
            for i in 1..<args.count { all.append(contentsOf: try SeqLib.items(rt, args[i])) }
            return try SeqLib.makeTyped(rt, args[0], all)
        }
        rt.defN("MAKE-SEQUENCE", 2, -1) { rt, args throws(Unwind) in
            let keys = try SeqKeys(rt, args, from: 2, [.initialElement], "MAKE-SEQUENCE")
            let n = try rt.index(args[1])
            let (kind, size) = try SeqLib.seqType(rt, args[0])
            if let s = size, s != n {
                try rt.signalError(rt.simpleError("The length requested (\(n)) does not match the type restriction in \(rt.printString(args[0]))."))
            }
            let fill: Value
            if let e = keys.initialElement { fill = e } else {
                switch kind {
                case .list: fill = .null
                case .string: fill = .character("\0")
                default: fill = .fixnum(0)
                }
            }
            if case .string(let base) = kind, case .character(let c) = fill, !base || c.value < 256 {
                if base { return .string(LispString(baseCount: n, fill: UInt8(c.value))) }
                return .string(LispString(scalars: [Unicode.Scalar](repeating: c, count: n)))
            }
            return try SeqLib.make(rt, kind, [Value](repeating: fill, count: n))
        }
        rt.defN("FILL", 2, -1) { rt, args throws(Unwind) in
            let k = try SeqKeys(rt, args, from: 2, .range, "FILL")
            let seq = args[0], x = args[1]
            switch seq {
            case .null, .cons:
                var p = seq
                var i = 0
                while case .cons(let c) = p {
                    if let e = k.end, i >= e { break }
                    if i >= k.start { c.car = x }
                    i += 1
                    p = c.cdr
                }
                if k.start > i || (k.end ?? 0) > i { try SeqLib.badBounds(rt, k.start, k.end, i, seq) }
            default:
                let e = try SeqLib.bounds(rt, k.start, k.end, try SeqLib.length(rt, seq), seq)
                var i = k.start
                while i < e { try SeqLib.vset(rt, seq, i, x); i += 1 }
            }
            return seq
        }
        rt.defN("REPLACE", 2, -1) { rt, args throws(Unwind) in
            let k = try SeqKeys(rt, args, from: 2, [.start1, .end1, .start2, .end2], "REPLACE")
            let s1 = args[0], s2 = args[1]
            let e1 = try SeqLib.bounds(rt, k.start1, k.end1, try SeqLib.length(rt, s1), s1)
            let src = try SeqLib.items(rt, s2, k.start2, k.end2)
            let n = Swift.min(e1 - k.start1, src.count)
            try replaceRange(rt, s1, k.start1, k.start1 + n, src, 0)
            return s1
        }
        rt.defN("MAP", 2, -1) { rt, args throws(Unwind) in try map(rt, args) }
        rt.defN("MAP-INTO", 2, -1) { rt, args throws(Unwind) in
            let target = args[0]
            let f = try rt.coerceToFunction(args[1])
            var cursors: [SeqLib.Cursor] = []
            for i in 2..<args.count { cursors.append(try SeqLib.Cursor(rt, args[i])) }
            var callArgs = [Value](repeating: .null, count: cursors.count)
            func nextArgs() throws(Unwind) -> Bool {
                for j in 0..<cursors.count {
                    guard let x = cursors[j].next() else { try cursors[j].checkEnd(rt); return false }
                    callArgs[j] = x
                }
                return true
            }
            switch target {
            case .null, .cons:
                var p = target
                while case .cons(let c) = p {
                    if !(try nextArgs()) { break }
                    c.car = try rt.apply(f, callArgs)
                    p = c.cdr
                }
            default:
                let cap: Int
                switch target {
                case .vector(let v): cap = v.fillPointer != nil ? v.items.count : v.count
                case .string(let s): cap = s.totalCount
                case .bytes(let b): cap = b.bytes.count
                default: try rt.typeError(target, "SEQUENCE")
                }
                var i = 0
                while i < cap {
                    if !(try nextArgs()) { break }
                    try SeqLib.vset(rt, target, i, try rt.apply(f, callArgs))
                    i += 1
                }
                switch target {
                case .vector(let v): if v.fillPointer != nil { v.fillPointer = i }
                case .string(let s): if s.fillPointer != nil { s.fillPointer = i }
                case .bytes(let b): if b.fillPointer != nil { b.fillPointer = i }
                default: break
                }
            }
            return target
        }
        rt.defN("REDUCE", 2, -1) { rt, args throws(Unwind) in
            let k = try SeqKeys(rt, args, from: 2, [.key, .fromEnd, .start, .end, .initialValue], "REDUCE")
            let f = try rt.coerceToFunction(args[0])
            let seq = args[1]
            var acc: Value? = k.initialValue
            if k.fromEnd {
                let xs = try SeqLib.items(rt, seq, k.start, k.end)
                var i = xs.count - 1
                while i >= 0 {
                    let v = try k.keyOf(rt, xs[i])
                    if let a = acc { acc = try rt.funcall(f, v, a) } else { acc = v }
                    i -= 1
                }
            } else if seq.isList {
                var p = seq
                var i = 0
                while i < k.start {
                    guard case .cons(let c) = p else { try SeqLib.badBounds(rt, k.start, k.end, i, seq) }
                    p = c.cdr
                    i += 1
                }
                let limit = k.end ?? Int.max
                while i < limit {
                    guard case .cons(let c) = p else {
                        if !p.isNil { try rt.typeError(p, "LIST") }
                        if k.end != nil { try SeqLib.badBounds(rt, k.start, k.end, i, seq) }
                        break
                    }
                    let v = k.key == nil ? c.car : try rt.funcall(k.key!, c.car)
                    if let a = acc { acc = try rt.funcall(f, a, v) } else { acc = v }
                    p = c.cdr
                    i += 1
                }
            } else {
                let e = try SeqLib.bounds(rt, k.start, k.end, try SeqLib.length(rt, seq), seq)
                var i = k.start
                while i < e {
                    let v = try k.keyOf(rt, SeqLib.vget(seq, i))
                    if let a = acc { acc = try rt.funcall(f, a, v) } else { acc = v }
                    i += 1
                }
            }
            if let a = acc {
                // A single element with no initial value is returned without calling the function.
                rt.nvals = 1
                return a
            }
            return try rt.funcall(f)
        }
    }

    static func eltIndexError(_ rt: Runtime, _ seq: Value, _ i: Value) throws(Unwind) -> Never {
        let len = (try? SeqLib.length(rt, seq)) ?? 0
        try rt.signalError(rt.makeCondition(StandardConditions.simpleTypeError,
                                            message: "The index \(rt.printString(i)) is too large for a sequence of length \(len).",
                                            slots: ["DATUM": i, "EXPECTED-TYPE": list(.symbol(Symbol.cl("INTEGER")), .fixnum(0), .fixnum(len - 1))]))
    }

    static func elt(_ rt: Runtime, _ seq: Value, _ iv: Value) throws(Unwind) -> Value {
        let i = try rt.index(iv)
        switch seq {
        case .null, .cons:
            let cell = try ListBuiltins.nthcdr(rt, i, seq)
            guard case .cons(let c) = cell else {
                if !cell.isNil { try rt.typeError(cell, "LIST") }
                try eltIndexError(rt, seq, iv)
            }
            return c.car
        case .vector(let v): if i < v.count { return v.items[i] }
        case .string(let s): if i < s.count { return .character(s[i]) }
        case .bytes(let b): if i < b.count { return .fixnum(Int(b.bytes[i])) }
        default: try rt.typeError(seq, "SEQUENCE")
        }
        try eltIndexError(rt, seq, iv)
    }

    /// Store `src[srcStart...]` into `seq[start..<end]` (bounds already checked).
    static func replaceRange(_ rt: Runtime, _ seq: Value, _ start: Int, _ end: Int, _ src: [Value], _ srcStart: Int) throws(Unwind) {
        if start >= end { return }
        switch seq {
        case .null, .cons:
            var p = try ListBuiltins.nthcdr(rt, start, seq)
            var i = start
            while i < end, case .cons(let c) = p {
                c.car = src[srcStart + i - start]
                p = c.cdr
                i += 1
            }
        default:
            for i in start..<end { try SeqLib.vset(rt, seq, i, src[srcStart + i - start]) }
        }
    }

    static func map(_ rt: Runtime, _ args: Args) throws(Unwind) -> Value {
        let f = try rt.coerceToFunction(args[1])
        let nseq = args.count - 2
        if nseq == 0 { try rt.signalError(rt.programError("MAP: at least one sequence is required")) }
        var out: [Value] = []
        let collect = args[0].isTrue
        if nseq == 1 {
            var c = try SeqLib.Cursor(rt, args[2])
            while let x = c.next() {
                let r = try rt.funcall(f, x)
                if collect { out.append(r) }
            }
            try c.checkEnd(rt)
        } else {
            var cursors: [SeqLib.Cursor] = []
            for i in 2..<args.count { cursors.append(try SeqLib.Cursor(rt, args[i])) }
            var callArgs = [Value](repeating: .null, count: nseq)
            outer: while true {
                for j in 0..<nseq {
                    guard let x = cursors[j].next() else { try cursors[j].checkEnd(rt); break outer }
                    callArgs[j] = x
                }
                let r = try rt.apply(f, callArgs)
                if collect { out.append(r) }
            }
        }
        if !collect { return .null }
        return try SeqLib.makeTyped(rt, args[0], out)
    }

    // MARK: - find / position / count / search / mismatch

    static func registerSearching(_ rt: Runtime) {
        let flavours: [(String, MatchFlavour)] = [("", .item), ("-IF", .ifTrue), ("-IF-NOT", .ifNot)]
        for (suffix, flavour) in flavours {
            let allowed: SeqKeySet = flavour == .item ? [.test, .testNot, .key, .start, .end, .fromEnd]
                                                      : [.key, .start, .end, .fromEnd]
            let plainItem = flavour == .item
            rt.defN("FIND" + suffix, 2, -1) { rt, args throws(Unwind) in
                if plainItem, case .character(let c) = args[0], case .string(let s) = args[1],
                   let r = StringSeqFast.position(args, c, s) { return r == nil ? .null : args[0] }
                let (m, k) = try matcher(rt, args, flavour, allowed, "FIND" + suffix)
                return try SeqLib.firstMatch(rt, args[1], k.start, k.end, fromEnd: k.fromEnd, m)?.1 ?? .null
            }
            rt.defN("POSITION" + suffix, 2, -1) { rt, args throws(Unwind) in
                if plainItem, case .character(let c) = args[0], case .string(let s) = args[1],
                   let r = StringSeqFast.position(args, c, s) { return r.map { .fixnum($0) } ?? .null }
                let (m, k) = try matcher(rt, args, flavour, allowed, "POSITION" + suffix)
                if let (i, _) = try SeqLib.firstMatch(rt, args[1], k.start, k.end, fromEnd: k.fromEnd, m) { return .fixnum(i) }
                return .null
            }
            rt.defN("COUNT" + suffix, 2, -1) { rt, args throws(Unwind) in
                if plainItem, case .character(let c) = args[0], case .string(let s) = args[1],
                   let n = StringSeqFast.count(args, c, s) { return .fixnum(n) }
                let (m, k) = try matcher(rt, args, flavour, allowed, "COUNT" + suffix)
                return .fixnum(try SeqLib.countMatches(rt, args[1], k.start, k.end, m))
            }
        }
        rt.defN("SEARCH", 2, -1) { rt, args throws(Unwind) in
            if case .string(let p) = args[0], case .string(let t) = args[1],
               let r = StringSeqFast.search(args, p, t) { return r }
            let k = try SeqKeys(rt, args, from: 2, [.test, .testNot, .key, .fromEnd, .start1, .end1, .start2, .end2], "SEARCH")
            let pat = try SeqLib.items(rt, args[0], k.start1, k.end1).map { (x: Value) throws(Unwind) -> Value in try k.keyOf(rt, x) }
            let s2 = args[1]
            let hay: [Value]
            let e2: Int
            let base: Int
            if SeqLib.isVectorish(s2) {
                e2 = try SeqLib.bounds(rt, k.start2, k.end2, try SeqLib.length(rt, s2), s2)
                hay = []
                base = k.start2
            } else {
                hay = try SeqLib.items(rt, s2, k.start2, k.end2)
                e2 = k.start2 + hay.count
                base = k.start2
            }
            let vec = SeqLib.isVectorish(s2)
            // Fast path: string in string with char=/eql.
            if case .string(let hs) = s2, k.key == nil, k.test == nil, k.testNot == nil {
                let m = pat.count
                var pc: [Unicode.Scalar] = []
                var allChars = true
                for p in pat { if case .character(let c) = p { pc.append(c) } else { allChars = false; break } }
                if !allChars { return .null }
                if m == 0 { return .fixnum(k.fromEnd ? e2 : k.start2) }
                if e2 - base < m { return .null }
                var result: Int? = nil
                var i = base
                while i + m <= e2 {
                    var j = 0
                    while j < m && hs[i + j] == pc[j] { j += 1 }
                    if j == m { result = i; if !k.fromEnd { break } }
                    i += 1
                }
                return result.map { .fixnum($0) } ?? .null
            }
            let m = pat.count
            if e2 - base < m { return .null }
            var result: Int? = nil
            var i = base
            while i + m <= e2 {
                var j = 0
                while j < m {
                    let x = vec ? SeqLib.vget(s2, i + j) : hay[i + j - base]
                    if !(try k.same(rt, pat[j], try k.keyOf(rt, x))) { break }
                    j += 1
                }
                if j == m { result = i; if !k.fromEnd { break } }
                i += 1
            }
            return result.map { .fixnum($0) } ?? .null
        }
        rt.defN("MISMATCH", 2, -1) { rt, args throws(Unwind) in
            let k = try SeqKeys(rt, args, from: 2, [.test, .testNot, .key, .fromEnd, .start1, .end1, .start2, .end2], "MISMATCH")
            if case .string(let sa) = args[0], case .string(let sb) = args[1], k.key == nil, k.test == nil, k.testNot == nil {
                // Fast path: two strings compared with EQL.
                let e1 = try SeqLib.bounds(rt, k.start1, k.end1, sa.count, args[0])
                let e2 = try SeqLib.bounds(rt, k.start2, k.end2, sb.count, args[1])
                let n1 = e1 - k.start1, n2 = e2 - k.start2
                let n = Swift.min(n1, n2)
                var j = 0
                if k.fromEnd {
                    while j < n && sa[e1 - 1 - j] == sb[e2 - 1 - j] { j += 1 }
                    if j == n && n1 == n2 { return .null }
                    return .fixnum(e1 - j)
                }
                while j < n && sa[k.start1 + j] == sb[k.start2 + j] { j += 1 }
                if j == n && n1 == n2 { return .null }
                return .fixnum(k.start1 + j)
            }
            let a = try SeqLib.items(rt, args[0], k.start1, k.end1)
            let b = try SeqLib.items(rt, args[1], k.start2, k.end2)
            let n = Swift.min(a.count, b.count)
            if k.fromEnd {
                var j = 0
                while j < n {
                    if !(try k.same(rt, try k.keyOf(rt, a[a.count - 1 - j]), try k.keyOf(rt, b[b.count - 1 - j]))) { break }
                    j += 1
                }
                if j == n && a.count == b.count { return .null }
                return .fixnum(k.start1 + a.count - j)
            }
            var j = 0
            while j < n {
                if !(try k.same(rt, try k.keyOf(rt, a[j]), try k.keyOf(rt, b[j]))) { break }
                j += 1
            }
            if j == n && a.count == b.count { return .null }
            return .fixnum(k.start1 + j)
        }
        for (name, want, stopValue) in [("EVERY", false, false), ("SOME", true, true), ("NOTANY", true, false), ("NOTEVERY", false, true)] {
            // Stop when the predicate's truth equals `want`; the result at the stop is `stopValue`
            // (SOME returns the predicate's value itself).
            rt.defN(name, 2, -1) { rt, args throws(Unwind) in
                let f = try rt.coerceToFunction(args[0])
                let nseq = args.count - 1
                if nseq == 1 {
                    var c = try SeqLib.Cursor(rt, args[1])
                    while let x = c.next() {
                        let r = try rt.funcall(f, x)
                        if r.isTrue == want { return name == "SOME" ? r : .bool(stopValue) }
                    }
                    try c.checkEnd(rt)
                    return .bool(!stopValue)
                }
                var cursors: [SeqLib.Cursor] = []
                for i in 1..<args.count {
                    // With several sequences every list must be proper, even past the shortest
                    // one's end (SBCL takes their lengths first).
                    if case .cons = args[i] { _ = try SequenceCore.length(rt, args[i]) }
                    cursors.append(try SeqLib.Cursor(rt, args[i]))
                }
                var callArgs = [Value](repeating: .null, count: nseq)
                while true {
                    for j in 0..<nseq {
                        guard let x = cursors[j].next() else { try cursors[j].checkEnd(rt); return .bool(!stopValue) }
                        callArgs[j] = x
                    }
                    let r = try rt.apply(f, callArgs)
                    if r.isTrue == want { return name == "SOME" ? r : .bool(stopValue) }
                }
            }
        }
    }

    /// Parse (item|predicate) + keywords for the find/position/count/remove/... families.
    static func matcher(_ rt: Runtime, _ args: Args, _ flavour: MatchFlavour, _ allowed: SeqKeySet, _ fname: String,
                        seqIndex: Int = 1) throws(Unwind) -> (Matcher, SeqKeys) {
        let k = try SeqKeys(rt, args, from: seqIndex + 1, allowed, fname)
        switch flavour {
        case .item: return (Matcher(item: args[seqIndex - 1], keys: k), k)
        case .ifTrue: return (Matcher(pred: try rt.coerceToFunction(args[seqIndex - 1]), negate: false, keys: k), k)
        case .ifNot: return (Matcher(pred: try rt.coerceToFunction(args[seqIndex - 1]), negate: true, keys: k), k)
        }
    }

    // MARK: - remove / delete / substitute / remove-duplicates

    static func registerRemoval(_ rt: Runtime) {
        let flavours: [(String, MatchFlavour)] = [("", .item), ("-IF", .ifTrue), ("-IF-NOT", .ifNot)]
        for (suffix, flavour) in flavours {
            let allowed: SeqKeySet = flavour == .item ? [.test, .testNot, .key, .start, .end, .fromEnd, .count]
                                                      : [.key, .start, .end, .fromEnd, .count]
            for name in ["REMOVE", "DELETE"] {
                rt.defN(name + suffix, 2, -1) { rt, args throws(Unwind) in
                    let (m, k) = try matcher(rt, args, flavour, allowed, name + suffix)
                    if name == "DELETE", case .cons = args[1] {
                        let all = try SeqLib.items(rt, args[1])
                        guard let flags = try matchingFlags(rt, all, m, k, args[1]) else { return args[1] }
                        return unlinkCells(args[1], flags)
                    }
                    return try remove(rt, args[1], m, k)
                }
            }
            for name in ["SUBSTITUTE", "NSUBSTITUTE"] {
                rt.defN(name + suffix, 3, -1) { rt, args throws(Unwind) in
                    let (m, k) = try matcher(rt, args, flavour, allowed, name + suffix, seqIndex: 2)
                    return try substitute(rt, args[0], args[2], m, k, inPlace: name == "NSUBSTITUTE")
                }
            }
        }
        for name in ["REMOVE-DUPLICATES", "DELETE-DUPLICATES"] {
            rt.defN(name, 1, -1) { rt, args throws(Unwind) in
                let k = try SeqKeys(rt, args, from: 1, [.test, .testNot, .key, .start, .end, .fromEnd], name)
                let seq = args[0]
                let all = try SeqLib.items(rt, seq)
                let e = try SeqLib.bounds(rt, k.start, k.end, all.count, seq)
                let keyed: [Value]
                if k.key == nil { keyed = all } else {
                    var ks: [Value] = []
                    ks.reserveCapacity(e - k.start)
                    for i in k.start..<e { ks.append(try k.keyOf(rt, all[i])) }
                    keyed = [Value](repeating: .null, count: k.start) + ks
                }
                var keep = [Bool](repeating: true, count: all.count)
                let plainEql = k.test == nil && k.testNot == nil
                if plainEql, e - k.start > 16, let hk = EqlKey.keys(Array(keyed[k.start..<e])) {
                    // Hashing fast path for EQL.
                    var seen = Set<EqlKey>()
                    seen.reserveCapacity(hk.count)
                    if k.fromEnd {
                        for j in 0..<hk.count { if !seen.insert(hk[j]).inserted { keep[k.start + j] = false } }
                    } else {
                        var j = hk.count - 1
                        while j >= 0 { if !seen.insert(hk[j]).inserted { keep[k.start + j] = false }; j -= 1 }
                    }
                } else if k.fromEnd {
                    // Keep the first occurrence: drop i if an earlier kept element matches.
                    for i in k.start..<e {
                        var j = k.start
                        while j < i {
                            if keep[j] {
                                let same = plainEql ? eql(keyed[j], keyed[i]) : try k.same(rt, keyed[j], keyed[i])
                                if same { keep[i] = false; break }
                            }
                            j += 1
                        }
                    }
                } else {
                    // Keep the last occurrence: drop i if a later element matches.
                    for i in k.start..<e {
                        var j = i + 1
                        while j < e {
                            let same = plainEql ? eql(keyed[i], keyed[j]) : try k.same(rt, keyed[i], keyed[j])
                            if same { keep[i] = false; break }
                            j += 1
                        }
                    }
                }
                if !keep.contains(false) && !seq.isList { return seq }
                if name == "DELETE-DUPLICATES", case .cons = seq { return unlinkCells(seq, keep.map { !$0 }) }
                var out: [Value] = []
                out.reserveCapacity(all.count)
                for i in 0..<all.count where keep[i] { out.append(all[i]) }
                return try SeqLib.makeLike(rt, seq, out)
            }
        }
    }

    /// Indices in `[start, end)` whose elements match, honouring :count and :from-end.
    static func matchingFlags(_ rt: Runtime, _ all: [Value], _ m: Matcher, _ k: SeqKeys, _ seq: Value) throws(Unwind) -> [Bool]? {
        let e = try SeqLib.bounds(rt, k.start, k.end, all.count, seq)
        var flags: [Bool]? = nil
        var remaining = k.count ?? Int.max
        if remaining == 0 { return nil }
        if k.fromEnd {
            var i = e - 1
            while i >= k.start && remaining > 0 {
                if try m.matches(rt, all[i]) {
                    if flags == nil { flags = [Bool](repeating: false, count: all.count) }
                    flags![i] = true
                    remaining -= 1
                }
                i -= 1
            }
        } else {
            var i = k.start
            while i < e && remaining > 0 {
                if try m.matches(rt, all[i]) {
                    if flags == nil { flags = [Bool](repeating: false, count: all.count) }
                    flags![i] = true
                    remaining -= 1
                }
                i += 1
            }
        }
        return flags
    }

    /// Destructively drop the cells of the proper list `list` whose flag is set; returns the new head.
    static func unlinkCells(_ list: Value, _ drop: [Bool]) -> Value {
        var head: Value = .null
        var last: Cons? = nil
        var p = list
        var i = 0
        while case .cons(let c) = p {
            let next = c.cdr
            if !drop[i] {
                if let l = last { l.cdr = p } else { head = p }
                last = c
            }
            p = next
            i += 1
        }
        last?.cdr = .null
        return head
    }

    static func remove(_ rt: Runtime, _ seq: Value, _ m: Matcher, _ k: SeqKeys) throws(Unwind) -> Value {
        // Strings: work on scalars directly.
        if case .string(let s) = seq, k.count == nil, !k.fromEnd {
            let e = try SeqLib.bounds(rt, k.start, k.end, s.count, seq)
            var out: [Unicode.Scalar] = []
            out.reserveCapacity(s.count)
            for i in 0..<s.count {
                let c = s[i]
                if i >= k.start && i < e, try m.matches(rt, .character(c)) { continue }
                out.append(c)
            }
            if s.isBase {
                let r = LispString(baseCount: out.count)
                for (i, c) in out.enumerated() { r.bytes[i] = UInt8(c.value) }
                return .string(r)
            }
            return .string(LispString(scalars: out))
        }
        let all = try SeqLib.items(rt, seq)
        guard let flags = try matchingFlags(rt, all, m, k, seq) else {
            return seq.isList ? listFrom(all) : try SeqLib.makeLike(rt, seq, all)
        }
        var out: [Value] = []
        out.reserveCapacity(all.count)
        for i in 0..<all.count where !flags[i] { out.append(all[i]) }
        return try SeqLib.makeLike(rt, seq, out)
    }

    static func substitute(_ rt: Runtime, _ new: Value, _ seq: Value, _ m: Matcher, _ k: SeqKeys, inPlace: Bool) throws(Unwind) -> Value {
        let all = try SeqLib.items(rt, seq)
        let flags = try matchingFlags(rt, all, m, k, seq)
        if inPlace {
            guard let flags = flags else { return seq }
            switch seq {
            case .cons:
                var p = seq
                var i = 0
                while case .cons(let c) = p {
                    if flags[i] { c.car = new }
                    p = c.cdr
                    i += 1
                }
            default:
                for i in 0..<all.count where flags[i] { try SeqLib.vset(rt, seq, i, new) }
            }
            return seq
        }
        var out = all
        if let flags = flags { for i in 0..<all.count where flags[i] { out[i] = new } }
        return try SeqLib.makeLike(rt, seq, out)
    }
}
