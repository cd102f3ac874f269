/// The cons chapter's core: accessors, constructors, mapping functions. The rest of the cons
/// chapter (member, assoc, last, list*, sets...) is in ListsLibrary.swift.
enum ListBuiltins {
    static func register(_ rt: Runtime) {
        rt.def1("CAR") { rt, x throws(Unwind) in try rt.car(x) }
        rt.def1("CDR") { rt, x throws(Unwind) in try rt.cdr(x) }
        rt.def1("FIRST") { rt, x throws(Unwind) in try rt.car(x) }
        rt.def1("REST") { rt, x throws(Unwind) in try rt.cdr(x) }
        // c[ad]{2,4}r
        for len in 2...4 {
            for bits in 0..<(1 << len) {
                var path = ""
                for i in 0..<len { path += (bits >> i) & 1 == 1 ? "D" : "A" }
                let name = "C" + path + "R"
                let ops = Array(path.reversed())
                rt.def1(name) { rt, x throws(Unwind) in
                    var v = x
                    for op in ops { v = op == "A" ? try rt.car(v) : try rt.cdr(v) }
                    return v
                }
                rt.defSetf(name, 2, 2) { rt, args throws(Unwind) in
                    var v = args[1]
                    for op in ops.dropLast() { v = op == "A" ? try rt.car(v) : try rt.cdr(v) }
                    let c = try rt.cons(v)
                    if ops.last == "A" { c.car = args[0] } else { c.cdr = args[0] }
                    return args[0]
                }
            }
        }
        let nths = ["SECOND", "THIRD", "FOURTH", "FIFTH", "SIXTH", "SEVENTH", "EIGHTH", "NINTH", "TENTH"]
        for (i, name) in nths.enumerated() {
            rt.def1(name) { rt, x throws(Unwind) in try nth(rt, i + 1, x) }
            rt.defSetf(name, 2, 2) { rt, args throws(Unwind) in
                try rt.cons(try nthcdr(rt, i + 1, args[1])).car = args[0]
                return args[0]
            }
        }
        rt.defSetf("CAR", 2, 2) { rt, args throws(Unwind) in try rt.cons(args[1]).car = args[0]; return args[0] }
        rt.defSetf("CDR", 2, 2) { rt, args throws(Unwind) in try rt.cons(args[1]).cdr = args[0]; return args[0] }
        rt.defSetf("FIRST", 2, 2) { rt, args throws(Unwind) in try rt.cons(args[1]).car = args[0]; return args[0] }
        rt.defSetf("REST", 2, 2) { rt, args throws(Unwind) in try rt.cons(args[1]).cdr = args[0]; return args[0] }
        rt.def2("CONS") { _, a, b throws(Unwind) in .cons(Cons.make(a, b)) }
        rt.defN("LIST", 0, -1) { _, args throws(Unwind) in
            var r: Value = .null
            var i = args.count - 1
            while i >= 0 { r = .cons(Cons.make(args[i], r)); i -= 1 }
            return r
        }
        rt.defN("APPEND", 0, -1) { rt, args throws(Unwind) in
            if args.count == 0 { return .null }
            var result = args[args.count - 1]
            var i = args.count - 2
            while i >= 0 {
                let items = try rt.listItems(args[i])
                result = listFrom(items, tail: result)
                i -= 1
            }
            return result
        }
        rt.defN("NCONC", 0, -1) { rt, args throws(Unwind) in
            var result: Value = .null
            var lastCell: Cons? = nil
            for i in 0..<args.count {
                let a = args[i]
                if a.isNil { continue }
                if let lc = lastCell { lc.cdr = a } else { result = a }
                if i < args.count - 1 {
                    guard case .cons(var c) = a else { try rt.typeError(a, "LIST") }
                    while case .cons(let n) = c.cdr { c = n }
                    lastCell = c
                }
            }
            return result
        }
        rt.def2("NTH") { rt, n, l throws(Unwind) in try nth(rt, try rt.index(n), l) }
        rt.defSetf("NTH", 3, 3) { rt, args throws(Unwind) in
            try rt.cons(try nthcdr(rt, try rt.index(args[1]), args[2])).car = args[0]
            return args[0]
        }
        rt.def2("NTHCDR") { rt, n, l throws(Unwind) in try nthcdr(rt, try rt.index(n), l) }
        rt.def1("ENDP") { rt, x throws(Unwind) in
            switch x {
            case .null: return .t
            case .cons: return .null
            default: try rt.typeError(x, "LIST")
            }
        }
        rt.def2("RPLACA") { rt, c, v throws(Unwind) in try rt.cons(c).car = v; return c }
        rt.def2("RPLACD") { rt, c, v throws(Unwind) in try rt.cons(c).cdr = v; return c }
        rt.def1("COPY-LIST") { rt, x throws(Unwind) in
            var items: [Value] = []
            var p = x
            while case .cons(let c) = p { items.append(c.car); p = c.cdr }
            return listFrom(items, tail: p)
        }
        rt.defN("GETF", 2, 3) { rt, args throws(Unwind) in
            var p = args[0]
            while case .cons(let c) = p {
                guard case .cons(let v) = c.cdr else { try rt.typeError(args[0], "LIST") }
                if eq(c.car, args[1]) { return v.car }
                p = v.cdr
            }
            return args.get(2)
        }
        rt.defN("MAPCAR", 2, -1) { rt, args throws(Unwind) in try mapLists(rt, args, collect: true, onCells: false) }
        rt.defN("MAPC", 2, -1) { rt, args throws(Unwind) in
            _ = try mapLists(rt, args, collect: false, onCells: false)
            return args[1]
        }
        rt.defN("MAPLIST", 2, -1) { rt, args throws(Unwind) in try mapLists(rt, args, collect: true, onCells: true) }
        rt.defN("MAPL", 2, -1) { rt, args throws(Unwind) in
            _ = try mapLists(rt, args, collect: false, onCells: true)
            return args[1]
        }
        rt.defN("MAPCAN", 2, -1) { rt, args throws(Unwind) in
            try nconcAll(rt, try mapLists(rt, args, collect: true, onCells: false).listArray)
        }
        rt.defN("MAPCON", 2, -1) { rt, args throws(Unwind) in
            try nconcAll(rt, try mapLists(rt, args, collect: true, onCells: true).listArray)
        }
    }

