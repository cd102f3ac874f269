/// FORMAT: the interpreter of parsed control strings (see FormatParse.swift), the two public entry
/// points, and the directive implementations except floats (FormatFloat.swift).

extension Runtime {
    /// Format with a control string to a Swift string.
    public func formatToString(_ control: String, _ args: [Value]) throws(Unwind) -> String {
        try formatToStringLisp(self, control, args)
    }
}

func formatToStringLisp(_ rt: Runtime, _ control: String, _ args: [Value]) throws(Unwind) -> String {
    let f = FormatInterpreter(rt: rt, control: control, column: 0)
    _ = try f.run(args)
    return f.out
}

/// The condition class signalled for malformed control strings and bad directive arguments.
enum FormatErrors {
    nonisolated(unsafe) static let formatError: ConditionClass = {
        let sym = World.shared.system.internExternal("FORMAT-ERROR")
        return ConditionRegistry.shared.define(sym, parents: [StandardConditions.error], slots: [])
    }()
}

final class FArgs {
    var items: [Value]
    var pos = 0
    init(_ items: [Value]) { self.items = items }
    var remaining: Int { max(0, items.count - pos) }
}

enum FOutcome { case ok, up, upColon }

final class FormatInterpreter {
    let rt: Runtime
    let control: String
    var out = ""
    var col: Int
    /// Parsed control strings, cached by text (format is often called in loops).
    nonisolated(unsafe) static var cache: [String: [FNode]] = [:]
    /// For ~:^ inside ~:{: the list of remaining sublists.
    var outerArgs: FArgs?
    /// `control` already parsed (from `FormatCache`), or nil to parse it in `run`.
    let preparsed: [FNode]?

    init(rt: Runtime, control: String, column: Int, nodes: [FNode]? = nil) {
        self.rt = rt
        self.control = control
        col = column
        preparsed = nodes
    }

    func fail(_ msg: String, _ pos: Int = -1) throws(Unwind) -> Never {
        var m = "error in FORMAT: \(msg)\n  \(control)"
        if pos >= 0 { m += "\n  " + String(repeating: " ", count: pos) + "^" }
        try rt.signalError(rt.makeCondition(FormatErrors.formatError, message: "~a", args: [Value(m)],
                                            slots: ["CONTROL-STRING": Value(control)]))
    }

    func parse(_ control: String) throws(Unwind) -> [FNode] {
        if let c = FormatInterpreter.cache[control] { return c }
        var p = FormatParser(control) { (m: String, at: Int) throws(Unwind) -> Never in
            var msg = "error in FORMAT: \(m)\n  \(control)"
            if at >= 0 { msg += "\n  " + String(repeating: " ", count: at) + "^" }
            try self.rt.signalError(self.rt.makeCondition(FormatErrors.formatError, message: "~a", args: [Value(msg)],
                                                          slots: ["CONTROL-STRING": Value(control)]))
        }
        let (nodes, _) = try p.parse(until: [])
        if FormatInterpreter.cache.count > 2000 { FormatInterpreter.cache.removeAll() }
        FormatInterpreter.cache[control] = nodes
        return nodes
    }

    /// Run the whole control string; returns the unconsumed arguments.
    func run(_ args: [Value]) throws(Unwind) -> FArgs {
        let nodes: [FNode]
        if let pre = preparsed { nodes = pre } else { nodes = try parse(control) }
        let a = FArgs(args)
        _ = try exec(nodes, a)
        return a
    }

    @inline(__always) func emit(_ s: String) {
        out += s
        for c in s.unicodeScalars {
            if c == "\n" { col = 0 } else { col += 1 }
        }
    }
    func emitChar(_ c: Unicode.Scalar, _ n: Int = 1) {
        guard n > 0 else { return }
        for _ in 0..<n { out.unicodeScalars.append(c) }
        if c == "\n" { col = 0 } else { col += n }
    }

    /// Run `body` into a separate buffer, returning its text (column tracking continues from here).
    func capture(_ body: () throws(Unwind) -> FOutcome) throws(Unwind) -> (String, FOutcome) {
        let saved = out, savedCol = col
        out = ""
        let r: FOutcome
        do throws(Unwind) { r = try body() } catch { out = saved; col = savedCol; throw error }
        let text = out
        out = saved
        col = savedCol
        return (text, r)
    }

