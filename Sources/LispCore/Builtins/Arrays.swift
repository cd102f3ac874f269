/// Arrays (CLHS 15): make-array, aref, fill pointers, adjust-array, bit arrays, #nA.

enum ArrayLibrary {
    static func clsym(_ n: String) -> Value { .symbol(World.shared.cl.internExternal(n)) }

    enum Kind { case general(Value), character, baseChar, bytes, bit }

    static func kind(_ rt: Runtime, _ et: Value) throws(Unwind) -> Kind {
        let up = try rt.upgradedElementType(et)
        if let s = up.asSymbol {
            switch s.name {
            case "CHARACTER": return .character
            case "BASE-CHAR": return .baseChar
            case "BIT": return .bit
            default: return .general(up)
            }
        }
        if case .cons(let c) = up, c.car.asSymbol?.name == "UNSIGNED-BYTE", case .fixnum(8) = c.cdr.car { return .bytes }
        return .general(up)
    }

    static func defaultElement(_ k: Kind) -> Value {
        switch k {
        case .character, .baseChar: return .character("\0")
        case .general(let et):
            switch et.asSymbol?.name {
            case "SINGLE-FLOAT": return .single(0)
            case "DOUBLE-FLOAT": return .double(0)
            default: return .fixnum(0)
            }
        default: return .fixnum(0)
        }
    }

    /// A fresh one-dimensional storage of `n` elements of kind `k`, filled with `fill`.
    static func makeStorage(_ rt: Runtime, _ k: Kind, _ n: Int, _ fill: Value, fillPointer: Int?, adjustable: Bool) throws(Unwind) -> Value {
        switch k {
        case .character:
            let c = try rt.character(fill)
            return .string(LispString(scalars: [Unicode.Scalar](repeating: c, count: n), fillPointer: fillPointer, adjustable: adjustable))
        case .baseChar:
            let c = try rt.character(fill)
            guard c.value < 256 else { try rt.typeError(fill, "BASE-CHAR") }
            return .string(LispString(baseCount: n, fill: UInt8(c.value), fillPointer: fillPointer, adjustable: adjustable))
        case .bytes:
            guard case .fixnum(let b) = fill, b >= 0, b < 256 else { try rt.typeError(fill, spec: list(clsym("UNSIGNED-BYTE"), .fixnum(8))) }
            return .bytes(ByteVector([UInt8](repeating: UInt8(b), count: n), fillPointer: fillPointer, adjustable: adjustable))
        case .bit:
            guard case .fixnum(let b) = fill, b == 0 || b == 1 else { try rt.typeError(fill, "BIT") }
            return .vector(LispVector([Value](repeating: fill, count: n), fillPointer: fillPointer, adjustable: adjustable, elementType: clsym("BIT")))
        case .general(let et):
            return .vector(LispVector([Value](repeating: fill, count: n), fillPointer: fillPointer, adjustable: adjustable, elementType: et))
        }
    }

    /// Total (allocated) size of one-dimensional storage.
    @inline(__always) static func storageSize(_ v: Value) -> Int {
        switch v {
        case .vector(let x): return x.items.count
        case .string(let s): return s.totalCount
        case .bytes(let b): return b.bytes.count
        default: return 0
        }
    }

    /// Element `i` of one-dimensional storage (caller checked bounds).
    @inline(__always) static func get(_ v: Value, _ i: Int) -> Value {
        switch v {
        case .vector(let x): return x.items[i]
        case .string(let s): return .character(s[i])
        case .bytes(let b): return .fixnum(Int(b.bytes[i]))
        default: return .null
        }
    }

    @inline(__always) static func set(_ rt: Runtime, _ v: Value, _ i: Int, _ x: Value) throws(Unwind) {
        switch v {
        case .vector(let vec):
            if vec.elementType.asSymbol !== Symbol.T || !vec.elementType.isSymbolValue {
                try checkElement(rt, vec.elementType, x)
            }
            vec.items[i] = x
        case .string(let s):
            guard case .character(let c) = x, s.canHold(c) else { try rt.typeError(x, s.isBase ? "BASE-CHAR" : "CHARACTER") }
            s[i] = c
        case .bytes(let b):
            guard case .fixnum(let n) = x, n >= 0, n < 256 else { try rt.typeError(x, spec: list(clsym("UNSIGNED-BYTE"), .fixnum(8))) }
            b.bytes[i] = UInt8(n)
        default: break
        }
    }