    static func nth(_ rt: Runtime, _ n: Int, _ l: Value) throws(Unwind) -> Value {
        try rt.car(try nthcdr(rt, n, l))
    }

    /// `(nthcdr n l)`. A dotted tail reached before `n` steps is a type-error on it, as in SBCL.
    static func nthcdr(_ rt: Runtime, _ n: Int, _ l: Value) throws(Unwind) -> Value {
        guard var cur = ConsCursor(l) else {
            if !l.isNil { try rt.typeError(l, "LIST") }
            return .null
        }
        var i = 0
        while i < n {
            i += 1
            if !cur.advance() {
                // Past the last cons: its cdr is the result if that was the last step.
                if i < n && !cur.cdrIsNil { try rt.typeError(cur.cdr, "LIST") }
                return i == n ? cur.cdr : .null
            }
        }
        return cur.value
    }

    static func nconcAll(_ rt: Runtime, _ lists: [Value]) throws(Unwind) -> Value {
        var result: Value = .null
        var lastCell: Cons? = nil
        for a in lists {
            guard case .cons(var c) = a else { continue }
            if let lc = lastCell { lc.cdr = a } else { result = a }
            while case .cons(let n) = c.cdr { c = n }
            lastCell = c
        }
        return result
    }

    /// mapcar/mapc/maplist/mapl over one or more lists, stopping at the shortest.
    static func mapLists(_ rt: Runtime, _ args: Args, collect: Bool, onCells: Bool) throws(Unwind) -> Value {
        let fn = try rt.coerceToFunction(args[0])
        var out: [Value] = []
        if args.count == 2 {
            var p = args[1]
            while case .cons(let c) = p {
                let r = try rt.funcall(fn, onCells ? p : c.car)
                if collect { out.append(r) }
                p = c.cdr
            }
            // The lists are tested with ENDP, as SBCL does: a dotted tail or a non-list is a
            // type-error, not the end.
            if !p.isNil { try rt.typeError(p, "LIST") }
            return collect ? listFrom(out) : .null
        }
        var lists = Array(UnsafeBufferPointer(start: args.base + 1, count: args.count - 1))
        while true {
            var callArgs: [Value] = []
            for i in 0..<lists.count {
                guard case .cons(let c) = lists[i] else {
                    if !lists[i].isNil { try rt.typeError(lists[i], "LIST") }
                    return collect ? listFrom(out) : .null
                }
                callArgs.append(onCells ? lists[i] : c.car)
                lists[i] = c.cdr
            }
            let r = try rt.apply(fn, callArgs)
            if collect { out.append(r) }
        }
    }
}

