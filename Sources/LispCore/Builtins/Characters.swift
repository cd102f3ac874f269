/// The characters chapter: comparisons, case, predicates, codes and names (SBCL's names).
enum CharactersLibrary {
    /// SBCL's names for the control characters 0-32, 127 and 128-159.
    static let controlNames: [String] = [
        "Nul", "Soh", "Stx", "Etx", "Eot", "Enq", "Ack", "Bel", "Backspace", "Tab", "Newline", "Vt", "Page",
        "Return", "So", "Si", "Dle", "Dc1", "Dc2", "Dc3", "Dc4", "Nak", "Syn", "Etb", "Can", "Em", "Sub", "Esc",
        "Fs", "Gs", "Rs", "Us", "Space",
    ]
    static let c1Names: [String] = [
        "C80", "C81", "Break-Permitted", "No-Break-Permitted", "C84", "Next-Line", "Start-Selected-Area",
        "End-Selected-Area", "Character-Tabulation-Set", "Character-Tabulation-With-Justification",
        "Line-Tabulation-Set", "Partial-Line-Forward", "Partial-Line-Backward", "Reverse-Linefeed",
        "Single-Shift-Two", "Single-Shift-Three", "Device-Control-String", "Private-Use-One", "Private-Use-Two",
        "Set-Transmit-State", "Cancel-Character", "Message-Waiting", "Start-Guarded-Area", "End-Guarded-Area",
        "Start-String", "C99", "Single-Character-Introducer", "Control-Sequence-Introducer", "String-Terminator",
        "Operating-System-Command", "Privacy-Message", "Application-Program-Command",
    ]
    static let aliases: [String: UInt32] = [
        "LINEFEED": 10, "LF": 10, "NULL": 0, "ESCAPE": 27, "DEL": 127, "DELETE": 127, "BS": 8, "HT": 9, "FF": 12,
        "CR": 13, "NL": 10, "BELL-CHAR": 7,
    ]

    static func hex(_ n: UInt32) -> String {
        let digits = Array("0123456789ABCDEF")
        if n == 0 { return "0" }
        var s = ""
        var x = n
        while x > 0 { s = String(digits[Int(x & 15)]) + s; x >>= 4 }
        return s
    }

    /// SBCL's `char-name`.
    static func charName(_ c: Unicode.Scalar) -> String? {
        let v = c.value
        if v <= 32 { return controlNames[Int(v)] }
        if v == 127 { return "Rubout" }
        if v >= 128 && v < 160 { return c1Names[Int(v - 128)] }
        if let n = c.properties.name, !n.hasPrefix("CJK UNIFIED IDEOGRAPH-"), !n.hasPrefix("TANGUT IDEOGRAPH-"),
           !n.hasPrefix("KHITAN SMALL SCRIPT CHARACTER-"), !n.hasPrefix("NUSHU CHARACTER-") {
            return String(n.map { $0 == " " ? "_" : $0 })
        }
        return "U" + hex(v)
    }

    nonisolated(unsafe) static var nameTable: [String: UInt32]? = nil

    /// SBCL's `name-char`: case-insensitive.
    static func nameChar(_ name: String) -> Unicode.Scalar? {
        let up = name.uppercased()
        for (i, n) in controlNames.enumerated() where n.uppercased() == up { return Unicode.Scalar(UInt32(i)) }
        if up == "RUBOUT" { return Unicode.Scalar(127) }
        for (i, n) in c1Names.enumerated() where n.uppercased() == up { return Unicode.Scalar(UInt32(128 + i)) }
        if let a = aliases[up] { return Unicode.Scalar(a) }
        if up.count > 1, up.first == "U" {
            var rest = Substring(up.dropFirst())
            if rest.first == "+" { rest = rest.dropFirst() }
            if !rest.isEmpty, rest.count <= 6, let n = UInt32(rest, radix: 16), let s = Unicode.Scalar(n) { return s }
        }
        if up.contains(" ") { return nil }
        if nameTable == nil {
            var t: [String: UInt32] = [:]
            var v: UInt32 = 33
            while v < 0x110000 {
                if let s = Unicode.Scalar(v), let n = s.properties.name { t[n] = v }
                v += 1
                if v == 0xD800 { v = 0xE000 }
                if v == 0x32000 { v = 0xE0000 }
            }
            nameTable = t
        }
        let spaced = String(up.map { $0 == "_" ? " " : $0 })
        if let v = nameTable?[spaced] { return Unicode.Scalar(v) }
        return nil
    }

    // MARK: case

