/// FORMAT control-string parsing into a directive tree.

enum FParam {
    case none
    case int(Int)
    case char(Unicode.Scalar)
    case v
    case hash
}

final class FDirective {
    let ch: Unicode.Scalar          // upper-cased directive character
    var params: [FParam]
    var colon: Bool
    var at: Bool
    let start: Int                  // offset in the control string (for error messages)
    /// Compound directives: clauses (~[ ~< have several; ~{ ~( have one).
    var clauses: [[FNode]] = []
    /// ~[: the last clause is the default (~:;).  ~<: the first clause is a ~:; prefix.
    var defaultClause = false
    /// Parameters of the ~:; separator inside ~< (extra space, line length).
    var sepParams: [FParam] = []
    /// The closing directive's modifiers (~:} etc.).
    var closeColon = false
    var closeAt = false
    /// ~/name/
    var funName = ""
    init(ch: Unicode.Scalar, params: [FParam], colon: Bool, at: Bool, start: Int) {
        self.ch = ch; self.params = params; self.colon = colon; self.at = at; self.start = start
    }
}

enum FNode {
    case text(String)
    case dir(FDirective)
}

struct FormatParser {
    let s: [Unicode.Scalar]
    var i = 0
    let fail: (String, Int) throws(Unwind) -> Never

    init(_ control: String, fail: @escaping (String, Int) throws(Unwind) -> Never) {
        s = Array(control.unicodeScalars)
        self.fail = fail
    }

    /// Parse until one of `closers` (upper-cased directive chars) or the end; returns the nodes and
    /// the terminating directive (nil at end of string).
    mutating func parse(until closers: Set<Unicode.Scalar>) throws(Unwind) -> ([FNode], FDirective?) {
        var nodes: [FNode] = []
        var text = String.UnicodeScalarView()
        func flush() { if !text.isEmpty { nodes.append(.text(String(text))); text = String.UnicodeScalarView() } }
        while i < s.count {
            let c = s[i]
            if c != "~" { text.append(c); i += 1; continue }
            let d = try parseDirective()
            let ch = d.ch
            if closers.contains(ch) { flush(); return (nodes, d) }
            switch ch {
            case "\n":
                // ~newline: skip the newline and following whitespace (~:newline keeps the whitespace,
                // ~@newline keeps the newline).
                if d.at { text.append("\n") }
                if !d.colon {
                    while i < s.count, s[i] == " " || s[i] == "\t" { i += 1 }
                }
                continue
            case ")", "]", "}", ">", ";":
                try fail("unexpected directive ~\(Character(ch))", d.start)
            case "(":
                let (body, _) = try parseNested(d, closer: ")")
                d.clauses = [body]
            case "{":
                let (body, close) = try parseNested(d, closer: "}")
                d.clauses = [body]
                d.closeColon = close.colon
                d.closeAt = close.at
            case "[":
                var clauses: [[FNode]] = []
                while true {
                    let (body, close) = try parse(until: ["]", ";"])
                    guard let cl = close else { try fail("no matching ~]", d.start) }
                    clauses.append(body)
                    if cl.ch == "]" { break }
                    if cl.colon { d.defaultClause = true }
                }
                d.clauses = clauses
            case "<":
                var clauses: [[FNode]] = []
                while true {
                    let (body, close) = try parse(until: [">", ";"])
                    guard let cl = close else { try fail("no matching ~>", d.start) }
                    clauses.append(body)
                    if cl.ch == ">" { d.closeColon = cl.colon; break }
                    if cl.colon && clauses.count == 1 { d.defaultClause = true; d.sepParams = cl.params }
                }
                d.clauses = clauses
            default: break
            }
            flush()
            nodes.append(.dir(d))
        }
        flush()
        return (nodes, nil)
    }

    mutating func parseNested(_ d: FDirective, closer: Unicode.Scalar) throws(Unwind) -> ([FNode], FDirective) {
        let (body, close) = try parse(until: [closer])
        guard let c = close else { try fail("no matching ~\(Character(closer))", d.start) }
        return (body, c)
    }

    mutating func parseDirective() throws(Unwind) -> FDirective {
        let start = i
        i += 1  // the tilde
        var params: [FParam] = []
        var colon = false, at = false
        // parameters
        while i < s.count {
            let c = s[i]
            var p: FParam = .none
            if c == "'" {
                guard i + 1 < s.count else { try fail("string ended within a directive", start) }
                p = .char(s[i + 1]); i += 2
            } else if c == "v" || c == "V" {
                p = .v; i += 1
            } else if c == "#" {
                p = .hash; i += 1
            } else if c == "+" || c == "-" || (c.value >= 48 && c.value <= 57) {
                var j = i + 1
                while j < s.count, s[j].value >= 48, s[j].value <= 57 { j += 1 }
                let str = String(String.UnicodeScalarView(s[i..<j]))
                guard let n = Int(str) else { try fail("bad numeric parameter \"\(str)\"", start) }
                p = .int(n); i = j
            } else if c == "," {
                // empty parameter
            } else {
                if case .none = p, params.isEmpty { break }
                params.append(p)
                break
            }
            if i < s.count, s[i] == "," { params.append(p); i += 1; continue }
            params.append(p)
            break
        }
        while i < s.count, s[i] == ":" || s[i] == "@" {
            if s[i] == ":" {
                if colon { try fail("too many colons supplied", start) }
                colon = true
            } else {
                if at { try fail("too many at-signs supplied", start) }
                at = true
            }
            i += 1
        }
        guard i < s.count else { try fail("string ended before directive was found", start) }
        var ch = s[i]
        i += 1
        if ch.value >= 97 && ch.value <= 122 { ch = Unicode.Scalar(ch.value - 32)! }
        let d = FDirective(ch: ch, params: params, colon: colon, at: at, start: start)
        if ch == "/" {
            var name = String.UnicodeScalarView()
            while i < s.count, s[i] != "/" { name.append(s[i]); i += 1 }
            guard i < s.count else { try fail("no matching closing slash", start) }
            i += 1
            d.funName = String(name)
        }
        return d
    }
}
