/// Where the reader gets characters: a string (fast path) or a Lisp stream.
public protocol CharSource: AnyObject {
    func next() throws(Unwind) -> Unicode.Scalar?
    func unread(_ c: Unicode.Scalar)
    func peek() throws(Unwind) -> Unicode.Scalar?
}

/// Reads from an in-memory array of scalars, tracking line and column for error messages.
public final class StringSource: CharSource {
    let chars: [Unicode.Scalar]
    public var pos: Int
    public let end: Int
    public init(_ s: String, start: Int = 0, end: Int? = nil) {
        // One decoding pass into storage sized by the UTF-8 length, an upper bound on the
        // scalar count (`Array(s.unicodeScalars)` counts the scalars in a first pass).
        chars = Array(unsafeUninitializedCapacity: s.utf8.count) { buffer, count in
            for c in s.unicodeScalars {
                buffer.initializeElement(at: count, to: c)
                count += 1
            }
        }
        pos = start
        self.end = min(end ?? chars.count, chars.count)
    }
    public init(scalars: [Unicode.Scalar]) {
        chars = scalars
        pos = 0
        end = scalars.count
    }
    public func next() -> Unicode.Scalar? {
        guard pos < end else { return nil }
        pos += 1
        return chars[pos - 1]
    }
    public func unread(_ c: Unicode.Scalar) { pos -= 1 }
    public func peek() -> Unicode.Scalar? { pos < end ? chars[pos] : nil }
    /// 1-based line and column of position `p`.
    public func lineColumn(_ p: Int) -> (Int, Int) {
        var line = 1, col = 1
        for i in 0..<min(p, end) {
            if chars[i] == "\n" { line += 1; col = 1 } else { col += 1 }
        }
        return (line, col)
    }
}

/// Reads from a Lisp stream (REPL, `read` on a stream).
public final class StreamSource: CharSource {
    let stream: LispStream
    public init(_ s: LispStream) { stream = s }
    public func next() throws(Unwind) -> Unicode.Scalar? { try stream.readChar() }
    public func unread(_ c: Unicode.Scalar) { stream.unreadChar(c) }
    public func peek() throws(Unwind) -> Unicode.Scalar? { try stream.peekChar() }
}

/// The Common Lisp reader (standard syntax, `readtable-case` :upcase).
public final class Reader {
    let rt: Runtime
    let src: CharSource
    /// `src` when it is a `StringSource`, whose methods `nextChar` and friends then call
    /// directly (inlined) instead of through the protocol.
    private let stringSource: StringSource?
    /// File name for error messages.
    public var fileName: String?
    var labels: [Int: Value] = [:]
    /// Stream value to put in end-of-file / reader-error conditions.
    public var streamValue: Value = .null

    public init(rt: Runtime, source: CharSource, fileName: String? = nil) {
        self.rt = rt
        src = source
        stringSource = source as? StringSource
        self.fileName = fileName
    }

    // MARK: characters

    @inline(__always) func nextChar() throws(Unwind) -> Unicode.Scalar? {
        if let s = stringSource { return s.next() }
        return try src.next()
    }

    @inline(__always) func peekChar() throws(Unwind) -> Unicode.Scalar? {
        if let s = stringSource { return s.peek() }
        return try src.peek()
    }

    @inline(__always) func unreadChar(_ c: Unicode.Scalar) {
        if let s = stringSource { s.unread(c) } else { src.unread(c) }
    }

    // MARK: errors

    func location() -> String {
        guard let s = stringSource else { return fileName.map { " in \($0)" } ?? "" }
        let (l, c) = s.lineColumn(s.pos)
        return " at \(fileName.map { "\($0):" } ?? "line ")\(l)\(fileName == nil ? ", column " : ":")\(c)"
    }

    func readerError(_ msg: String) throws(Unwind) -> Never {
        try rt.signalError(rt.makeCondition(StandardConditions.simpleReaderError,
                                            message: formatLiteral("READ error\(location()): \(msg)"),
                                            slots: ["STREAM": streamValue]))
    }

