import LispCore

/// TEMPORARY: minimal versions of a few CL functions the COMM examples and tests use
/// (MAKE-ARRAY, MAKE-STRING, AREF, SUBSEQ, POSITION, CODE-CHAR, CHAR-CODE, STRING=,
/// PARSE-INTEGER). Each is installed only when the function is not defined yet, so the full
/// versions of the sequence / data libraries win as soon as they are merged; then this file
/// can be deleted.
enum TemporaryShims {
    static func register(_ rt: Runtime) {
        let cl = World.shared.cl
        func missing(_ name: String) -> Bool { cl.internExternal(name).function == nil }

        if missing("MAKE-ARRAY") {
            rt.defN("MAKE-ARRAY", 1, -1) { rt, args throws(Unwind) in
                let kw = try rt.keywordArgs(args, from: 1, allowed: ["ELEMENT-TYPE", "INITIAL-ELEMENT", "INITIAL-CONTENTS", "ADJUSTABLE", "FILL-POINTER"], fname: "MAKE-ARRAY")
                var n: Int
                switch args[0] {
                case .fixnum(let k) where k >= 0: n = k
                case .cons(let c): n = try rt.index(c.car)
                default: try rt.typeError(args[0], "(INTEGER 0 *)")
                }
                let et = kw["ELEMENT-TYPE"] ?? .t
                let contents = try kw["INITIAL-CONTENTS"].map { v throws(Unwind) in try seqItems(rt, v) }
                if let c = contents { n = c.count }
                let fp: Int? = kw["FILL-POINTER"].flatMap { v in
                    if case .fixnum(let k) = v { return k }
                    return v.isTrue ? n : nil
                }
                if case .cons(let c) = et, c.car.asSymbol?.name == "UNSIGNED-BYTE" {
                    var bytes = [UInt8](repeating: 0, count: n)
                    if case .fixnum(let k)? = kw["INITIAL-ELEMENT"] { bytes = [UInt8](repeating: UInt8(truncatingIfNeeded: k), count: n) }
                    if let c = contents { for (i, v) in c.enumerated() { if case .fixnum(let k) = v { bytes[i] = UInt8(truncatingIfNeeded: k) } } }
                    return .bytes(ByteVector(bytes, fillPointer: fp, adjustable: kw["ADJUSTABLE"]?.isTrue ?? false))
                }
                if let s = et.asSymbol, ["CHARACTER", "BASE-CHAR", "STANDARD-CHAR"].contains(s.name) {
                    var fill: Unicode.Scalar = " "
                    if case .character(let ch)? = kw["INITIAL-ELEMENT"] { fill = ch }
                    if s.name == "BASE-CHAR" && fill.value < 256 {
                        let str = LispString(baseCount: n, fill: UInt8(fill.value), fillPointer: fp, adjustable: kw["ADJUSTABLE"]?.isTrue ?? false)
                        return .string(str)
                    }
                    return .string(LispString(scalars: [Unicode.Scalar](repeating: fill, count: n), fillPointer: fp, adjustable: kw["ADJUSTABLE"]?.isTrue ?? false))
                }
                var items = [Value](repeating: kw["INITIAL-ELEMENT"] ?? .null, count: n)
                if let c = contents { items = c }
                return .vector(LispVector(items, fillPointer: fp, adjustable: kw["ADJUSTABLE"]?.isTrue ?? false))
            }
        }
        if missing("MAKE-STRING") {
            rt.defN("MAKE-STRING", 1, -1) { rt, args throws(Unwind) in
                let kw = try rt.keywordArgs(args, from: 1, allowed: ["INITIAL-ELEMENT", "ELEMENT-TYPE"], fname: "MAKE-STRING")
                let n = try rt.index(args[0])
                var fill: Unicode.Scalar = " "
                if case .character(let ch)? = kw["INITIAL-ELEMENT"] { fill = ch }
                if let s = kw["ELEMENT-TYPE"]?.asSymbol, s.name == "BASE-CHAR", fill.value < 256 {
                    return .string(LispString(baseCount: n, fill: UInt8(fill.value)))
                }
                return .string(LispString(scalars: [Unicode.Scalar](repeating: fill, count: n)))
            }
        }
        if missing("AREF") {
            rt.defN("AREF", 2, 2) { rt, args throws(Unwind) in
                let i = try rt.index(args[1])
                switch args[0] {
                case .bytes(let b) where i < b.bytes.count: return .fixnum(Int(b.bytes[i]))
                case .string(let s) where i < s.totalCount: return .character(s[i])
                case .vector(let v) where i < v.items.count: return v.items[i]
                default: try rt.signalError(rt.simpleError("AREF: invalid index \(i) for \(rt.printString(args[0]))"))
                }
            }
        }
        if missing("CHAR") {
            rt.def2("CHAR") { rt, s, i throws(Unwind) in
                let k = try rt.index(i)
                guard case .string(let str) = s, k < str.count else { try rt.signalError(rt.simpleError("CHAR: invalid index")) }
                return .character(str[k])
            }
        }
        if missing("CODE-CHAR") {
            rt.def1("CODE-CHAR") { rt, c throws(Unwind) in
                let n = try rt.index(c)
                guard n <= 0x10FFFF else { return .null }
                return Unicode.Scalar(UInt32(n)).map { .character($0) } ?? .null
            }
        }
        if missing("CHAR-CODE") {
            rt.def1("CHAR-CODE") { rt, c throws(Unwind) in .fixnum(Int(try rt.character(c).value)) }
        }
        if missing("SUBSEQ") {
            rt.defN("SUBSEQ", 2, 3) { rt, args throws(Unwind) in
                let items = try seqItems(rt, args[0])
                let start = try rt.index(args[1])
                let end = args.count > 2 && !args[2].isNil ? try rt.index(args[2]) : items.count
                guard start <= end, end <= items.count else { try rt.signalError(rt.simpleError("SUBSEQ: bad bounds \(start) \(end) for length \(items.count)")) }
                switch args[0] {
                case .string(let s):
                    if s.isBase { return .string(LispString(baseBytes: Array(s.bytes[start..<end]))) }
                    return .string(LispString(scalars: Array(s.scalars[start..<end])))
                case .bytes(let b): return .bytes(ByteVector(Array(b.bytes[start..<end])))
                case .vector: return .vector(LispVector(Array(items[start..<end])))
                default: return listFrom(Array(items[start..<end]))
                }
            }
        }
        if missing("POSITION") {
            rt.defN("POSITION", 2, -1) { rt, args throws(Unwind) in
                let kw = try rt.keywordArgs(args, from: 2, allowed: ["START", "END", "TEST", "KEY", "FROM-END"], fname: "POSITION")
                let items = try seqItems(rt, args[1])
                let start = try kw["START"].map { v throws(Unwind) in try rt.index(v) } ?? 0
                var end = items.count
                if let e = kw["END"], !e.isNil { end = try rt.index(e) }
                guard start <= end, end <= items.count else { try rt.signalError(rt.simpleError("POSITION: bad bounds")) }
                for i in start..<end where eql(items[i], args[0]) { return .fixnum(i) }
                return .null
            }
        }
        if missing("STRING=") {
            rt.def2("STRING=") { rt, a, b throws(Unwind) in
                try rt.stringDesignator(a) == rt.stringDesignator(b) ? .t : .null
            }
        }
        if missing("PARSE-INTEGER") {
            rt.defN("PARSE-INTEGER", 1, -1) { rt, args throws(Unwind) in
                let s = try rt.stringDesignator(args[0]).trimmingWhitespace()
                guard let n = Int(s) else { try rt.signalError(rt.simpleError("PARSE-INTEGER: not an integer: \(s)")) }
                return .fixnum(n)
            }
        }
    }

    static func seqItems(_ rt: Runtime, _ v: Value) throws(Unwind) -> [Value] {
        switch v {
        case .string(let s): return (0..<s.count).map { .character(s[$0]) }
        case .bytes(let b): return b.bytes[0..<b.count].map { .fixnum(Int($0)) }
        case .vector(let vec): return Array(vec.activeItems)
        default: return try rt.listItems(v)
        }
    }
}

extension LispString {
    convenience init(baseBytes: [UInt8]) {
        self.init(baseCount: baseBytes.count)
        bytes = baseBytes
    }
}