    // MARK: arguments and parameters

    func next(_ a: FArgs, _ d: FDirective) throws(Unwind) -> Value {
        guard a.pos < a.items.count else { try fail("no more arguments", d.start) }
        a.pos += 1
        return a.items[a.pos - 1]
    }

    func resolve(_ d: FDirective, _ a: FArgs) throws(Unwind) -> [Value?] {
        var r: [Value?] = []
        for p in d.params {
            switch p {
            case .none: r.append(nil)
            case .int(let n): r.append(.fixnum(n))
            case .char(let c): r.append(.character(c))
            case .v:
                let v = try next(a, d)
                r.append(v.isNil ? nil : v)
            case .hash: r.append(.fixnum(a.remaining))
            }
        }
        return r
    }

    func intP(_ p: [Value?], _ i: Int, _ d: FDirective) throws(Unwind) -> Int? {
        guard i < p.count, let v = p[i] else { return nil }
        if case .fixnum(let n) = v { return n }
        try fail("parameter \(i + 1) must be an integer, not \(rt.printString(v))", d.start)
    }
    func intP(_ p: [Value?], _ i: Int, _ d: FDirective, _ def: Int) throws(Unwind) -> Int {
        try intP(p, i, d) ?? def
    }
    func charP(_ p: [Value?], _ i: Int, _ d: FDirective, _ def: Unicode.Scalar?) throws(Unwind) -> Unicode.Scalar? {
        guard i < p.count, let v = p[i] else { return def }
        if case .character(let c) = v { return c }
        try fail("parameter \(i + 1) must be a character, not \(rt.printString(v))", d.start)
    }
    func checkParams(_ p: [Value?], _ max: Int, _ d: FDirective) throws(Unwind) {
        if p.count > max { try fail("too many parameters, expected no more than \(max)", d.start) }
    }

    // MARK: execution

    func exec(_ nodes: [FNode], _ a: FArgs) throws(Unwind) -> FOutcome {
        for n in nodes {
            switch n {
            case .text(let s): emit(s)
            case .dir(let d):
                let r = try execDirective(d, a)
                if r != .ok { return r }
            }
        }
        return .ok
    }

    func princ(_ v: Value) throws(Unwind) -> String {
        let p = Printer(rt: rt, escape: false)
        try p.print(v)
        return p.out
    }
    func prin1(_ v: Value) throws(Unwind) -> String {
        let p = Printer(rt: rt, escape: true)
        try p.print(v)
        return p.out
    }

    /// SBCL format-write-field.
    func writeField(_ s: String, _ mincol: Int, _ colinc: Int, _ minpad: Int, _ pad: Unicode.Scalar,
                    _ padLeft: Bool, _ d: FDirective) throws(Unwind) {
        if colinc <= 0 { try fail("colinc must be positive", d.start) }
        if mincol < 0 { try fail("mincol must be non-negative", d.start) }
        if !padLeft { emit(s) }
        emitChar(pad, minpad)
        var chars = s.unicodeScalars.count + max(minpad, 0)
        while chars < mincol { emitChar(pad, colinc); chars += colinc }
        if padLeft { emit(s) }
    }

