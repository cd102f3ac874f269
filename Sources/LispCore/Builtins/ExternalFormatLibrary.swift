/// The LispWorks EXTERNAL-FORMAT package (nickname EF): conversions between Lisp strings and
/// (unsigned-byte 8) vectors for :utf-8, :latin-1 and :ascii (and their -safe variants).
enum ExternalFormatLibrary {
    struct Spec {
        var encoding: CharEncoding
        var safe: Bool
    }

    nonisolated(unsafe) static var errorClass: ConditionClass!

    static func spec(_ v: Value) -> Spec? {
        var v = v
        if case .cons(let c) = v { v = c.car }
        guard case .symbol(let s) = v else { return nil }
        switch s.name {
        case "UTF-8", "UTF8", "DEFAULT": return Spec(encoding: .utf8, safe: false)
        case "LATIN-1", "LATIN1", "ISO-8859-1", "ISO8859-1": return Spec(encoding: .latin1, safe: false)
        case "LATIN-1-SAFE", "LATIN-1-TERMINAL": return Spec(encoding: .latin1, safe: true)
        case "ASCII", "US-ASCII": return Spec(encoding: .ascii, safe: false)
        case "ASCII-SAFE", "ASCII-TERMINAL": return Spec(encoding: .ascii, safe: true)
        default: return nil
        }
    }

    static func efError(_ rt: Runtime, _ msg: String) throws(Unwind) -> Never {
        try rt.signalError(rt.makeCondition(errorClass, message: "~a", args: [Value(msg)]))
    }

    static func getSpec(_ rt: Runtime, _ v: Value) throws(Unwind) -> Spec {
        guard let s = spec(v) else { try efError(rt, "\(rt.printString(v)) is not a valid external format") }
        return s
    }

    static func bounds(_ rt: Runtime, _ k: [String: Value], _ n: Int) throws(Unwind) -> (Int, Int) {
        let start = try k["START"].map { (v: Value) throws(Unwind) -> Int in try rt.index(v) } ?? 0
        let endV = k["END"] ?? .null
        let end = endV.isNil ? n : try rt.index(endV)
        if start > end || end > n {
            try rt.signalError(rt.simpleError("bad bounding indices \(start) \(end) for sequence of length \(n)"))
        }
        return (start, end)
    }