    @inline(__always) static func upcase(_ c: Unicode.Scalar) -> Unicode.Scalar {
        let v = c.value
        if v < 128 { return v >= 97 && v <= 122 ? Unicode.Scalar(v - 32)! : c }
        if let t = titlecasePartners(c) { return t.0 }
        return upper(c) ?? c
    }
    @inline(__always) static func downcase(_ c: Unicode.Scalar) -> Unicode.Scalar {
        let v = c.value
        if v < 128 { return v >= 65 && v <= 90 ? Unicode.Scalar(v + 32)! : c }
        if let t = titlecasePartners(c) { return t.1 }
        return lower(c) ?? c
    }
    static func single(_ s: String) -> Unicode.Scalar? {
        var it = s.unicodeScalars.makeIterator()
        guard let first = it.next(), it.next() == nil else { return nil }
        return first
    }
    /// For a titlecase letter (e.g. U+01C5) with one-scalar upper and lower mappings: (upper, lower).
    /// SBCL maps these both ways but counts them as neither upper nor lower case (yet both-case-p).
    static func titlecasePartners(_ c: Unicode.Scalar) -> (Unicode.Scalar, Unicode.Scalar)? {
        guard c.properties.generalCategory == .titlecaseLetter,
              let u = single(c.properties.uppercaseMapping), let l = single(c.properties.lowercaseMapping) else { return nil }
        return (u, l)
    }

    /// The upper-case partner of a lower-case character with a 1:1 round-tripping mapping.
    static func upper(_ c: Unicode.Scalar) -> Unicode.Scalar? {
        guard let u = single(c.properties.uppercaseMapping), u != c, single(u.properties.lowercaseMapping) == c else { return nil }
        return u
    }
    static func lower(_ c: Unicode.Scalar) -> Unicode.Scalar? {
        guard let l = single(c.properties.lowercaseMapping), l != c, single(l.properties.uppercaseMapping) == c else { return nil }
        return l
    }
    @inline(__always) static func isUpper(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        if v < 128 { return v >= 65 && v <= 90 }
        return lower(c) != nil
    }
    @inline(__always) static func isLower(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        if v < 128 { return v >= 97 && v <= 122 }
        return upper(c) != nil
    }
    @inline(__always) static func isAlpha(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        if v < 128 { return (v >= 65 && v <= 90) || (v >= 97 && v <= 122) }
        switch c.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }
    /// Weight of `c` as a digit in `radix`, or nil.
    @inline(__always) static func digitWeight(_ c: Unicode.Scalar, _ radix: Int) -> Int? {
        let v = c.value
        var w: Int
        if v >= 48 && v <= 57 { w = Int(v - 48) }
        else if v >= 65 && v <= 90 { w = Int(v - 55) }
        else if v >= 97 && v <= 122 { w = Int(v - 87) }
        else if v < 128 { return nil }
        else if c.properties.generalCategory == .decimalNumber, let n = c.properties.numericValue, n >= 0, n < 10 { w = Int(n) }
        else { return nil }
        return w < radix ? w : nil
    }
    @inline(__always) static func isAlnum(_ c: Unicode.Scalar) -> Bool {
        isAlpha(c) || digitWeight(c, 10) != nil
    }
    /// Case-folded code for the case-insensitive comparisons.
    @inline(__always) static func fold(_ c: Unicode.Scalar) -> UInt32 { downcase(upcase(c)).value }