    func execDirective(_ d: FDirective, _ a: FArgs) throws(Unwind) -> FOutcome {
        let p = try resolve(d, a)
        switch d.ch {
        case "A", "S":
            try checkParams(p, 4, d)
            let v = try next(a, d)
            let s: String
            if d.colon && v.isNil { s = "()" } else { s = d.ch == "A" ? try princ(v) : try prin1(v) }
            if p.isEmpty { emit(s); return .ok }
            try writeField(s, intP(p, 0, d, 0), intP(p, 1, d, 1), intP(p, 2, d, 0), charP(p, 3, d, " ")!, d.at, d)
        case "W":
            let v = try next(a, d)
            let pr = Printer(rt: rt)
            try pr.print(v)
            emit(pr.out)
        case "D": try formatInteger(d, p, a, base: 10, paramOffset: 0)
        case "B": try formatInteger(d, p, a, base: 2, paramOffset: 0)
        case "O": try formatInteger(d, p, a, base: 8, paramOffset: 0)
        case "X": try formatInteger(d, p, a, base: 16, paramOffset: 0)
        case "R":
            if let base = try intP(p, 0, d) {
                if base < 2 || base > 36 { try fail("radix must be between 2 and 36, not \(base)", d.start) }
                try formatInteger(d, p, a, base: base, paramOffset: 1)
            } else {
                try formatRadixWords(d, a)
            }
        case "C":
            let v = try next(a, d)
            guard case .character(let c) = v else { try fail("the argument to ~C must be a character, not \(rt.printString(v))", d.start) }
            if d.at && !d.colon { emit(try prin1(v)) }
            else if d.colon {
                if c.value > 32 && c.value != 127 && !(c.value >= 128 && c.value < 160) { emitChar(c) }
                else if let n = Printer.characterName(c) { emit(capitalize(n)) }
                else { emitChar(c) }
            } else { emitChar(c) }
        case "P":
            if d.colon {
                if a.pos == 0 { try fail("no previous argument", d.start) }
                a.pos -= 1
            }
            let v = try next(a, d)
            let one: Bool
            if case .fixnum(1) = v { one = true } else { one = false }
            if d.at { emit(one ? "y" : "ies") } else if !one { emit("s") }
        case "F":
            try checkParams(p, 5, d)
            let v = try next(a, d)
            let w = try intP(p, 0, d), dd = try intP(p, 1, d), k = try intP(p, 2, d)
            let ovf = try charP(p, 3, d, nil), pad = try charP(p, 4, d, " ")!
            // Not a real: printed as by ~wD, i.e. ~A in a field of w, padded on the right (as SBCL).
            if let x = try floatArg(v) { fixedAux(x, w, dd, k, ovf, pad, d.at) }
            else { try writeField(try princ(v), w ?? 0, 1, 0, " ", false, d) }
        case "E", "G":
            try checkParams(p, 7, d)
            let v = try next(a, d)
            let w = try intP(p, 0, d), dd = try intP(p, 1, d), e = try intP(p, 2, d), k = try intP(p, 3, d)
            let ovf = try charP(p, 4, d, nil), pad = try charP(p, 5, d, " ")!, marker = try charP(p, 6, d, nil)
            if let x = try floatArg(v) {
                if d.ch == "E" { expAux(x, w, dd, e, k ?? 1, ovf, pad, marker, d.at) }
                else { generalAux(x, w, dd, e, k, ovf, pad, marker, d.at) }
            } else { try writeField(try princ(v), w ?? 0, 1, 0, " ", false, d) }  // as ~F
        case "$":
            try checkParams(p, 4, d)
            let v = try next(a, d)
            let dd = try intP(p, 0, d, 2), n = try intP(p, 1, d, 1), w = try intP(p, 2, d, 0)
            let pad = try charP(p, 3, d, " ")!
            if let x = try floatArg(v) { dollars(x, dd, n, w, pad, d.colon, d.at) }
            else { try writeField(try princ(v), w, 1, 0, " ", true, d) }
        case "%":
            try checkParams(p, 1, d)
            emitChar("\n", try intP(p, 0, d, 1))
        case "&":
            try checkParams(p, 1, d)
            let n = try intP(p, 0, d, 1)
            if n > 0 {
                if col != 0 { emitChar("\n") }
                emitChar("\n", n - 1)
            }
        case "|":
            try checkParams(p, 1, d)
            emitChar("\u{0C}", try intP(p, 0, d, 1))
        case "~":
            try checkParams(p, 1, d)
            emitChar("~", try intP(p, 0, d, 1))
        case "T":
            try checkParams(p, 2, d)
            if d.at {
                let colrel = try intP(p, 0, d, 1), colinc = try intP(p, 1, d, 1)
                let spaces = colinc > 0 ? ((col + colrel + colinc - 1) / colinc) * colinc - col : colrel
                emitChar(" ", spaces)
            } else {
                let colnum = try intP(p, 0, d, 1), colinc = try intP(p, 1, d, 1)
                if col < colnum { emitChar(" ", colnum - col) }
                else if colinc > 0 { emitChar(" ", colinc - (col - colnum) % colinc) }
            }
        case "*":
            try checkParams(p, 1, d)
            if d.at {
                let n = try intP(p, 0, d, 0)
                if n < 0 || n > a.items.count { try fail("index \(n) is out of bounds; should have been between 0 and \(a.items.count)", d.start) }
                a.pos = n
            } else if d.colon {
                let n = try intP(p, 0, d, 1)
                if a.pos - n < 0 { try fail("no previous argument", d.start) }
                a.pos -= n
            } else {
                let n = try intP(p, 0, d, 1)
                if a.pos + n > a.items.count { try fail("no more arguments", d.start) }
                a.pos += n
            }
        case "?":
            let ctl = try next(a, d)
            if d.at {
                try callControl(ctl, a, d)
            } else {
                let lst = try next(a, d)
                guard lst.isList else { try fail("the argument to ~? must be a list, not \(rt.printString(lst))", d.start) }
                try callControl(ctl, FArgs(lst.listArray), d)
            }
        case "(":
            let (text, r) = try capture { () throws(Unwind) -> FOutcome in try exec(d.clauses[0], a) }
            let conv: String
            if d.colon && d.at { conv = text.uppercased() }
            else if d.colon { conv = capitalize(text) }
            else if d.at { conv = capitalizeFirst(text) }
            else { conv = text.lowercased() }
            emit(conv)
            return r
        case "[": return try conditional(d, p, a)
        case "{": try iteration(d, p, a)
        case "<": return try justification(d, p, a)
        case "^":
            let cond: Bool
            let n0 = p.count > 0 ? p[0] : nil, n1 = p.count > 1 ? p[1] : nil, n2 = p.count > 2 ? p[2] : nil
            if let x = n0, let y = n1, let z = n2 {
                let c1 = try compareLE(x, y, d)
                let c2 = try compareLE(y, z, d)
                cond = c1 && c2
            } else if let x = n0, let y = n1 {
                cond = equal(x, y)
            } else if let x = n0 {
                if case .fixnum(let n) = x { cond = n == 0 } else { cond = false }
            } else if p.count > 0 && n0 == nil && p.count == 1 {
                cond = false   // ~v^ with NIL: not terminating
            } else {
                cond = d.colon ? (outerArgs?.remaining ?? 0) == 0 : a.remaining == 0
            }
            if cond { return d.colon ? .upColon : .up }
        case "I", "_": break
        case "/": try callUserFunction(d, p, a)
        case "\n": break
        default:
            try fail("unknown format directive ~\(Character(d.ch))", d.start)
        }
        return .ok
    }