    static func checkElement(_ rt: Runtime, _ et: Value, _ x: Value) throws(Unwind) {
        switch et.asSymbol?.name {
        case "BIT": if case .fixnum(let n) = x, n == 0 || n == 1 { return }
        case "FIXNUM": if case .fixnum = x { return }
        case "SINGLE-FLOAT": if case .single = x { return }
        case "DOUBLE-FLOAT": if case .double = x { return }
        default:
            if try rt.typep(x, et) { return }
        }
        try rt.typeError(x, spec: et)
    }

    static func isArray(_ v: Value) -> Bool {
        switch v {
        case .vector, .string, .bytes: return true
        case .object(let o): return o is LispArray
        default: return false
        }
    }

    static func requireArray(_ rt: Runtime, _ v: Value) throws(Unwind) {
        if !isArray(v) { try rt.typeError(v, "ARRAY") }
    }

    static func dims(_ rt: Runtime, _ v: Value) throws(Unwind) -> [Int] {
        switch v {
        case .vector(let x): return [x.items.count]
        case .string(let s): return [s.totalCount]
        case .bytes(let b): return [b.bytes.count]
        case .object(let o): if let a = o as? LispArray { return a.dimensions }
        default: break
        }
        try rt.typeError(v, "ARRAY")
    }

    static func boundsError(_ rt: Runtime, _ array: Value, _ subs: [Value], axisSize: Int? = nil) throws(Unwind) -> Never {
        let sub = subs.count == 1 ? subs[0] : listFrom(subs)
        let d = (try? dims(rt, array)) ?? []
        let bound = axisSize ?? d.reduce(1, *)
        let expected = list(clsym("INTEGER"), .fixnum(0), list(.fixnum(bound)))
        let msg = "Invalid index \(rt.printString(sub)) for \(rt.printString(rt.typeOf(array))), should be a non-negative integer below \(bound)."
        try rt.signalError(rt.makeCondition(StandardConditions.typeError, message: msg,
                                            slots: ["DATUM": sub, "EXPECTED-TYPE": expected]))
    }

    /// The storage and row-major index designated by `array` and subscripts `subs[from...]`.
    static func locate(_ rt: Runtime, _ array: Value, _ subs: ArraySlice<Value>) throws(Unwind) -> (Value, Int) {
        switch array {
        case .vector, .string, .bytes:
            guard subs.count == 1 else {
                try rt.signalError(rt.simpleError("Wrong number of subscripts, \(subs.count), for array of rank 1."))
            }
            let n = storageSize(array)
            guard case .fixnum(let i) = subs[subs.startIndex], i >= 0, i < n else {
                if case .fixnum = subs[subs.startIndex] { try boundsError(rt, array, Array(subs)) }
                try rt.typeError(subs[subs.startIndex], "FIXNUM")
            }
            return (array, i)
        case .object(let o):
            guard let a = o as? LispArray else { break }
            guard subs.count == a.dimensions.count else {
                try rt.signalError(rt.simpleError("Wrong number of subscripts, \(subs.count), for array of rank \(a.dimensions.count)."))
            }
            var idx = 0
            var k = 0
            for s in subs {
                guard case .fixnum(let i) = s, i >= 0, i < a.dimensions[k] else {
                    if case .fixnum = s { try boundsError(rt, array, [s], axisSize: a.dimensions[k]) }
                    try rt.typeError(s, "FIXNUM")
                }
                idx = idx * a.dimensions[k] + i
                k += 1
            }
            return (a.storage, idx + (a.displacedOffset ?? 0))
        default: break
        }
        try rt.typeError(array, "ARRAY")
    }

    static func rowMajor(_ rt: Runtime, _ array: Value, _ iv: Value) throws(Unwind) -> (Value, Int) {
        let storage: Value
        let total: Int
        if case .object(let o) = array, let a = o as? LispArray {
            guard case .fixnum(let i) = iv, i >= 0, i < a.dimensions.reduce(1, *) else {
                if case .fixnum = iv { try boundsError(rt, array, [iv]) }
                try rt.typeError(iv, "FIXNUM")
            }
            return (a.storage, i + (a.displacedOffset ?? 0))
        } else {
            try requireArray(rt, array)
            storage = array; total = storageSize(array)
        }
        guard case .fixnum(let i) = iv, i >= 0, i < total else {
            if case .fixnum = iv { try boundsError(rt, array, [iv]) }
            try rt.typeError(iv, "FIXNUM")
        }
        return (storage, i)
    }

