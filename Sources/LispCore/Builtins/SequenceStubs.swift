// TEMPORARY minimal sequence functions the prelude needs; the sequence library replaces this
// file with full versions (keywords, vectors, strings).
enum SequenceStubs {
    static func register(_ rt: Runtime) {
        rt.defN("EVERY", 2, 2) { rt, args throws(Unwind) in
            let f = try rt.coerceToFunction(args[0])
            for x in try rt.listItems(args[1]) where !(try rt.funcall(f, x).isTrue) { return .null }
            return .t
        }
        rt.defN("FIND", 2, -1) { rt, args throws(Unwind) in
            let t = try TestSpec(rt, args, from: 2, fname: "FIND")
            for x in try rt.listItems(args[1]) where try t.matches(rt, args[0], x) { return x }
            return .null
        }
        rt.defN("REMOVE", 2, -1) { rt, args throws(Unwind) in
            let t = try TestSpec(rt, args, from: 2, fname: "REMOVE")
            var out: [Value] = []
            for x in try rt.listItems(args[1]) where !(try t.matches(rt, args[0], x)) { out.append(x) }
            return listFrom(out)
        }
        rt.defN("REMOVE-IF", 2, -1) { rt, args throws(Unwind) in
            let f = try rt.coerceToFunction(args[0])
            var out: [Value] = []
            for x in try rt.listItems(args[1]) where !(try rt.funcall(f, x).isTrue) { out.append(x) }
            return listFrom(out)
        }
        rt.defN("BUTLAST", 1, 2) { rt, args throws(Unwind) in
            let items = try rt.listItems(args[0])
            let n = args.count > 1 ? try rt.index(args[1]) : 1
            return listFrom(Array(items.dropLast(n)))
        }
        rt.defN("ADJOIN", 2, -1) { rt, args throws(Unwind) in
            let t = try TestSpec(rt, args, from: 2, fname: "ADJOIN")
            let item = try t.keyOf(rt, args[0])
            for x in try rt.listItems(args[1]) where try t.matches(rt, item, x) { return args[1] }
            return .cons(args[0], args[1])
        }
    }
}