    func eofError(_ what: String) throws(Unwind) -> Never {
        let c = rt.makeCondition(StandardConditions.endOfFile, message: formatLiteral("end of file\(location()) \(what)"),
                                 slots: ["STREAM": streamValue])
        try rt.signalError(c)
    }

    // MARK: entry points

    /// Sentinel returned for "nothing read" (comments, suppressed #+ forms) internally.
    private struct Nothing: Error {}

    /// Read one object. At end of input: signal end-of-file when `eofError`, else return `eofValue`.
    public func read(eofError: Bool = true, eofValue: Value = .null) throws(Unwind) -> Value {
        while true {
            guard let c = try skipWhitespace() else {
                if eofError { try self.eofError("") }
                return eofValue
            }
            if let v = try readMacro(c, topLevel: true) { return v }
        }
    }

    /// Skip whitespace; return the next non-whitespace char (consumed) or nil at EOF.
    func skipWhitespace() throws(Unwind) -> Unicode.Scalar? {
        while let c = try nextChar() {
            if !Reader.isWhitespace(c) { return c }
        }
        return nil
    }

    static func isWhitespace(_ c: Unicode.Scalar) -> Bool {
        c == " " || c == "\n" || c == "\t" || c == "\r" || c == "\u{0C}" || c == "\u{0B}"
    }

    static func isTerminating(_ c: Unicode.Scalar) -> Bool {
        isWhitespace(c) || c == "(" || c == ")" || c == "'" || c == "\"" || c == ";" || c == "`" || c == ","
    }

    /// Dispatch on the first character of an object. Returns nil when nothing was read (comment).
    func readMacro(_ c: Unicode.Scalar, topLevel: Bool = false) throws(Unwind) -> Value? {
        switch c {
        case "(": return try readList()
        case ")":
            try readerError("unmatched close parenthesis")
        case "'": return list(.symbol(Sym.quote), try readRequired("after '"))
        case "`": return list(.symbol(Sym.quasiquote), try readRequired("after `"))
        case ",":
            if try peekChar() == "@" {
                _ = try nextChar()
                return list(.symbol(Sym.unquoteSplicing), try readRequired("after ,@"))
            }
            if try peekChar() == "." {
                _ = try nextChar()
                return list(.symbol(Sym.unquoteSplicing), try readRequired("after ,."))
            }
            return list(.symbol(Sym.unquote), try readRequired("after ,"))
        case ";":
            while let d = try nextChar(), d != "\n" {}
            return nil
        case "\"": return try readString()
        case "#": return try readDispatch()
        default:
            return try readToken(first: c)
        }
    }

    /// Read an object that must be there (after a quote, inside #+ etc.).
    func readRequired(_ context: String) throws(Unwind) -> Value {
        while true {
            guard let c = try skipWhitespace() else { try eofError(context) }
            if c == ")" { try readerError("unexpected ) \(context)") }
            if let v = try readMacro(c) { return v }
        }
    }

    /// Read the rest of a list after its `(`. The conses are linked front to back as the
    /// elements are read (no intermediate array).
    func readList() throws(Unwind) -> Value {
        var head: Value = .null
        var last: Cons? = nil
        while true {
            guard let c = try skipWhitespace() else { try eofError("inside a list") }
            if c == ")" { break }
            if c == ".", let n = try peekChar(), Reader.isTerminating(n) {
                guard let last else { try readerError("nothing before . in a list") }
                let tail = try readRequired("after . in a list")
                guard let close = try skipWhitespace() else { try eofError("inside a dotted list") }
                if close != ")" { try readerError("more than one object after . in a list") }
                last.cdr = tail
                break
            }
            if let v = try readMacro(c) {
                let cell = Cons.make(v, .null)
                if let last { last.cdr = .cons(cell) } else { head = .cons(cell) }
                last = cell
            }
        }
        return head
    }

    func readString() throws(Unwind) -> Value {
        var s: [Unicode.Scalar] = []
        while true {
            guard var c = try nextChar() else { try eofError("inside a string") }
            if c == "\"" { break }
            if c == "\\" {
                guard let e = try nextChar() else { try eofError("inside a string") }
                c = e
            }
            s.append(c)
        }
        return .string(LispString(scalars: s))
    }