    /// Flatten nested initial-contents of the given dimensions into row-major order.
    static func flatten(_ rt: Runtime, _ contents: Value, _ dims: [Int], _ out: inout [Value]) throws(Unwind) {
        if dims.isEmpty { out.append(contents); return }
        let items = try sequenceItems(rt, contents)
        guard items.count == dims[0] else {
            try rt.signalError(rt.simpleError("The length of initial-contents \(rt.printString(contents)) does not match the dimension \(dims[0])."))
        }
        let rest = Array(dims.dropFirst())
        for x in items { try flatten(rt, x, rest, &out) }
    }

    static func sequenceItems(_ rt: Runtime, _ v: Value) throws(Unwind) -> [Value] {
        switch v {
        case .null, .cons: return try rt.listItems(v)
        case .vector(let x): return Array(x.activeItems)
        case .string(let s): return s.activeScalars.map { .character($0) }
        case .bytes(let b): return b.bytes[0..<b.count].map { .fixnum(Int($0)) }
        default: try rt.typeError(v, "SEQUENCE")
        }
    }

    static func dimsFrom(_ rt: Runtime, _ v: Value) throws(Unwind) -> [Int] {
        if case .fixnum = v { return [try rt.index(v)] }
        var out: [Int] = []
        for d in try rt.listItems(v) { out.append(try rt.index(d)) }
        return out
    }

    static func makeArray(_ rt: Runtime, dims: [Int], elementType: Value, initialElement: Value?, initialContents: Value?,
                          adjustable: Bool, fillPointer: Value?, displacedTo: Value?, offset: Int) throws(Unwind) -> Value {
        let k = try kind(rt, elementType)
        let total = dims.reduce(1, *)
        var fp: Int? = nil
        if let f = fillPointer, f.isTrue {
            guard dims.count == 1 else { try rt.simpleError2("Only vectors can have fill pointers.") }
            if f.asSymbol === Symbol.T { fp = total } else {
                let n = try rt.index(f)
                guard n <= total else { try rt.simpleError2("The fill pointer \(n) is larger than the dimension \(total).") }
                fp = n
            }
        }
        if let d = displacedTo, d.isTrue {
            var target = d
            var base = 0
            if case .object(let o) = d, let a = o as? LispArray { target = a.storage; base = a.displacedOffset ?? 0 }
            let tsize = storageSize(target)
            guard base + offset + total <= tsize else { try rt.simpleError2("The displaced array is too large for its target.") }
            _ = k
            var offset = offset
            if case .object(let o) = d, let a = o as? LispArray, let off = a.displacedOffset { offset += off }
            if dims.count == 1 && offset == 0 && total == tsize && fp == nil && !adjustable { return target }
            let r = LispArray(dimensions: dims, storage: target, adjustable: adjustable)
            r.displacedOffset = offset
            return .object(r)
        }
        let fill = initialElement ?? defaultElement(k)
        let storage = try makeStorage(rt, k, total, fill, fillPointer: fp, adjustable: adjustable)
        if let ic = initialContents {
            var flat: [Value] = []
            flat.reserveCapacity(total)
            try flatten(rt, ic, dims, &flat)
            for i in 0..<flat.count { try set(rt, storage, i, flat[i]) }
        }
        if dims.count == 1 { return storage }
        return .object(LispArray(dimensions: dims, storage: storage, adjustable: adjustable))
    }

    static func fillPointerOf(_ rt: Runtime, _ v: Value) throws(Unwind) -> Int {
        switch v {
        case .vector(let x): if let f = x.fillPointer { return f }
        case .string(let s): if let f = s.fillPointer { return f }
        case .bytes(let b): if let f = b.fillPointer { return f }
        default: try rt.typeError(v, "VECTOR")
        }
        try rt.typeError(v, spec: list(clsym("AND"), clsym("VECTOR"), list(clsym("SATISFIES"), clsym("ARRAY-HAS-FILL-POINTER-P"))))
    }

    static func setFillPointer(_ rt: Runtime, _ v: Value, _ n: Int) throws(Unwind) {
        _ = try fillPointerOf(rt, v)
        guard n <= storageSize(v) else {
            try rt.signalError(rt.makeCondition(StandardConditions.typeError,
                message: "The new fill pointer \(n) is larger than the array size \(storageSize(v)).",
                slots: ["DATUM": .fixnum(n), "EXPECTED-TYPE": list(clsym("INTEGER"), .fixnum(0), .fixnum(storageSize(v)))]))
        }
        switch v {
        case .vector(let x): x.fillPointer = n
        case .string(let s): s.fillPointer = n
        case .bytes(let b): b.fillPointer = n
        default: break
        }
    }