    func compareLE(_ x: Value, _ y: Value, _ d: FDirective) throws(Unwind) -> Bool {
        if case .fixnum(let a) = x, case .fixnum(let b) = y { return a <= b }
        if case .character(let a) = x, case .character(let b) = y { return a.value <= b.value }
        try fail("parameters to ~^ must be integers or characters", d.start)
    }

    func callControl(_ ctl: Value, _ a: FArgs, _ d: FDirective) throws(Unwind) {
        switch ctl {
        case .string(let s):
            let nodes = try parse(s.string)
            let savedOuter = outerArgs
            defer { outerArgs = savedOuter }
            _ = try exec(nodes, a)
        case .function(let fn):
            let so = StringOutputStream()
            so.column = col
            let rest = Array(a.items[min(a.pos, a.items.count)...])
            let tail = try rt.apply(fn, [.object(so)] + rest)
            emit(so.contents)
            a.pos = a.items.count - min(tail.listArray.count, rest.count)
        default:
            try fail("the control argument must be a string or function, not \(rt.printString(ctl))", d.start)
        }
    }

    func callUserFunction(_ d: FDirective, _ p: [Value?], _ a: FArgs) throws(Unwind) {
        var name = d.funName.uppercased()
        var pkg = rt.world.findPackage("COMMON-LISP-USER")
        if let c = name.firstIndex(of: ":") {
            pkg = rt.world.findPackage(String(name[..<c]))
            name = String(name[c...].drop(while: { $0 == ":" }))
        }
        guard let pk = pkg, let (sym, _) = pk.find(name) else { try fail("no function named \(d.funName)", d.start) }
        let fn = try rt.coerceToFunction(.symbol(sym))
        let v = try next(a, d)
        let so = StringOutputStream()
        so.column = col
        var args: [Value] = [.object(so), v, .bool(d.colon), .bool(d.at)]
        for x in p { args.append(x ?? .null) }
        _ = try rt.apply(fn, args)
        emit(so.contents)
    }

