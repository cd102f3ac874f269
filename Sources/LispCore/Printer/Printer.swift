/// The Lisp printer: `prin1`/`princ`/`write` semantics honouring the `*print-...*` variables.
/// Output goes to a `String` buffer; callers copy it to a stream.
public final class Printer {
    public let rt: Runtime
    public var out = ""
    public var escape: Bool
    public var readably: Bool
    public var base: Int
    public var radix: Bool
    /// :upcase, :downcase or :capitalize
    public var printCase: String
    public var length: Int?
    public var level: Int?
    public var gensym: Bool
    public var array: Bool
    var currentLevel = 0
    /// *print-circle*: objects that occur more than once, and the labels assigned so far.
    public var circle: Bool
    /// `*print-pretty*`: with it off, (QUOTE X) and (FUNCTION F) print as lists, as in SBCL.
    public var pretty: Bool
    var shared: Set<ObjectIdentifier> = []
    var labels: [ObjectIdentifier: Int] = [:]
    var scanned = false

    /// A printer with settings from the current dynamic values of the `*print-...*` variables.
    public init(rt: Runtime, escape: Bool? = nil) {
        self.rt = rt
        self.escape = escape ?? (Sym.printEscape.value?.isTrue ?? true)
        readably = Sym.printReadably.value?.isTrue ?? false
        if case .fixnum(let b)? = Sym.printBase.value, b >= 2, b <= 36 { base = b } else { base = 10 }
        radix = Sym.printRadix.value?.isTrue ?? false
        printCase = Sym.printCase.value?.asSymbol?.name ?? "UPCASE"
        if case .fixnum(let n)? = Sym.printLength.value { length = n } else { length = nil }
        if case .fixnum(let n)? = Sym.printLevel.value { level = n } else { level = nil }
        gensym = Sym.printGensym.value?.isTrue ?? true
        array = Sym.printArray.value?.isTrue ?? true
        circle = Sym.printCircle.value?.isTrue ?? false
        pretty = Sym.printPretty.value?.isTrue ?? true
        if readably { self.escape = true; length = nil; level = nil }
    }

    /// Find conses and vectors reachable more than once (for *print-circle*).
    func scan(_ root: Value) {
        var seen = Set<ObjectIdentifier>()
        var stack: [Value] = [root]
        while let v = stack.popLast() {
            switch v {
            case .cons(let c):
                var cell: Cons? = c
                while let cc = cell {
                    let id = ObjectIdentifier(cc)
                    if !seen.insert(id).inserted { shared.insert(id); break }
                    stack.append(cc.car)
                    if case .cons(let next) = cc.cdr { cell = next } else { stack.append(cc.cdr); cell = nil }
                }
            case .vector(let vec):
                let id = ObjectIdentifier(vec)
                if !seen.insert(id).inserted { shared.insert(id); continue }
                stack.append(contentsOf: vec.activeItems)
            default: break
            }
        }
    }

    /// With *print-circle*: print `#n#` for an already labelled object (returns true), or
    /// emit `#n=` before its first occurrence.
    func circleLabel(_ id: ObjectIdentifier) -> Bool {
        guard circle, shared.contains(id) else { return false }
        if let n = labels[id] { out += "#\(n)#"; return true }
        let n = labels.count + 1
        labels[id] = n
        out += "#\(n)="
        return false
    }

    public func print(_ v: Value) throws(Unwind) {
        if circle && !scanned {
            scanned = true
            scan(v)
        }
        switch v {
        case .null: printSymbol(Symbol.NIL)
        case .fixnum(let n): printInteger(String(n, radix: base, uppercase: true), isInteger: true)
        case .bignum(let b): printInteger(b.value.toString(radix: base), isInteger: true)
        case .ratio(let r):
            if radix { out += radixPrefix(forRatio: true) }
            out += r.numerator.toString(radix: base) + "/" + r.denominator.toString(radix: base)
        case .single(let f): out += FloatFormat.single(f)
        case .double(let d): out += FloatFormat.double(d)
        case .character(let c): printCharacter(c)
        case .symbol(let s): printSymbol(s)
        case .string(let s): printString(s)
        case .cons(let c): try printList(c)
        case .vector(let vec):
            if case .symbol(let et) = vec.elementType, et.name == "BIT", array || readably {
                out += "#*"
                for x in vec.activeItems { if case .fixnum(let b) = x { out += b == 0 ? "0" : "1" } }
                return
            }
            if circle && circleLabel(ObjectIdentifier(vec)) { return }
            try printVector(vec.activeItems.map { $0 })
        case .bytes(let b): try printVector(b.bytes[0..<b.count].map { .fixnum(Int($0)) })
        case .function(let f):
            if readably { try notReadable(v) }
            out += "#<FUNCTION \(Printer(rt: rt, escape: true).render(f.name))>"
        case .object(let o):
            if try o.printObject(self) { return }
            if readably { try notReadable(v) }
            out += "#<" + o.printUnreadable() + ">"
        case .box(let b): try print(b.value)
        }
    }