    // MARK: tokens

    /// The token being read by `readToken`, as ASCII bytes in their original case. Kept between
    /// tokens so that reading one allocates nothing.
    private var tokenBytes: [UInt8] = []

    /// Read a token starting with `first`; returns a number or a symbol.
    ///
    /// Fast path for nearly every token of source code: plain ASCII constituents (no `\`, `|`
    /// or non-ASCII character) are collected as bytes, the number parser runs only when the
    /// first byte could start a number, and the symbol is interned from the upcased bytes. At the
    /// first character the fast path does not handle, `readGeneralToken` takes over.
    func readToken(first: Unicode.Scalar) throws(Unwind) -> Value {
        var bytes: [UInt8] = []
        swap(&bytes, &tokenBytes)
        defer {
            bytes.removeAll(keepingCapacity: true)
            swap(&bytes, &tokenBytes)
        }
        var colons = 0
        var allDots = true
        var c: Unicode.Scalar? = first
        while let ch = c {
            let v = ch.value
            if v >= 128 || v == 0x5C || v == 0x7C {  // non-ASCII, `\` or `|`
                return try readGeneralToken(prefix: bytes, next: ch)
            }
            if Reader.isTerminatingASCII(v) {
                unreadChar(ch)
                break
            }
            if v == 0x3A { colons += 1 }
            if v != 0x2E { allDots = false }
            bytes.append(UInt8(truncatingIfNeeded: v))
            c = try nextChar()
        }
        if suppress { return .null }
        if let b = bytes.first, Reader.mayStartNumber(b, base: readBase), let n = try parseNumber(bytes) { return n }
        if allDots { try readerError(bytes.count == 1 ? "dot context error" : "too many dots") }
        return try internPlainToken(&bytes, colons: colons)
    }