    // MARK: integers

    func formatInteger(_ d: FDirective, _ p: [Value?], _ a: FArgs, base: Int, paramOffset o: Int) throws(Unwind) {
        try checkParams(p, 4 + o, d)
        let v = try next(a, d)
        let mincol = try intP(p, o, d, 0)
        let pad = try charP(p, o + 1, d, " ")!
        let comma = try charP(p, o + 2, d, ",")!
        let interval = try intP(p, o + 3, d, 3)
        var digits: String
        var neg = false
        switch v {
        case .fixnum(let n):
            neg = n < 0
            digits = String(n.magnitude, radix: base, uppercase: true)
        case .bignum(let b):
            digits = b.value.toString(radix: base)
            if digits.hasPrefix("-") { neg = true; digits.removeFirst() }
        default:
            // Non-integers print as if by ~A with *print-base* bound, and (as in SBCL) without
            // the mincol padding.
            let pr = Printer(rt: rt, escape: false)
            pr.base = base
            pr.radix = false
            try pr.print(v)
            emit(pr.out)
            return
        }
        if d.colon && interval > 0 {
            let ds = Array(digits.unicodeScalars)
            var r = String.UnicodeScalarView()
            for (i, c) in ds.enumerated() {
                if i > 0 && (ds.count - i) % interval == 0 { r.append(comma) }
                r.append(c)
            }
            digits = String(r)
        }
        if neg { digits = "-" + digits } else if d.at { digits = "+" + digits }
        try writeField(digits, mincol, 1, 0, pad, true, d)
    }