    static func register(_ rt: Runtime) {
        func chars(_ args: Args) throws(Unwind) -> [UInt32] {
            var out: [UInt32] = []
            out.reserveCapacity(args.count)
            for i in 0..<args.count { out.append(try rt.character(args[i]).value) }
            return out
        }
        let comparisons: [(String, Bool, (UInt32, UInt32) -> Bool)] = [
            ("CHAR=", false, { $0 == $1 }), ("CHAR<", false, { $0 < $1 }), ("CHAR>", false, { $0 > $1 }),
            ("CHAR<=", false, { $0 <= $1 }), ("CHAR>=", false, { $0 >= $1 }),
            ("CHAR-EQUAL", true, { $0 == $1 }), ("CHAR-LESSP", true, { $0 < $1 }), ("CHAR-GREATERP", true, { $0 > $1 }),
            ("CHAR-NOT-GREATERP", true, { $0 <= $1 }), ("CHAR-NOT-LESSP", true, { $0 >= $1 }),
        ]
        for (name, folded, op) in comparisons {
            rt.defN(name, 1, -1) { rt, args throws(Unwind) in
                if args.count == 2 {
                    let a = try rt.character(args[0]), b = try rt.character(args[1])
                    return .bool(folded ? op(fold(a), fold(b)) : op(a.value, b.value))
                }
                var cs = try chars(args)
                if folded { cs = cs.map { fold(Unicode.Scalar($0)!) } }
                var i = 0
                while i + 1 < cs.count {
                    if !op(cs[i], cs[i + 1]) { return .null }
                    i += 1
                }
                return .t
            }
        }
        for (name, folded) in [("CHAR/=", false), ("CHAR-NOT-EQUAL", true)] {
            rt.defN(name, 1, -1) { rt, args throws(Unwind) in
                var cs = try chars(args)
                if folded { cs = cs.map { fold(Unicode.Scalar($0)!) } }
                for i in 0..<cs.count {
                    for j in (i + 1)..<Swift.max(i + 1, cs.count) where cs[i] == cs[j] { return .null }
                }
                return .t
            }
        }
        rt.def1("CHAR-CODE") { rt, c throws(Unwind) in .fixnum(Int(try rt.character(c).value)) }
        rt.def1("CHAR-INT") { rt, c throws(Unwind) in .fixnum(Int(try rt.character(c).value)) }
        rt.def1("CODE-CHAR") { rt, n throws(Unwind) in
            guard case .fixnum(let v) = n, v >= 0, v < 0x110000 else {
                try rt.typeError(n, spec: list(.symbol(Symbol.cl("MOD")), .fixnum(0x110000)))
            }
            if let s = Unicode.Scalar(UInt32(v)) { return .character(s) }
            return .null   // surrogate code points are not characters here
        }
        rt.def1("CHAR-UPCASE") { rt, c throws(Unwind) in .character(upcase(try rt.character(c))) }
        rt.def1("CHAR-DOWNCASE") { rt, c throws(Unwind) in .character(downcase(try rt.character(c))) }
        rt.def1("UPPER-CASE-P") { rt, c throws(Unwind) in .bool(isUpper(try rt.character(c))) }
        rt.def1("LOWER-CASE-P") { rt, c throws(Unwind) in .bool(isLower(try rt.character(c))) }
        rt.def1("BOTH-CASE-P") { rt, c throws(Unwind) in
            let ch = try rt.character(c)
            return .bool(isUpper(ch) || isLower(ch) || titlecasePartners(ch) != nil)
        }
        rt.def1("ALPHA-CHAR-P") { rt, c throws(Unwind) in .bool(isAlpha(try rt.character(c))) }
        rt.def1("ALPHANUMERICP") { rt, c throws(Unwind) in .bool(isAlnum(try rt.character(c))) }
        rt.def1("GRAPHIC-CHAR-P") { rt, c throws(Unwind) in
            let v = try rt.character(c).value
            return .bool((v > 31 && v < 127) || v > 159)
        }
        rt.def1("STANDARD-CHAR-P") { rt, c throws(Unwind) in .bool(isStandardChar(try rt.character(c))) }
        rt.def1("CHARACTERP") { _, x throws(Unwind) in if case .character = x { return .t }; return .null }
        rt.defN("DIGIT-CHAR-P", 1, 2) { rt, args throws(Unwind) in
            let c = try rt.character(args[0])
            let radix = args.count > 1 ? try radixArg(rt, args[1]) : 10
            if let w = digitWeight(c, radix) { return .fixnum(w) }
            return .null
        }
        rt.defN("DIGIT-CHAR", 1, 2) { rt, args throws(Unwind) in
            let radix = args.count > 1 ? try radixArg(rt, args[1]) : 10
            guard case .fixnum(let w) = args[0], w >= 0 else {
                if args[0].isInteger { return .null }
                try rt.typeError(args[0], spec: list(.symbol(Symbol.cl("INTEGER")), .fixnum(0), .symbol(Symbol.cl("*"))))
            }
            if w >= radix { return .null }
            return .character(Unicode.Scalar(UInt32(w < 10 ? 48 + w : 55 + w))!)
        }
        rt.def1("CHAR-NAME") { rt, c throws(Unwind) in
            if let n = charName(try rt.character(c)) { return Value(n) }
            return .null
        }
        rt.def1("NAME-CHAR") { rt, x throws(Unwind) in
            if case .character = x { return x }
            let name = try rt.stringDesignator(x)
            if let c = nameChar(name) { return .character(c) }
            return .null
        }
        rt.def1("CHARACTER") { rt, x throws(Unwind) in
            switch x {
            case .character: return x
            case .string(let s) where s.count == 1: return .character(s[0])
            case .symbol(let s) where s.name.unicodeScalars.count == 1: return .character(s.name.unicodeScalars.first!)
            default: try rt.typeError(x, "CHARACTER")   // SBCL: (OR STRING SYMBOL CHARACTER) of length 1
            }
        }
    }

    static func radixArg(_ rt: Runtime, _ v: Value) throws(Unwind) -> Int {
        guard case .fixnum(let r) = v, r >= 2, r <= 36 else {
            try rt.typeError(v, spec: list(.symbol(Symbol.cl("INTEGER")), .fixnum(2), .fixnum(36)))
        }
        return r
    }
}

/// The 96 standard characters: the graphic ASCII characters and newline.
@inline(__always) func isStandardChar(_ c: Unicode.Scalar) -> Bool {
    (c.value >= 32 && c.value < 127) || c == "\n"
}