    func notReadable(_ v: Value) throws(Unwind) -> Never {
        try rt.signalError(rt.makeCondition(StandardConditions.printNotReadable,
                                            message: "\(rt.printStringUnreadably(v)) cannot be printed readably.",
                                            slots: ["OBJECT": v]))
    }

    /// Print `v` to a fresh string with these settings (no errors propagate: used for messages).
    public func render(_ v: Value) -> String {
        let saved = out
        out = ""
        scanned = false; shared = []; labels = [:]
        do { try print(v) } catch { out += "#<error printing>" }
        let r = out
        out = saved
        return r
    }

    func radixPrefix(forRatio: Bool) -> String {
        switch base {
        case 2: return "#b"
        case 8: return "#o"
        case 16: return "#x"
        case 10: return forRatio ? "#10r" : ""
        default: return "#\(base)r"
        }
    }

    func printInteger(_ digits: String, isInteger: Bool) {
        if radix {
            if base == 10 { out += digits + "."; return }
            out += radixPrefix(forRatio: false)
        }
        out += digits
    }

    /// Name of a character as SBCL's `char-name` returns it (the table lives in the characters
    /// library, shared with `char-name` and `name-char`).
    public static func characterName(_ c: Unicode.Scalar) -> String? { CharactersLibrary.charName(c) }

    func printCharacter(_ c: Unicode.Scalar) {
        guard escape else { out.unicodeScalars.append(c); return }
        out += "#\\"
        // SBCL 2.2.9 prints ASCII graphic characters and Space as themselves, all others by name
        // (Unicode names for non-ASCII); with *print-readably* every character prints by name.
        if c.value >= 32 && c.value < 127 && !readably { out.unicodeScalars.append(c) } else {
            out += CharactersLibrary.charName(c) ?? String(Character(c))
        }
    }

    func printString(_ s: LispString) {
        guard escape else { out += s.string; return }
        out += "\""
        for c in s.activeScalars {
            if c == "\"" || c == "\\" { out += "\\" }
            out.unicodeScalars.append(c)
        }
        out += "\""
    }

    // MARK: symbols

    func printSymbol(_ s: Symbol) {
        guard escape else { out += casedName(s.name, escaping: false); return }
        if let pkg = s.package {
            if pkg === rt.world.keyword {
                out += ":"
            } else if !isAccessible(s) {
                out += casedName(pkg.name, escaping: true)
                out += pkg.externals[s.name] === s ? ":" : "::"
            }
        } else if gensym || readably {
            out += "#:"
        }
        out += casedName(s.name, escaping: true)
    }

    func isAccessible(_ s: Symbol) -> Bool {
        guard case .object(let o)? = Sym.package.value, let cur = o as? LispPackage else { return true }
        return cur.find(s.name)?.0 === s
    }

    /// Apply `*print-case*` and escaping rules (|...| when the name would not read back as itself).
    func casedName(_ name: String, escaping: Bool) -> String {
        if escaping && needsBars(name) {
            var r = "|"
            for c in name.unicodeScalars {
                if c == "|" || c == "\\" { r += "\\" }
                r.unicodeScalars.append(c)
            }
            return r + "|"
        }
        switch printCase {
        case "DOWNCASE": return name.lowercased()
        case "CAPITALIZE":
            // Lowercase characters stay as they are; uppercase ones are capitalized per word.
            var r = String.UnicodeScalarView()
            var startWord = true
            for ch in name.unicodeScalars {
                let alnum = ch.properties.isAlphabetic || (ch.value >= 48 && ch.value <= 57)
                if alnum {
                    if ch.properties.isUppercase && !startWord {
                        r.append(contentsOf: String(ch).lowercased().unicodeScalars)
                    } else {
                        r.append(ch)
                    }
                    startWord = false
                } else {
                    r.append(ch)
                    startWord = true
                }
            }
            return String(r)
        default: return name
        }
    }