    static let ones = ["", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    static let teens = ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
                        "eighteen", "nineteen"]
    static let tens = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
    static let ordOnes = ["", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"]
    static let ordTens = ["", "tenth", "twentieth", "thirtieth", "fortieth", "fiftieth", "sixtieth", "seventieth",
                          "eightieth", "ninetieth"]
    static let periods = ["", " thousand", " million", " billion", " trillion", " quadrillion", " quintillion",
                          " sextillion", " septillion", " octillion", " nonillion", " decillion",
                          " undecillion", " duodecillion", " tredecillion", " quattuordecillion",
                          " quindecillion", " sexdecillion", " septendecillion", " octodecillion",
                          " novemdecillion", " vigintillion"]

    func smallCardinal(_ n: Int) -> String {
        var r = ""
        let h = n / 100, rem = n % 100
        if h > 0 { r += FormatInterpreter.ones[h] + " hundred"; if rem > 0 { r += " " } }
        if rem > 0 {
            let t = rem / 10, o = rem % 10
            if t >= 2 { r += FormatInterpreter.tens[t]; if o > 0 { r += "-" + FormatInterpreter.ones[o] } }
            else if t == 1 { r += FormatInterpreter.teens[o] }
            else { r += FormatInterpreter.ones[o] }
        }
        return r
    }

    /// Cardinal English of a non-negative decimal digit string (any size up to 10^66).
    func cardinalDigits(_ digits: String) -> String? {
        let ds = Array(digits.utf8).map { Int($0) - 48 }
        if ds.allSatisfy({ $0 == 0 }) { return "zero" }
        var groups: [Int] = []
        var i = ds.count
        while i > 0 {
            let lo = max(0, i - 3)
            groups.append(ds[lo..<i].reduce(0) { $0 * 10 + $1 })
            i = lo
        }
        if groups.count > FormatInterpreter.periods.count { return nil }
        var parts: [String] = []
        for (k, g) in groups.enumerated().reversed() where g != 0 {
            parts.append(smallCardinal(g) + FormatInterpreter.periods[k])
        }
        return parts.joined(separator: " ")
    }

    func ordinalDigits(_ digits: String) -> String? {
        var r = ""
        let ds = Array(digits.utf8).map { Int($0) - 48 }
        let bot = ds.suffix(2).reduce(0) { $0 * 10 + $1 }
        let topZero = ds.dropLast(2).allSatisfy { $0 == 0 }
        if !topZero {
            guard let c = cardinalDigits(String(digits.dropLast(2)) + "00") else { return nil }
            r += c
            if bot > 0 { r += " " }
        }
        let t = bot / 10, o = bot % 10
        if bot == 12 { r += "twelfth" }
        else if t == 1 { r += FormatInterpreter.teens[o] + "th" }
        else if t == 0 && o > 0 { r += FormatInterpreter.ordOnes[o] }
        else if o == 0 && t > 0 { r += FormatInterpreter.ordTens[t] }
        else if bot > 0 { r += FormatInterpreter.tens[t] + "-" + FormatInterpreter.ordOnes[o] }
        else if !topZero { r += "th" }
        else { r += "zeroth" }
        return r
    }

    func roman(_ n: Int, old: Bool) -> String {
        var r = ""
        var x = n
        let vals: [(Int, String)] = old
            ? [(1000, "M"), (500, "D"), (100, "C"), (50, "L"), (10, "X"), (5, "V"), (1, "I")]
            : [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
               (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
        for (v, s) in vals { while x >= v { r += s; x -= v } }
        return r
    }

    func formatRadixWords(_ d: FDirective, _ a: FArgs) throws(Unwind) {
        let v = try next(a, d)
        var digits: String
        switch v {
        case .fixnum(let n): digits = String(n)
        case .bignum(let b): digits = b.value.toString(radix: 10)
        default: try fail("the argument to ~R must be an integer, not \(rt.printString(v))", d.start)
        }
        let neg = digits.hasPrefix("-")
        if neg { digits.removeFirst() }
        if d.at {
            let old = d.colon
            guard case .fixnum(let n) = v, n >= 1, n <= (old ? 4999 : 3999) else {
                try fail("number too large to print in \(old ? "old " : "")Roman numerals: \(rt.printString(v))", d.start)
            }
            emit(roman(n, old: old))
            return
        }
        guard let words = d.colon ? ordinalDigits(digits) : cardinalDigits(digits) else {
            try fail("number too large to print in English: \(rt.printString(v))", d.start)
        }
        emit((neg ? "negative " : "") + words)
    }

    // MARK: case conversion

    func capitalize(_ s: String) -> String {
        var r = String.UnicodeScalarView()
        var inWord = false
        for c in s.unicodeScalars {
            let alnum = c.properties.isAlphabetic || (c.value >= 48 && c.value <= 57)
            if alnum {
                if inWord { r.append(contentsOf: String(c).lowercased().unicodeScalars) }
                else { r.append(contentsOf: String(c).uppercased().unicodeScalars) }
                inWord = true
            } else {
                r.append(c)
                inWord = false
            }
        }
        return String(r)
    }

    func capitalizeFirst(_ s: String) -> String {
        var r = String.UnicodeScalarView()
        var done = false
        for c in s.unicodeScalars {
            let alnum = c.properties.isAlphabetic || (c.value >= 48 && c.value <= 57)
            if !done && alnum {
                r.append(contentsOf: String(c).uppercased().unicodeScalars)
                done = true
            } else {
                r.append(contentsOf: String(c).lowercased().unicodeScalars)
            }
        }
        return String(r)
    }

    // MARK: conditionals, iteration, justification

    func conditional(_ d: FDirective, _ p: [Value?], _ a: FArgs) throws(Unwind) -> FOutcome {
        if d.colon && d.at { try fail("cannot specify both colon and at-sign for ~[", d.start) }
        if d.colon {
            if d.clauses.count != 2 { try fail("must specify exactly two sections for ~:[", d.start) }
            let v = try next(a, d)
            return try exec(d.clauses[v.isNil ? 0 : 1], a)
        }
        if d.at {
            if d.clauses.count != 1 { try fail("can only specify one section for ~@[", d.start) }
            let v = try next(a, d)
            if v.isNil { return .ok }
            a.pos -= 1
            return try exec(d.clauses[0], a)
        }
        var idx: Int
        if let n = try intP(p, 0, d) { idx = n } else {
            let v = try next(a, d)
            guard case .fixnum(let n) = v else { try fail("the argument to ~[ must be an integer, not \(rt.printString(v))", d.start) }
            idx = n
        }
        let n = d.clauses.count
        if d.defaultClause {
            if idx < 0 || idx >= n - 1 { idx = n - 1 }
        } else if idx < 0 || idx >= n {
            return .ok
        }
        return try exec(d.clauses[idx], a)
    }

    func iteration(_ d: FDirective, _ p: [Value?], _ a: FArgs) throws(Unwind) {
        try checkParams(p, 1, d)
        let maxIter = try intP(p, 0, d)
        var body = d.clauses[0]
        if body.isEmpty {
            let ctl = try next(a, d)
            guard case .string(let s) = ctl else { try fail("the control argument to ~{~} must be a string", d.start) }
            body = try parse(s.string)
        }
        let src: FArgs
        if d.at { src = a } else {
            let lst = try next(a, d)
            guard lst.isList else { try fail("the argument to ~{ must be a list, not \(rt.printString(lst))", d.start) }
            src = FArgs(lst.listArray)
        }
        var count = 0
        let savedOuter = outerArgs
        defer { outerArgs = savedOuter }
        while true {
            if let m = maxIter, count >= m { break }
            if src.remaining == 0 && !(d.closeColon && count == 0) { break }
            count += 1
            if d.colon {
                let sub = src.remaining > 0 ? src.items[src.pos] : .null
                if src.remaining > 0 { src.pos += 1 }
                guard sub.isList else { try fail("the argument to ~:{ must be a list of lists, not \(rt.printString(sub))", d.start) }
                outerArgs = src
                let r = try exec(body, FArgs(sub.listArray))
                if r == .upColon { break }
            } else {
                let r = try exec(body, src)
                if r != .ok { break }
            }
        }
    }

    func justification(_ d: FDirective, _ p: [Value?], _ a: FArgs) throws(Unwind) -> FOutcome {
        try checkParams(p, 4, d)
        let mincol = try intP(p, 0, d, 0), colinc = try intP(p, 1, d, 1), minpad = try intP(p, 2, d, 0)
        let padchar = try charP(p, 3, d, " ")!
        if d.closeColon {
            // ~<prefix~;body~;suffix~:> is a logical block (no pretty-printing here): print the
            // prefix, the body over the list argument (or the remaining ones with ~@<), the suffix.
            let src: FArgs
            if d.at { src = a } else {
                let v = try next(a, d)
                src = FArgs(v.isList ? v.listArray : [v])
            }
            let n = d.clauses.count
            func literal(_ c: [FNode]) -> String {
                var t = ""
                for node in c { if case .text(let x) = node { t += x } }
                return t
            }
            if n >= 2 { emit(literal(d.clauses[0])) }
            _ = try exec(d.clauses[n >= 2 ? 1 : 0], src)
            if n >= 3 { emit(literal(d.clauses[2])) }
            return .ok
        }
        var segs: [String] = []
        var prefix: String? = nil
        var result = FOutcome.ok
        for (i, c) in d.clauses.enumerated() {
            let (text, r) = try capture { () throws(Unwind) -> FOutcome in try exec(c, a) }
            if r != .ok { result = r; break }
            if i == 0 && d.defaultClause { prefix = text } else { segs.append(text) }
        }
        _ = result
        let padLeft = d.colon, padRight = d.at
        var numGaps = segs.count - 1 + (padLeft ? 1 : 0) + (padRight ? 1 : 0)
        let chars = numGaps * minpad + segs.reduce(0) { $0 + $1.unicodeScalars.count }
        let length = chars > mincol ? mincol + ((chars - mincol + colinc - 1) / max(colinc, 1)) * colinc : mincol
        var padding = length - chars + numGaps * minpad
        if let pre = prefix {
            var extra = 0, lineLen = 72
            if d.sepParams.count > 0, case .int(let n) = d.sepParams[0] { extra = n }
            if d.sepParams.count > 1, case .int(let n) = d.sepParams[1] { lineLen = n }
            if col + length + extra > lineLen { emit(pre) }
        }
        func doPadding() {
            let padLen = numGaps == 0 ? padding : padding / numGaps
            padding -= padLen
            numGaps -= 1
            emitChar(padchar, padLen)
        }
        if padLeft || (!padRight && segs.count == 1) { doPadding() }
        if !segs.isEmpty {
            emit(segs[0])
            for s in segs.dropFirst() { doPadding(); emit(s) }
        }
        if padRight { doPadding() }
        return .ok
    }
}