    /// Grow one-dimensional storage to `n` elements in place (adjustable vectors).
    static func growStorage(_ rt: Runtime, _ v: Value, _ n: Int, _ fill: Value) throws(Unwind) {
        switch v {
        case .vector(let x):
            if n < x.items.count { x.items.removeLast(x.items.count - n) } else { x.items.append(contentsOf: repeatElement(fill, count: n - x.items.count)) }
        case .string(let s):
            s.resize(to: n, fill: (try? rt.character(fill)) ?? "\0")
        case .bytes(let b):
            var f: UInt8 = 0
            if case .fixnum(let x) = fill, x >= 0, x < 256 { f = UInt8(x) }
            if n < b.bytes.count { b.bytes.removeLast(b.bytes.count - n) } else { b.bytes.append(contentsOf: repeatElement(f, count: n - b.bytes.count)) }
        default: break
        }
    }

    static func vectorPushExtend(_ rt: Runtime, _ x: Value, _ v: Value, _ ext: Int) throws(Unwind) -> Value {
        let fp = try fillPointerOf(rt, v)
        switch v {
        case .vector(let vec):
            if vec.elementType.asSymbol !== Symbol.T || !vec.elementType.isSymbolValue { try checkElement(rt, vec.elementType, x) }
            if fp < vec.items.count { vec.items[fp] = x } else {
                if vec.items.capacity <= fp { vec.items.reserveCapacity(max(fp * 2, fp + ext)) }
                vec.items.append(x)
            }
            vec.fillPointer = fp + 1
        case .string(let s):
            guard case .character(let c) = x, s.canHold(c) else { try rt.typeError(x, s.isBase ? "BASE-CHAR" : "CHARACTER") }
            s.append(c)
        case .bytes(let b):
            guard case .fixnum(let n) = x, n >= 0, n < 256 else { try rt.typeError(x, spec: list(clsym("UNSIGNED-BYTE"), .fixnum(8))) }
            if fp < b.bytes.count { b.bytes[fp] = UInt8(n) } else { b.bytes.append(UInt8(n)) }
            b.fillPointer = fp + 1
        default: break
        }
        return .fixnum(fp)
    }

    static func bitVector(_ rt: Runtime, _ v: Value) throws(Unwind) -> LispVector {
        if case .vector(let x) = v, x.elementType.asSymbol?.name == "BIT" { return x }
        try rt.typeError(v, "BIT-VECTOR")
    }

    static func bitArrayItems(_ rt: Runtime, _ v: Value) throws(Unwind) -> (LispVector, [Int]) {
        if case .object(let o) = v, let a = o as? LispArray { return (try bitVector(rt, a.storage), a.dimensions) }
        let b = try bitVector(rt, v)
        return (b, [b.items.count])
    }

    static func printArray(_ a: LispArray, _ p: Printer) throws(Unwind) -> Bool {
        if !p.array && !p.readably {
            p.out += "#<" + p.rt.printString(p.rt.typeOf(.object(a))) + " {"
                + String(UInt(bitPattern: ObjectIdentifier(a).hashValue), radix: 16, uppercase: true) + "}>"
            return true
        }
        let off = a.displacedOffset ?? 0
        if a.dimensions.count == 1 {
            var items: [Value] = []
            for i in 0..<a.dimensions[0] { items.append(get(a.storage, off + i)) }
            if case .string = a.storage {
                try p.print(.string(LispString(scalars: items.compactMap { if case .character(let c) = $0 { return c }; return nil })))
            } else {
                try p.print(.vector(LispVector(items, elementType: rtElementType(a.storage))))
            }
            return true
        }
        p.out += "#\(a.dimensions.count)A"
        if a.dimensions.isEmpty { try p.print(get(a.storage, off)); return true }
        var idx = off
        func rec(_ d: Int) throws(Unwind) {
            if d == a.dimensions.count { try p.print(get(a.storage, idx)); idx += 1; return }
            p.out += "("
            for i in 0..<a.dimensions[d] {
                if i > 0 { p.out += " " }
                try rec(d + 1)
            }
            p.out += ")"
        }
        try rec(0)
        return true
    }