    /// Whether a token starting with byte `b` can be a number at all: `numberValue` needs a sign,
    /// a decimal point, a decimal digit or a digit of the radix `base` first. (`base` is only
    /// evaluated for letters: most tokens start with one, but looking up `*read-base*` for the
    /// rest would be wasted.)
    @inline(__always) static func mayStartNumber(_ b: UInt8, base: @autoclosure () -> Int) -> Bool {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."): return true
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return Int(b) - 55 < base()
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return Int(b) - 87 < base()
        default: return false
        }
    }

    /// Whether ASCII code `v` ends a token: whitespace or a terminating macro character.
    @inline(__always) static func isTerminatingASCII(_ v: UInt32) -> Bool {
        // Bits for tab, LF, VT, FF, CR, space, `"`, `'`, `(`, `)`, `,` and `;`, all below 64;
        // the backquote (0x60) is the only one above. A unit test checks it against isTerminating.
        let below64: UInt64 = 0x0800_1385_0000_3E00
        return v < 64 ? (below64 >> UInt64(v)) & 1 != 0 : v == 0x60
    }

    /// The symbol named by a plain ASCII token without escapes (see `readToken`), `colons` of
    /// whose bytes are package markers. Upcases `bytes` in place.
    func internPlainToken(_ bytes: inout [UInt8], colons: Int) throws(Unwind) -> Value {
        guard colons > 0 else {
            Reader.upcaseASCII(&bytes)
            return Value(currentPackage.intern(String(decoding: bytes, as: UTF8.self)).0)
        }
        let at = bytes.firstIndex(of: UInt8(ascii: ":"))!
        let markerEnd = colons == 2 && bytes[at + 1] == UInt8(ascii: ":") ? at + 2 : at + 1
        if colons > 2 || (colons == 2 && markerEnd == at + 1) {
            try readerError("too many colons in \(String(decoding: bytes, as: UTF8.self))")
        }
        Reader.upcaseASCII(&bytes)
        return try resolveSymbol(package: String(decoding: bytes[..<at], as: UTF8.self),
                                 name: String(decoding: bytes[markerEnd...], as: UTF8.self),
                                 anyAccess: markerEnd == at + 2)
    }

    /// Readtable-case :upcase for ASCII bytes.
    @inline(__always) static func upcaseASCII(_ bytes: inout [UInt8]) {
        for i in bytes.indices where bytes[i] &- UInt8(ascii: "a") < 26 { bytes[i] &-= 32 }
    }

    /// The general token reader: escapes, `|...|` and non-ASCII characters. `prefix` holds the
    /// plain ASCII characters `readToken` already read; `next` is the character after them.
    func readGeneralToken(prefix: [UInt8], next: Unicode.Scalar) throws(Unwind) -> Value {
        var chars = prefix.map { Unicode.Scalar($0) }
        var escaped = [Bool](repeating: false, count: prefix.count)
        var anyEscape = false
        var c: Unicode.Scalar? = next
        while let ch = c {
            if ch == "\\" {
                guard let e = try nextChar() else { try eofError("after \\ in a symbol") }
                chars.append(e); escaped.append(true); anyEscape = true
            } else if ch == "|" {
                anyEscape = true
                while true {
                    guard let e = try nextChar() else { try eofError("inside |...|") }
                    if e == "|" { break }
                    if e == "\\" {
                        guard let e2 = try nextChar() else { try eofError("inside |...|") }
                        chars.append(e2)
                    } else {
                        chars.append(e)
                    }
                    escaped.append(true)
                }
            } else if Reader.isTerminating(ch) {
                unreadChar(ch)
                break
            } else {
                chars.append(ch); escaped.append(false)
            }
            c = try nextChar()
        }
        if suppress { return .null }
        if !anyEscape {
            let text = String(String.UnicodeScalarView(chars))
            if let n = try parseNumber(Array(text.utf8)) { return n }
            if chars.allSatisfy({ $0 == "." }) {
                try readerError(chars.count == 1 ? "dot context error" : "too many dots")
            }
        }
        return try makeSymbol(chars, escaped)
    }

    /// Readtable-case :upcase for one character: `char-upcase`, one character to one (so `ß`,
    /// which has no one-character uppercase, stays `ß` as in SBCL, not `SS`).
    @inline(__always) static func appendUpcased(_ ch: Unicode.Scalar, to out: inout String.UnicodeScalarView) {
        out.append(CharactersLibrary.upcase(ch))
    }

    var suppress: Bool { Sym.readSuppress.value?.isTrue ?? false }

    /// The symbol named by a token's characters; `escaped` marks those that keep their case and
    /// cannot be package markers.
    func makeSymbol(_ chars: [Unicode.Scalar], _ escaped: [Bool]) throws(Unwind) -> Value {
        // Case-fold unescaped characters; find the unescaped package marker(s).
        var folded = String.UnicodeScalarView()
        var colonAt: Int? = nil
        var colons = 0
        for (i, ch) in chars.enumerated() {
            if ch == ":" && !escaped[i] {
                if colonAt == nil { colonAt = folded.count; colons = 1 } else if colons == 1 && colonAt == folded.count {
                    colons = 2
                } else {
                    try readerError("too many colons in \(String(String.UnicodeScalarView(chars)))")
                }
                continue
            }
            if escaped[i] { folded.append(ch) } else { Reader.appendUpcased(ch, to: &folded) }
        }
        guard let at = colonAt else { return try resolveSymbol(package: nil, name: String(folded), anyAccess: false) }
        let all = Array(folded)
        return try resolveSymbol(package: String(String.UnicodeScalarView(all[0..<at])),
                                 name: String(String.UnicodeScalarView(all[at...])), anyAccess: colons == 2)
    }

    /// The symbol a case-folded token names: `name` interned in the current package when there
    /// is no package marker (`pkgName` nil); after one, in package `pkgName` (the keyword package
    /// when empty), where it must be external unless the marker was `::` (`anyAccess`).
    func resolveSymbol(package pkgName: String?, name: String, anyAccess: Bool) throws(Unwind) -> Value {
        guard let pkgName else { return Value(currentPackage.intern(name).0) }
        if pkgName.isEmpty { return .symbol(rt.world.keyword(name)) }
        guard let pkg = rt.findPackageHere(pkgName) else {
            try rt.signalError(rt.makeCondition(StandardConditions.simpleReaderError,
                message: formatLiteral("READ error\(location()): package \(pkgName) does not exist"),
                slots: ["STREAM": streamValue]))
        }
        if anyAccess { return Value(pkg.intern(name).0) }
        if let (s, access) = pkg.find(name), access == .external { return Value(s) }
        if pkg === rt.world.keyword { return .symbol(rt.world.keyword(name)) }
        try readerError("symbol \(name) is not external in package \(pkg.name)")
    }

    var currentPackage: LispPackage {
        if case .object(let o)? = Sym.package.value, let p = o as? LispPackage { return p }
        return rt.world.clUser
    }

    var readBase: Int {
        if case .fixnum(let b)? = Sym.readBase.value, b >= 2, b <= 36 { return b }
        return 10
    }

    /// Whether a symbol name would be read as a number (the printer escapes such names).
    public static func looksLikeNumber(_ s: String, base: Int) -> Bool {
        numberValue(s, base: base, doubleDefault: false) != nil
    }

    /// The number token `u` (UTF-8) denotes under `*read-base*` and `*read-default-float-format*`.
    func parseNumber(_ u: [UInt8]) throws(Unwind) -> Value? {
        var dflt = false
        if let f = Sym.readDefaultFloatFormat.value?.asSymbol, f.name == "DOUBLE-FLOAT" || f.name == "LONG-FLOAT" {
            dflt = true
        }
        let v = Reader.numberValue(u, base: readBase, doubleDefault: dflt)
        switch v {
        case .single(let f)? where f.isInfinite:
            try readerError("floating-point number \(String(decoding: u, as: UTF8.self)) is too large")
        case .double(let d)? where d.isInfinite:
            try readerError("floating-point number \(String(decoding: u, as: UTF8.self)) is too large")
        case nil where Reader.isRatioWithZeroDenominator(u, base: readBase):
            try readerError("ratio \(String(decoding: u, as: UTF8.self)) has a zero denominator")
        default: return v
        }
    }

    /// `[sign] digits "/" zeros`: ratio syntax that denotes no number (a reader error, not a symbol).
    static func isRatioWithZeroDenominator(_ u: [UInt8], base: Int) -> Bool {
        guard let slash = u.firstIndex(of: UInt8(ascii: "/")) else { return false }
        var num = u[..<slash]
        if let f = num.first, f == UInt8(ascii: "+") || f == UInt8(ascii: "-") { num = num.dropFirst() }
        let den = u[(slash + 1)...]
        return !num.isEmpty && !den.isEmpty && num.allSatisfy({ asciiDigitValue($0, base) != nil })
            && den.allSatisfy { $0 == UInt8(ascii: "0") }
    }

    /// Parse CL number syntax (integers, ratios, floats) in `base`; nil if not a number.
    static func numberValue(_ s: String, base: Int, doubleDefault: Bool) -> Value? {
        numberValue(Array(s.utf8), base: base, doubleDefault: doubleDefault)
    }

    /// `numberValue` of a token's UTF-8 bytes.
    static func numberValue(_ u: [UInt8], base: Int, doubleDefault: Bool) -> Value? {
        if u.isEmpty { return nil }
        var i = 0
        var negative = false
        if u[0] == UInt8(ascii: "+") || u[0] == UInt8(ascii: "-") { negative = u[0] == UInt8(ascii: "-"); i = 1 }
        if i >= u.count { return nil }
        let digitVal = asciiDigitValue
        let body = u[i...]
        // Integer in read base, or ratio.
        if body.allSatisfy({ digitVal($0, base) != nil }) {
            return integerValue(String(decoding: body, as: UTF8.self), base: base, negative: negative)
        }
        if let slash = body.firstIndex(of: UInt8(ascii: "/")) {
            let num = u[i..<slash], den = u[(slash + 1)...]
            if !num.isEmpty, !den.isEmpty, num.allSatisfy({ digitVal($0, base) != nil }),
               den.allSatisfy({ digitVal($0, base) != nil }) {
                guard let n = integerValue(String(decoding: num, as: UTF8.self), base: base, negative: negative),
                      let d = integerValue(String(decoding: den, as: UTF8.self), base: base, negative: false),
                      !d.isZeroInteger
                else { return nil }
                return Numeric.makeRatio(n, d)
            }
            return nil
        }
        // Decimal integer with trailing dot.
        if body.count >= 2, body.last == UInt8(ascii: "."), body.dropLast().allSatisfy({ digitVal($0, 10) != nil }) {
            return integerValue(String(decoding: body.dropLast(), as: UTF8.self), base: 10, negative: negative)
        }
        // Float: digits* [. digits*] [exp]
        var j = body.startIndex
        var intDigits = 0, fracDigits = 0
        while j < u.count, digitVal(u[j], 10) != nil { j += 1; intDigits += 1 }
        if j < u.count, u[j] == UInt8(ascii: ".") {
            j += 1
            while j < u.count, digitVal(u[j], 10) != nil { j += 1; fracDigits += 1 }
        }
        if intDigits + fracDigits == 0 { return nil }
        var marker: UInt8 = 0
        var expText = ""
        if j < u.count {
            let m = u[j] | 0x20
            guard [UInt8(ascii: "e"), UInt8(ascii: "s"), UInt8(ascii: "f"), UInt8(ascii: "d"), UInt8(ascii: "l")].contains(m)
            else { return nil }
            marker = m
            j += 1
            let expStart = j
            if j < u.count, u[j] == UInt8(ascii: "+") || u[j] == UInt8(ascii: "-") { j += 1 }
            let digitsStart = j
            while j < u.count, digitVal(u[j], 10) != nil { j += 1 }
            if j == digitsStart || j != u.count { return nil }
            expText = String(decoding: u[expStart..<u.count], as: UTF8.self)
        } else if fracDigits == 0 {
            return nil  // "12." handled above; "." alone is not a number
        }
        let mantissa = String(decoding: u[i..<(marker == 0 ? u.count : u.firstIndex(where: { ($0 | 0x20) == marker && $0 > 57 })!)], as: UTF8.self)
        let text = (negative ? "-" : "") + mantissa + (expText.isEmpty ? "" : "e" + expText)
        let isDouble = marker == UInt8(ascii: "d") || marker == UInt8(ascii: "l") || (marker == 0 || marker == UInt8(ascii: "e")) && doubleDefault
        if isDouble {
            guard let d = Double(text) else { return nil }
            return .double(d)
        }
        guard let f = Float(text) else { return nil }
        return .single(f)
    }

    static func integerValue(_ digits: String, base: Int, negative: Bool) -> Value? {
        if let n = Int(digits, radix: base) { return .fixnum(negative ? -n : n) }
        guard let b = BigInt.parse(digits, radix: base) else { return nil }
        return Numeric.normalize(negative ? -b : b)
    }

    // MARK: # dispatch

    func readDispatch() throws(Unwind) -> Value? {
        var arg: Int? = nil
        var c = try nextChar()
        while let d = c, d.isASCII, let v = Int(String(d)) {
            // Saturate: absurd numeric arguments are rejected by the dispatch functions below.
            arg = min((arg ?? 0), 1 << 40) * 10 + v
            c = try nextChar()
        }
        guard let ch = c else { try eofError("after #") }
        switch ch {
        case "\\": return try readCharacter()
        case "'": return list(.symbol(Sym.function), try readRequired("after #'"))
        case "(":
            let items = try readList()
            if suppress { return .null }
            var arr = items.listArray
            if let n = arg, n > 1 << 24 { try readerError("vector length \(n) in #\(n)( is too large") }
            if let n = arg, n > arr.count {
                arr.append(contentsOf: repeatElement(arr.last ?? .null, count: n - arr.count))
            }
            return .vector(LispVector(arr))
        case "|":
            var depth = 1
            var prev: Unicode.Scalar = " "
            while depth > 0 {
                guard let d = try nextChar() else { try eofError("inside #| |# comment") }
                if prev == "|" && d == "#" { depth -= 1; prev = " "; continue }
                if prev == "#" && d == "|" { depth += 1; prev = " "; continue }
                prev = d
            }
            return nil
        case ":":
            guard let first = try nextChar() else { try eofError("after #:") }
            let tok = try readTokenChars(first: first)
            return .symbol(Symbol(name: tok))
        case ".":
            let form = try readRequired("after #.")
            if suppress { return .null }
            if !(Sym.readEval.value?.isTrue ?? true) { try readerError("#. is disabled (*read-eval* is NIL)") }
            return try rt.eval(form)
        case "+", "-":
            let feature = try withKeywordPackage { () throws(Unwind) -> Value in try readRequired("after #\(ch)") }
            let present = try featureTrue(feature)
            if present == (ch == "+") { return try readRequired("after #\(ch) feature") }
            let saved = Sym.readSuppress.value
            Sym.readSuppress.value = .t
            defer { Sym.readSuppress.value = saved }
            _ = try readRequired("after #\(ch) feature")
            return nil
        case "x", "X": return try readRational(16)
        case "b", "B": return try readRational(2)
        case "o", "O": return try readRational(8)
        case "r", "R":
            guard let b = arg, b >= 2, b <= 36 else { try readerError("bad radix for #r") }
            return try readRational(b)
        case "*":
            var bits: [Value] = []
            while let d = try peekChar(), d == "0" || d == "1" {
                _ = try nextChar()
                bits.append(.fixnum(d == "1" ? 1 : 0))
            }
            if let d = try peekChar(), !(d.value < 128 && Reader.isTerminatingASCII(d.value)) {
                try readerError("#* bit vector contains \(Character(d)), not a 0 or 1")
            }
            if let n = arg {
                // #n*bits: n elements, the last bit repeated to fill (CLHS 2.4.8.4).
                if bits.count > n { try readerError("#\(n)* bit vector has \(bits.count) bits, more than \(n)") }
                if bits.isEmpty && n > 0 { try readerError("#\(n)* needs at least one bit") }
                while bits.count < n { bits.append(bits[bits.count - 1]) }
            }
            return .vector(LispVector(bits, elementType: .symbol(World.shared.cl.internExternal("BIT"))))
        case "=":
            guard let n = arg else { try readerError("#= needs a label number") }
            let v = try readRequired("after #=")
            labels[n] = v
            return v
        case "#":
            guard let n = arg, let v = labels[n] else { try readerError("undefined label #\(arg ?? 0)#") }
            return v
        case "S", "s":
            let form = try readRequired("after #S")
            if suppress { return .null }
            guard case .cons = form, let maker = rt.structReaderHook else { try readerError("bad #S syntax") }
            return try maker(form)
        case "C", "c":
            let parts = try readRequired("after #C")
            if suppress { return .null }
            let items = parts.listArray
            guard items.count == 2, let z = Numeric.makeComplex(items[0], items[1]) else {
                try readerError("bad complex number syntax #C\(rt.printString(parts))")
            }
            return z
        case "P", "p":
            let s = try readRequired("after #P")
            return s
        case "A", "a":
            let contents = try readRequired("after #A")
            if suppress { return .null }
            guard let hook = rt.arrayReaderHook else { try readerError("#A is not supported") }
            return try hook(arg ?? 1, contents)
        default:
            try readerError("unknown dispatch character #\(ch)")
        }
    }

    func withKeywordPackage<T>(_ body: () throws(Unwind) -> T) throws(Unwind) -> T {
        let saved = Sym.package.value
        Sym.package.value = .object(rt.world.keyword)
        defer { Sym.package.value = saved }
        return try body()
    }

    /// Evaluate a feature expression against `*features*`.
    func featureTrue(_ f: Value) throws(Unwind) -> Bool {
        switch f {
        case .symbol(let s):
            let features = Sym.features.value ?? .null
            return features.listElements.contains { $0.asSymbol === s }
        case .cons(let c):
            guard let op = c.car.asSymbol else { try readerError("bad feature expression") }
            let args = c.cdr.listArray
            switch op.name {
            case "AND": for a in args where !(try featureTrue(a)) { return false }; return true
            case "OR": for a in args where try featureTrue(a) { return true }; return false
            case "NOT":
                guard args.count == 1 else { try readerError("bad feature expression") }
                return !(try featureTrue(args[0]))
            default: try readerError("bad feature expression \(op.name)")
            }
        case .null: return false
        default: try readerError("bad feature expression")
        }
    }

    func readTokenChars(first: Unicode.Scalar) throws(Unwind) -> String {
        var s = String.UnicodeScalarView()
        var c: Unicode.Scalar? = first
        while let ch = c {
            if ch == "\\" {
                guard let e = try nextChar() else { try eofError("in a token") }
                s.append(e)
            } else if ch == "|" {
                while let e = try nextChar(), e != "|" { s.append(e) }
            } else if Reader.isTerminating(ch) {
                unreadChar(ch)
                break
            } else {
                Reader.appendUpcased(ch, to: &s)
            }
            c = try nextChar()
        }
        return String(s)
    }

    func readRational(_ base: Int) throws(Unwind) -> Value {
        guard let first = try nextChar() else { try eofError("after radix prefix") }
        var s = String.UnicodeScalarView([first])
        while let c = try nextChar() {
            if Reader.isTerminating(c) { unreadChar(c); break }
            s.append(c)
        }
        if suppress { return .null }
        let text = String(s)
        if let v = Reader.numberValue(text, base: base, doubleDefault: false), v.isRationalValue { return v }
        try readerError("\(text) is not a rational number in radix \(base)")
    }

    func readCharacter() throws(Unwind) -> Value {
        guard let first = try nextChar() else { try eofError("after #\\") }
        var s = String.UnicodeScalarView([first])
        while let c = try nextChar() {
            if Reader.isTerminating(c) { unreadChar(c); break }
            s.append(c)
        }
        if suppress { return .null }
        if s.count == 1 { return .character(first) }
        let name = String(s)
        if let c = Reader.characterNamed(name) ?? CharactersLibrary.nameChar(name) { return .character(c) }
        try readerError("unrecognized character name: \(name)")
    }

    /// `name-char`: standard and semi-standard names, U+XXXX, ^X control names.
    public static func characterNamed(_ name: String) -> Unicode.Scalar? {
        let table: [String: UInt32] = [
            "SPACE": 32, "NEWLINE": 10, "TAB": 9, "RETURN": 13, "LINEFEED": 10, "PAGE": 12,
            "BACKSPACE": 8, "RUBOUT": 127, "DELETE": 127, "NUL": 0, "NULL": 0, "BELL": 7, "BEL": 7,
            "ESCAPE": 27, "ESC": 27, "ALTMODE": 27, "VT": 11,
        ]
        let up = name.uppercased()
        if let v = table[up] { return Unicode.Scalar(v) }
        if up.hasPrefix("U+") || (up.hasPrefix("U") && up.count > 1), let v = UInt32(up.dropFirst(up.hasPrefix("U+") ? 2 : 1), radix: 16) {
            return Unicode.Scalar(v)
        }
        if up.count == 2, up.hasPrefix("^"), let c = up.unicodeScalars.last, c.value >= 64, c.value < 96 {
            return Unicode.Scalar(c.value - 64)
        }
        if name.unicodeScalars.count == 1 { return name.unicodeScalars.first }
        return nil
    }
}

extension Value {
    var isZeroInteger: Bool {
        if case .fixnum(0) = self { return true }
        return false
    }
    var isRationalValue: Bool {
        switch self {
        case .fixnum, .bignum, .ratio: return true
        default: return false
        }
    }
}

extension Runtime {
    /// Read the first form of a Swift string (host convenience; errors propagate as Unwind).
    public func readFromString(_ s: String) throws(Unwind) -> Value {
        try Reader(rt: self, source: StringSource(s)).read()
    }

    func readFromStringForHost(_ s: String) throws -> Value {
        do { return try readFromString(s) } catch { throw HostError("read failed") }
    }
}