    static func register(_ rt: Runtime) {
        let ef = rt.world.findPackage("EXTERNAL-FORMAT") ?? {
            let p = LispPackage(name: "EXTERNAL-FORMAT")
            p.nicknames = ["EF"]
            p.use(rt.world.cl)
            rt.world.register(p)
            return p
        }()
        errorClass = ConditionRegistry.shared.define(ef.internExternal("EXTERNAL-FORMAT-ERROR"),
                                                     parents: [StandardConditions.simpleError], slots: [])
        let ub8 = list(Value(rt.world.cl.internExternal("UNSIGNED-BYTE")), .fixnum(8))

        rt.defN("ENCODE-LISP-STRING", 2, -1, in: ef) { rt, args throws(Unwind) in
            let s = try rt.lispString(args[0])
            let sp = try getSpec(rt, args[1])
            let k = try rt.keywordArgs(args, from: 2, allowed: ["START", "END", "INTO"], fname: "ENCODE-LISP-STRING")
            let (start, end) = try bounds(rt, k, s.count)
            var chars: [Unicode.Scalar] = []
            chars.reserveCapacity(end - start)
            for i in start..<end { chars.append(s[i]) }
            guard let bytes = sp.encoding.encode(chars, replacement: sp.safe ? UInt8(ascii: "?") : nil) else {
                let limit: UInt32 = sp.encoding == .ascii ? 128 : 256
                let bad = chars.first { $0.value >= limit }!
                try efError(rt, "Character \(rt.printString(.character(bad))) cannot be encoded in external format \(rt.printString(args[1]))")
            }
            let into = k["INTO"] ?? .null
            switch into {
            case .null: return .bytes(ByteVector(bytes))
            case .function(let fn):
                for b in bytes { _ = try rt.funcall(fn, .fixnum(Int(b))) }
                return .t
            case .bytes(let bv):
                if bytes.count > bv.count { try efError(rt, "the :INTO vector is too short (\(bv.count) < \(bytes.count))") }
                for (i, b) in bytes.enumerated() { bv.bytes[i] = b }
                return .fixnum(bytes.count)
            case .vector(let v):
                if bytes.count > v.count { try efError(rt, "the :INTO vector is too short (\(v.count) < \(bytes.count))") }
                for (i, b) in bytes.enumerated() { v.items[i] = .fixnum(Int(b)) }
                return .fixnum(bytes.count)
            default: try rt.typeError(into, "(OR NULL VECTOR FUNCTION)")
            }
        }

        rt.defN("DECODE-EXTERNAL-STRING", 2, -1, in: ef) { rt, args throws(Unwind) in
            let sp = try getSpec(rt, args[1])
            let k = try rt.keywordArgs(args, from: 2, allowed: ["START", "END", "INTO"], fname: "DECODE-EXTERNAL-STRING")
            var bytes: [UInt8] = []
            func byte(_ v: Value) throws(Unwind) -> UInt8 {
                guard case .fixnum(let n) = v, n >= 0, n < 256 else { try rt.typeError(v, "(UNSIGNED-BYTE 8)") }
                return UInt8(n)
            }
            switch args[0] {
            case .bytes(let bv):
                let (start, end) = try bounds(rt, k, bv.count)
                bytes = Array(bv.bytes[start..<end])
            case .vector(let v):
                let (start, end) = try bounds(rt, k, v.count)
                for i in start..<end { bytes.append(try byte(v.items[i])) }
            case .string(let s):
                let (start, end) = try bounds(rt, k, s.count)
                for i in start..<end {
                    let c = s[i].value
                    if c > 255 { try rt.typeError(.character(s[i]), "(UNSIGNED-BYTE 8)") }
                    bytes.append(UInt8(c))
                }
            case .function(let fn):
                while true {
                    let v = try rt.funcall(fn)
                    if v.isNil { break }
                    bytes.append(try byte(v))
                }
            default: try rt.typeError(args[0], "(OR VECTOR FUNCTION)")
            }
            guard let chars = sp.encoding.decode(bytes[...], lenient: sp.safe) else {
                try efError(rt, "invalid byte sequence for external format \(rt.printString(args[1]))")
            }
            let into = k["INTO"] ?? .null
            switch into {
            case .null:
                let str = LispString(String(String.UnicodeScalarView(chars)))
                return .string(str)
            case .function(let fn):
                for c in chars { _ = try rt.funcall(fn, .character(c)) }
                return .t
            case .string(let s):
                if chars.count > s.count { try efError(rt, "the :INTO string is too short (\(s.count) < \(chars.count))") }
                for (i, c) in chars.enumerated() {
                    if !s.canHold(c) { try rt.typeError(.character(c), "BASE-CHAR") }
                    s[i] = c
                }
                return .fixnum(chars.count)
            default: try rt.typeError(into, "(OR NULL STRING FUNCTION)")
            }
        }

        rt.def1("VALID-EXTERNAL-FORMAT-P", in: ef) { _, x throws(Unwind) in .bool(spec(x) != nil) }
        rt.def1("EXTERNAL-FORMAT-FOREIGN-TYPE", in: ef) { rt, x throws(Unwind) in
            _ = try getSpec(rt, x)
            return ub8
        }
        rt.def1("EXTERNAL-FORMAT-TYPE", in: ef) { rt, x throws(Unwind) in
            let sp = try getSpec(rt, x)
            return Value(rt.world.cl.internExternal(sp.encoding == .utf8 ? "CHARACTER" : "BASE-CHAR"))
        }
        rt.def2("CHAR-EXTERNAL-CODE", in: ef) { rt, c, x throws(Unwind) in
            let ch = try rt.character(c)
            let sp = try getSpec(rt, x)
            switch sp.encoding {
            case .utf8: return .fixnum(Int(ch.value))
            case .latin1: return ch.value < 256 ? .fixnum(Int(ch.value)) : .null
            case .ascii: return ch.value < 128 ? .fixnum(Int(ch.value)) : .null
            }
        }
        rt.def2("FIND-EXTERNAL-CHAR", in: ef) { rt, n, x throws(Unwind) in
            let code = try rt.fixnum(n)
            let sp = try getSpec(rt, x)
            let limit = sp.encoding == .utf8 ? 0x110000 : (sp.encoding == .latin1 ? 256 : 128)
            guard code >= 0, code < limit, let sc = Unicode.Scalar(UInt32(code)) else { return .null }
            return .character(sc)
        }
    }
}