    func needsBars(_ name: String) -> Bool {
        if name.isEmpty { return true }
        for c in name.unicodeScalars {
            switch c {
            case " ", "\t", "\n", "\r", "(", ")", "'", "\"", ";", "`", ",", "|", "\\", ":", "#":
                return true
            default:
                // A character the reader would upcase (not every lowercase letter: `ß` has no
                // one-character uppercase and reads as itself).
                if CharactersLibrary.upcase(c) != c { return true }
                if c.value < 32 { return true }
            }
        }
        if name.unicodeScalars.allSatisfy({ $0 == "." }) { return true }
        return Reader.looksLikeNumber(name, base: base)
    }

    // MARK: lists and vectors

    func printList(_ c: Cons) throws(Unwind) {
        if circle && circleLabel(ObjectIdentifier(c)) { return }
        // Quote-like forms print in reader syntax, as SBCL does (QUOTE and FUNCTION only when
        // printing pretty; the backquote forms always, having no readable list form here).
        if case .symbol(let s) = c.car, case .cons(let rest) = c.cdr, case .null = rest.cdr {
            let prefix: String?
            switch s {
            case Sym.quote: prefix = pretty ? "'" : nil
            case Sym.function: prefix = pretty ? "#'" : nil
            case Sym.quasiquote: prefix = "`"
            case Sym.unquote: prefix = ","
            case Sym.unquoteSplicing: prefix = ",@"
            default: prefix = nil
            }
            if let p = prefix {
                out += p
                try print(rest.car)
                return
            }
        }
        if let lv = level, currentLevel >= lv { out += "#"; return }
        currentLevel += 1
        defer { currentLevel -= 1 }
        out += "("
        var p: Value = .cons(c)
        var n = 0
        // SBCL's pretty printer shows an empty lambda list / binding list as ().
        let emptyListAt = Printer.emptyListPosition(c.car)
        while case .cons(let cell) = p {
            if n > 0 && circle && shared.contains(ObjectIdentifier(cell)) { break }
            if n > 0 { out += " " }
            if let len = length, n >= len { out += "..."; out += ")"; return }
            if n == emptyListAt, cell.car.isNil { out += "()"; n += 1; p = cell.cdr; continue }
            try print(cell.car)
            n += 1
            p = cell.cdr
        }
        if !p.isNil {
            out += " . "
            try print(p)
        }
        out += ")"
    }

    /// Position of the lambda list (or binding list) in forms SBCL pretty-prints with `()`.
    static func emptyListPosition(_ head: Value) -> Int? {
        guard case .symbol(let s) = head, s.package === World.shared.cl else { return nil }
        switch s.name {
        case "DEFUN", "DEFMACRO", "DEFGENERIC", "DEFMETHOD", "DESTRUCTURING-BIND": return 2
        case "LAMBDA", "LET", "LET*", "FLET", "LABELS", "MACROLET", "SYMBOL-MACROLET", "MULTIPLE-VALUE-BIND": return 1
        default: return nil
        }
    }

    func printVector(_ items: [Value]) throws(Unwind) {
        if !array && !readably {
            out += "#<VECTOR \(items.count)>"
            return
        }
        if let lv = level, currentLevel >= lv { out += "#"; return }
        currentLevel += 1
        defer { currentLevel -= 1 }
        out += "#("
        for (i, v) in items.enumerated() {
            if i > 0 { out += " " }
            if let len = length, i >= len { out += "..."; break }
            try print(v)
        }
        out += ")"
    }
}

extension Runtime {
    /// `prin1-to-string` with the current print settings (never signals: for messages).
    public func printString(_ v: Value) -> String { Printer(rt: self, escape: true).render(v) }
    /// `prin1` output with `*print-readably*` off (for error messages about unreadable objects).
    public func printStringUnreadably(_ v: Value) -> String {
        let p = Printer(rt: self, escape: true)
        p.readably = false
        return p.render(v)
    }
    /// `princ-to-string` (never signals).
    public func princString(_ v: Value) -> String { Printer(rt: self, escape: false).render(v) }
}