/// `:test` / `:test-not` / `:key` argument handling shared by list and sequence functions.
public struct TestSpec {
    public var test: LispFunction?
    public var testNot: LispFunction?
    public var key: LispFunction?

    public init(_ rt: Runtime, _ args: Args, from: Int, fname: String, extra: [String] = []) throws(Unwind) {
        let kw = try rt.keywordArgs(args, from: from, allowed: ["TEST", "TEST-NOT", "KEY"] + extra, fname: fname)
        if let t = kw["TEST"], !t.isNil { test = try rt.coerceToFunction(t) }
        if let t = kw["TEST-NOT"], !t.isNil { testNot = try rt.coerceToFunction(t) }
        if let k = kw["KEY"], !k.isNil { key = try rt.coerceToFunction(k) }
    }

    public init() {}

    @inline(__always) public func keyOf(_ rt: Runtime, _ x: Value) throws(Unwind) -> Value {
        guard let k = key else { return x }
        return try rt.funcall(k, x)
    }

    /// Does `item` match `element` (the key is applied to `element` only)?
    @inline(__always) public func matches(_ rt: Runtime, _ item: Value, _ element: Value) throws(Unwind) -> Bool {
        let e = try keyOf(rt, element)
        if let t = test { return try rt.funcall(t, item, e).isTrue }
        if let t = testNot { return try !rt.funcall(t, item, e).isTrue }
        return eql(item, e)
    }
}

/// Sequence basics needed by the core (the sequence library builds on these).
public enum SequenceCore {
    public static func length(_ rt: Runtime, _ x: Value) throws(Unwind) -> Int {
        switch x {
        case .null: return 0
        case .cons: return try listLength(rt, x)
        case .string(let s): return s.count
        case .vector(let v): return v.count
        case .bytes(let b): return b.count
        default: try rt.typeError(x, "SEQUENCE")
        }
    }

    /// The length of a proper list; a dotted list is a type-error on its tail, as in SBCL.
    /// The walk retains no cell (the caller holds the list and no user code runs).
    static func listLength(_ rt: Runtime, _ x: Value) throws(Unwind) -> Int {
        guard var cur = ConsCursor(x) else {
            if !x.isNil { try rt.typeError(x, "LIST") }
            return 0
        }
        var n = 1
        while cur.advance() { n += 1 }
        if !cur.cdrIsNil { try rt.typeError(cur.cdr, "LIST") }
        return n
    }

    /// `(revappend list tail)`: fresh conses of `list`'s elements in reverse order, ending in
    /// `tail`. The cells of `list` are walked without retaining them, and the result grows by
    /// moving it into each new cons, so each element costs one allocation and one copy of its car.
    /// A dotted `list` is a type-error on its tail, as in SBCL.
    static func revappend(_ rt: Runtime, _ list: Value, _ tail: __owned Value) throws(Unwind) -> Value {
        guard var cur = ConsCursor(list) else {
            if !list.isNil { try rt.typeError(list, "LIST") }
            return tail
        }
        var r = tail
        repeat { r = .cons(Cons.make(cur.car, r)) } while cur.advance()
        if !cur.cdrIsNil { try rt.typeError(cur.cdr, "LIST") }
        return r
    }

    /// `(nreconc list tail)`: `list` reversed in place, ending in `tail`. Each cdr is relinked
    /// with two swaps (moves), so no reference count changes. A dotted `list` is a type-error on
    /// its tail, as in SBCL.
    static func nreconc(_ rt: Runtime, _ list: __owned Value, _ tail: __owned Value) throws(Unwind) -> Value {
        var prev = tail, p = list
        while let cur = ConsCursor(p) {
            cur.withCell { swap(&prev, &$0.cdr) }     // the cell now ends the reversed part; prev is the rest
            swap(&prev, &p)                           // prev: the reversed part; p: the rest
        }
        if !p.isNil { try rt.typeError(p, "LIST") }
        return prev
    }

    public static func reverse(_ rt: Runtime, _ x: Value) throws(Unwind) -> Value {
        switch x {
        case .null: return .null
        case .cons: return try revappend(rt, x, .null)
        case .string(let s): return .string(LispString(scalars: s.activeScalars.reversed()))
        case .vector(let v): return .vector(LispVector(v.activeItems.reversed(), elementType: v.elementType))
        case .bytes(let b): return .bytes(ByteVector(b.bytes[0..<b.count].reversed()))
        default: try rt.typeError(x, "SEQUENCE")
        }
    }
}