    static func register(_ rt: Runtime) {
        lispArrayPrintHook = { a, p throws(Unwind) in try printArray(a, p) }
        rt.defN("MAKE-ARRAY", 1, -1) { rt, args throws(Unwind) in
            let kw = try rt.keywordArgs(args, from: 1, allowed: ["ELEMENT-TYPE", "INITIAL-ELEMENT", "INITIAL-CONTENTS", "ADJUSTABLE", "FILL-POINTER", "DISPLACED-TO", "DISPLACED-INDEX-OFFSET"], fname: "MAKE-ARRAY")
            if kw["INITIAL-ELEMENT"] != nil && kw["INITIAL-CONTENTS"] != nil {
                try rt.simpleError2("MAKE-ARRAY: both :INITIAL-ELEMENT and :INITIAL-CONTENTS given")
            }
            return try makeArray(rt, dims: try dimsFrom(rt, args[0]), elementType: kw["ELEMENT-TYPE"] ?? .t,
                                 initialElement: kw["INITIAL-ELEMENT"], initialContents: kw["INITIAL-CONTENTS"],
                                 adjustable: kw["ADJUSTABLE"]?.isTrue ?? false, fillPointer: kw["FILL-POINTER"],
                                 displacedTo: kw["DISPLACED-TO"], offset: try kw["DISPLACED-INDEX-OFFSET"].map { (x: Value) throws(Unwind) -> Int in try rt.index(x) } ?? 0)
        }
        rt.defN("VECTOR", 0, -1) { _, args in .vector(LispVector(args.array)) }
        rt.defN("AREF", 1, -1) { rt, args throws(Unwind) in
            if args.count == 2, case .fixnum(let i) = args[1], i >= 0 {
                switch args[0] {
                case .vector(let v): if i < v.items.count { return v.items[i] }
                case .string(let s): if i < s.totalCount { return .character(s[i]) }
                case .bytes(let b): if i < b.bytes.count { return .fixnum(Int(b.bytes[i])) }
                default: break
                }
            }
            let a = args.array
            let (s, i) = try locate(rt, a[0], a[1...])
            return get(s, i)
        }
        // (setf aref) as an updater call (%ASET array subscripts... new): no setf-function lookup.
        rt.defN("%ASET", 2, -1, in: rt.world.system) { rt, args throws(Unwind) in
            let n = args.count
            let new = args[n - 1]
            if n == 3, case .vector(let v) = args[0], case .fixnum(let i) = args[1], i >= 0, i < v.items.count,
               v.elementType.asSymbol === Symbol.T {
                v.items[i] = new
                return new
            }
            var a = args.array
            a.removeLast()
            let (s, i) = try locate(rt, a[0], a[1...])
            try set(rt, s, i, new)
            return new
        }
        SetfRegistry.updaters[Sym.cl("AREF")] = .symbol(rt.world.system.internExternal("%ASET"))
        rt.defSetf("AREF", 2, -1) { rt, args throws(Unwind) in
            let a = args.array
            let (s, i) = try locate(rt, a[1], a[2...])
            try set(rt, s, i, a[0])
            return a[0]
        }
        rt.def2("SVREF") { rt, v, i throws(Unwind) in
            guard case .vector(let x) = v, x.isSimple else { try rt.typeError(v, "SIMPLE-VECTOR") }
            guard case .fixnum(let n) = i, n >= 0, n < x.items.count else { try boundsError(rt, v, [i]) }
            return x.items[n]
        }
        rt.defN("%SVSET", 3, 3, in: rt.world.system) { rt, args throws(Unwind) in
            guard case .vector(let x) = args[0], x.isSimple else { try rt.typeError(args[0], "SIMPLE-VECTOR") }
            guard case .fixnum(let n) = args[1], n >= 0, n < x.items.count else { try boundsError(rt, args[0], [args[1]]) }
            x.items[n] = args[2]
            return args[2]
        }
        SetfRegistry.updaters[Sym.cl("SVREF")] = .symbol(rt.world.system.internExternal("%SVSET"))
        rt.defSetf("SVREF", 3, 3) { rt, args throws(Unwind) in
            guard case .vector(let x) = args[1], x.isSimple else { try rt.typeError(args[1], "SIMPLE-VECTOR") }
            guard case .fixnum(let n) = args[2], n >= 0, n < x.items.count else { try boundsError(rt, args[1], [args[2]]) }
            x.items[n] = args[0]
            return args[0]
        }
        for name in ["BIT", "SBIT"] {
            rt.defN(name, 1, -1) { rt, args throws(Unwind) in
                let a = args.array
                let (bv, _) = try bitArrayItems(rt, a[0])
                let (s, i) = try locate(rt, a[0], a[1...])
                _ = bv
                return get(s, i)
            }
            rt.defSetf(name, 2, -1) { rt, args throws(Unwind) in
                let a = args.array
                _ = try bitArrayItems(rt, a[1])
                let (s, i) = try locate(rt, a[1], a[2...])
                try set(rt, s, i, a[0])
                return a[0]
            }
        }
        rt.def2("ROW-MAJOR-AREF") { rt, a, i throws(Unwind) in
            let (s, n) = try rowMajor(rt, a, i)
            return get(s, n)
        }
        rt.defSetf("ROW-MAJOR-AREF", 3, 3) { rt, args throws(Unwind) in
            let (s, n) = try rowMajor(rt, args[1], args[2])
            try set(rt, s, n, args[0])
            return args[0]
        }
        rt.def2("VECTOR-PUSH") { rt, x, v throws(Unwind) in
            let fp = try fillPointerOf(rt, v)
            if fp >= storageSize(v) { return .null }
            try set(rt, v, fp, x)
            try setFillPointer(rt, v, fp + 1)
            return .fixnum(fp)
        }
        rt.defN("VECTOR-PUSH-EXTEND", 2, 3) { rt, args throws(Unwind) in
            try vectorPushExtend(rt, args[0], args[1], args.count > 2 ? try rt.index(args[2]) : 16)
        }
        rt.def1("VECTOR-POP") { rt, v throws(Unwind) in
            let fp = try fillPointerOf(rt, v)
            guard fp > 0 else { try rt.simpleError2("There is nothing left to pop.") }
            try setFillPointer(rt, v, fp - 1)
            return get(v, fp - 1)
        }
        rt.def1("FILL-POINTER") { rt, v throws(Unwind) in .fixnum(try fillPointerOf(rt, v)) }
        rt.defSetf("FILL-POINTER", 2, 2) { rt, args throws(Unwind) in
            try setFillPointer(rt, args[1], try rt.index(args[0]))
            return args[0]
        }
        rt.def1("ARRAY-HAS-FILL-POINTER-P") { rt, v throws(Unwind) in
            switch v {
            case .vector(let x): return .bool(x.fillPointer != nil)
            case .string(let s): return .bool(s.fillPointer != nil)
            case .bytes(let b): return .bool(b.fillPointer != nil)
            default: try requireArray(rt, v); return .null
            }
        }
        rt.def1("ADJUSTABLE-ARRAY-P") { rt, v throws(Unwind) in
            switch v {
            case .vector(let x): return .bool(x.adjustable)
            case .string(let s): return .bool(s.adjustable)
            case .bytes(let b): return .bool(b.adjustable)
            case .object(let o): if let a = o as? LispArray { return .bool(a.adjustable) }
            default: break
            }
            try rt.typeError(v, "ARRAY")
        }
        rt.def2("ARRAY-DIMENSION") { rt, a, n throws(Unwind) in
            let d = try dims(rt, a)
            let i = try rt.index(n)
            guard i < d.count else { try rt.simpleError2("Axis number \(i) is too big; \(rt.printString(a)) only has \(d.count) dimension\(d.count == 1 ? "" : "s").") }
            return .fixnum(d[i])
        }
        rt.def1("ARRAY-DIMENSIONS") { rt, a throws(Unwind) in listFrom(try dims(rt, a).map { .fixnum($0) }) }
        rt.def1("ARRAY-RANK") { rt, a throws(Unwind) in .fixnum(try dims(rt, a).count) }
        rt.def1("ARRAY-TOTAL-SIZE") { rt, a throws(Unwind) in .fixnum(try dims(rt, a).reduce(1, *)) }
        rt.defN("ARRAY-IN-BOUNDS-P", 1, -1) { rt, args throws(Unwind) in
            let d = try dims(rt, args[0])
            guard args.count - 1 == d.count else { try rt.simpleError2("Wrong number of subscripts, \(args.count - 1), for array of rank \(d.count).") }
            for k in 0..<d.count {
                guard case .fixnum(let i) = args[k + 1] else { try rt.typeError(args[k + 1], "INTEGER") }
                if i < 0 || i >= d[k] { return .null }
            }
            return .t
        }
        rt.defN("ARRAY-ROW-MAJOR-INDEX", 1, -1) { rt, args throws(Unwind) in
            let a = args.array
            if case .object(let o) = a[0], o is LispArray {
                let (_, i) = try locate(rt, a[0], a[1...])
                return .fixnum(i)
            }
            let (_, i) = try locate(rt, a[0], a[1...])
            return .fixnum(i)
        }
        rt.def1("ARRAY-ELEMENT-TYPE") { rt, a throws(Unwind) in
            try requireArray(rt, a)
            return rt.arrayElementType(a)
        }
        rt.defN("UPGRADED-ARRAY-ELEMENT-TYPE", 1, 2) { rt, args throws(Unwind) in try rt.upgradedElementType(args[0]) }
        rt.def1("ARRAY-DISPLACEMENT") { rt, a throws(Unwind) in
            try requireArray(rt, a)
            if let la = a.asLispArray, let off = la.displacedOffset { return rt.values2(la.storage, .fixnum(off)) }
            return rt.values2(.null, .fixnum(0))
        }
        rt.def1("BIT-VECTOR-P") { _, v in
            if case .vector(let x) = v, x.elementType.asSymbol?.name == "BIT" { return .t }
            return .null
        }
        rt.def1("SIMPLE-BIT-VECTOR-P") { _, v in
            if case .vector(let x) = v, x.elementType.asSymbol?.name == "BIT", x.fillPointer == nil, !x.adjustable { return .t }
            return .null
        }
        rt.defN("ADJUST-ARRAY", 2, -1) { rt, args throws(Unwind) in
            let kw = try rt.keywordArgs(args, from: 2, allowed: ["ELEMENT-TYPE", "INITIAL-ELEMENT", "INITIAL-CONTENTS", "FILL-POINTER", "DISPLACED-TO", "DISPLACED-INDEX-OFFSET"], fname: "ADJUST-ARRAY")
            let array = args[0]
            let newDims = try dimsFrom(rt, args[1])
            let oldDims = try dims(rt, array)
            guard newDims.count == oldDims.count else { try rt.simpleError2("ADJUST-ARRAY: rank mismatch") }
            let et = rt.arrayElementType(array)
            let k = try kind(rt, et)
            let fill = kw["INITIAL-ELEMENT"] ?? defaultElement(k)
            // The new contents, as storage of the new size.
            var newFP: Int? = nil
            switch array {
            case .vector(let x): newFP = x.fillPointer
            case .string(let s): newFP = s.fillPointer
            case .bytes(let b): newFP = b.fillPointer
            default: break
            }
            if let f = kw["FILL-POINTER"] {
                if f.asSymbol === Symbol.T { newFP = newDims[0] } else if f.isTrue { newFP = try rt.index(f) }
            }
            let total = newDims.reduce(1, *)
            let fresh: Value
            if let ic = kw["INITIAL-CONTENTS"] {
                fresh = try makeArray(rt, dims: newDims, elementType: et, initialElement: nil, initialContents: ic, adjustable: true, fillPointer: nil, displacedTo: nil, offset: 0)
            } else {
                fresh = try makeArray(rt, dims: newDims, elementType: et, initialElement: fill, initialContents: nil, adjustable: true, fillPointer: nil, displacedTo: nil, offset: 0)
                // Copy the overlapping region.
                let oldStorage: Value
                if case .object(let o) = array, let a = o as? LispArray { oldStorage = a.storage } else { oldStorage = array }
                let newStorage: Value
                if case .object(let o) = fresh, let a = fresh.asLispArray ?? (o as? LispArray) { newStorage = a.storage } else { newStorage = fresh }
                if newDims.count == 1 {
                    for i in 0..<min(newDims[0], oldDims[0]) { try set(rt, newStorage, i, get(oldStorage, i)) }
                } else if total > 0 {
                    var idx = [Int](repeating: 0, count: newDims.count)
                    outer: while true {
                        var inOld = true
                        for d in 0..<idx.count where idx[d] >= oldDims[d] { inOld = false }
                        if inOld {
                            var o = 0, n = 0
                            for d in 0..<idx.count { o = o * oldDims[d] + idx[d]; n = n * newDims[d] + idx[d] }
                            try set(rt, newStorage, n, get(oldStorage, o))
                        }
                        var d = idx.count - 1
                        while d >= 0 {
                            idx[d] += 1
                            if idx[d] < newDims[d] { break }
                            idx[d] = 0
                            d -= 1
                        }
                        if d < 0 { break outer }
                    }
                }
            }
            // Adjustable arrays are modified in place; others get the fresh array.
            let adjustable: Bool
            switch array {
            case .vector(let x): adjustable = x.adjustable
            case .string(let s): adjustable = s.adjustable
            case .bytes(let b): adjustable = b.adjustable
            case .object(let o): adjustable = (o as? LispArray)?.adjustable ?? false
            default: adjustable = false
            }
            if adjustable {
                switch (array, fresh) {
                case (.vector(let x), .vector(let y)): x.items = y.items; x.fillPointer = newFP
                case (.string(let s), .string(let t)):
                    s.resize(to: total)
                    for i in 0..<total { s[i] = t[i] }
                    s.fillPointer = newFP
                case (.bytes(let b), .bytes(let c)): b.bytes = c.bytes; b.fillPointer = newFP
                case (.object(let o), .object(let p)):
                    if let a = o as? LispArray, let b = p as? LispArray { a.dimensions = b.dimensions; a.storage = b.storage }
                default: break
                }
                return array
            }
            // A fresh, non-adjustable result like SBCL's (simple unless a fill pointer is kept).
            switch fresh {
            case .vector(let y): y.adjustable = false; y.fillPointer = newFP
            case .string(let t): t.adjustable = false; t.fillPointer = newFP
            case .bytes(let c): c.adjustable = false; c.fillPointer = newFP
            case .object(let o): (o as? LispArray)?.adjustable = false
            default: break
            }
            return fresh
        }
        func bitOp(_ name: String, _ op: @escaping (Int, Int) -> Int) {
            rt.defN(name, 2, 3) { rt, args throws(Unwind) in
                let (a, da) = try bitArrayItems(rt, args[0])
                let (b, db) = try bitArrayItems(rt, args[1])
                guard da == db else { try rt.simpleError2("\(name): bit arrays of different dimensions") }
                var out = [Value](repeating: .fixnum(0), count: a.items.count)
                for i in 0..<a.items.count {
                    guard case .fixnum(let x) = a.items[i], case .fixnum(let y) = b.items[i] else { continue }
                    out[i] = .fixnum(op(x, y) & 1)
                }
                let target: Value = args.count > 2 ? (args[2].asSymbol === Symbol.T ? args[0] : args[2]) : .null
                if target.isTrue {
                    let (t, _) = try bitArrayItems(rt, target)
                    guard t.items.count == out.count else { try rt.simpleError2("\(name): result bit array has the wrong size") }
                    t.items = out
                    return target
                }
                let v = Value.vector(LispVector(out, elementType: clsym("BIT")))
                if da.count == 1 { return v }
                return .object(LispArray(dimensions: da, storage: v))
            }
        }
        bitOp("BIT-AND") { $0 & $1 }
        bitOp("BIT-IOR") { $0 | $1 }
        bitOp("BIT-XOR") { $0 ^ $1 }
        bitOp("BIT-EQV") { ~($0 ^ $1) }
        bitOp("BIT-NAND") { ~($0 & $1) }
        bitOp("BIT-NOR") { ~($0 | $1) }
        bitOp("BIT-ANDC1") { ~$0 & $1 }
        bitOp("BIT-ANDC2") { $0 & ~$1 }
        bitOp("BIT-ORC1") { ~$0 | $1 }
        bitOp("BIT-ORC2") { $0 | ~$1 }
        rt.defN("BIT-NOT", 1, 2) { rt, args throws(Unwind) in
            let (a, da) = try bitArrayItems(rt, args[0])
            let out: [Value] = a.items.map { if case .fixnum(let x) = $0 { return .fixnum(1 - x) }; return $0 }
            let target: Value = args.count > 1 ? (args[1].asSymbol === Symbol.T ? args[0] : args[1]) : .null
            if target.isTrue {
                let (t, _) = try bitArrayItems(rt, target)
                t.items = out
                return target
            }
            let v = Value.vector(LispVector(out, elementType: clsym("BIT")))
            if da.count == 1 { return v }
            return .object(LispArray(dimensions: da, storage: v))
        }
        rt.arrayReaderHook = { [unowned rt] rank, contents throws(Unwind) in
            var d: [Int] = []
            var c = contents
            for _ in 0..<rank {
                let items = try sequenceItems(rt, c)
                d.append(items.count)
                c = items.first ?? .null
            }
            return try makeArray(rt, dims: d, elementType: .t, initialElement: nil, initialContents: rank == 0 ? nil : contents,
                                 adjustable: false, fillPointer: nil, displacedTo: nil, offset: 0).withRank0(contents)
        }
    }
}

func rtElementType(_ storage: Value) -> Value {
    if case .vector(let v) = storage { return v.elementType }
    return .t
}

extension Value {
    var isSymbolValue: Bool { if case .symbol = self { return true }; return false }
    var asLispArray: LispArray? { if case .object(let o) = self { return o as? LispArray }; return nil }
    func withRank0(_ v: Value) -> Value {
        if let a = asLispArray, a.dimensions.isEmpty, case .vector(let s) = a.storage { s.items[0] = v }
        return self
    }
}
