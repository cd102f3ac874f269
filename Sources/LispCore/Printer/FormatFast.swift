/// FORMAT fast path: control strings made only of text and the simple directives `~A`, `~D`,
/// `~B`, `~O`, `~X` (with mincol / padchar and `@`), `~%` and `~~` run from a pre-compiled op
/// list straight into a scalar buffer, without the general interpreter's per-call allocations
/// (Swift `String` round trips, parameter arrays, a `Printer` per argument).
///
/// Semantics are exactly those of `FormatInterpreter`: anything the fast path is not sure about
/// (a missing argument, a non-fixnum for `~D`) is detected *before* any output or user code runs,
/// and the caller then falls back to the general interpreter, which produces the output or the
/// error.
struct FastFormat {
    /// One step. Trivial (no reference-counted payload), so running the op list retains nothing.
    enum Op {
        /// Literal text: `count` characters of `pool` from `start`.
        case text(start: Int, count: Int)
        /// `~A` with no parameters or modifiers.
        case aesthetic
        /// `~mincol,'padD` and friends (no `:` grouping); `plus` is the `@` modifier.
        case integer(base: Int, mincol: Int, pad: Unicode.Scalar, plus: Bool)
        /// `~n%` / `~n~`: `count` copies of a character.
        case repeated(Unicode.Scalar, Int)
    }

    let ops: [Op]
    /// The literal text of all `.text` ops, concatenated.
    let pool: [Unicode.Scalar]
    /// How many arguments one run consumes.
    let argCount: Int
    /// Output characters that do not depend on the arguments (a first capacity estimate).
    let fixedCount: Int

    /// The fast form of a parsed control string, or nil when it uses anything else.
    static func compile(_ nodes: [FNode]) -> FastFormat? {
        var ops: [Op] = []
        var pool: [Unicode.Scalar] = []
        var argCount = 0
        var fixed = 0
        for node in nodes {
            switch node {
            case .text(let s):
                let start = pool.count
                pool.append(contentsOf: s.unicodeScalars)
                ops.append(.text(start: start, count: pool.count - start))
                fixed += pool.count - start
            case .dir(let d):
                switch d.ch {
                case "A":
                    guard d.params.isEmpty, !d.colon, !d.at else { return nil }
                    ops.append(.aesthetic)
                    argCount += 1
                case "D", "B", "O", "X":
                    guard !d.colon, d.params.count <= 2 else { return nil }
                    var mincol = 0
                    var pad: Unicode.Scalar = " "
                    if d.params.count > 0 {
                        switch d.params[0] {
                        case .none: break
                        case .int(let n) where n >= 0: mincol = n
                        default: return nil
                        }
                    }
                    if d.params.count > 1 {
                        switch d.params[1] {
                        case .none: break
                        case .char(let c): pad = c
                        default: return nil
                        }
                    }
                    let base = d.ch == "D" ? 10 : d.ch == "X" ? 16 : d.ch == "O" ? 8 : 2
                    ops.append(.integer(base: base, mincol: mincol, pad: pad, plus: d.at))
                    argCount += 1
                case "%", "~":
                    guard !d.colon, !d.at, d.params.count <= 1 else { return nil }
                    var n = 1
                    if d.params.count == 1 {
                        switch d.params[0] {
                        case .none: break
                        case .int(let k) where k >= 0: n = k
                        default: return nil
                        }
                    }
                    ops.append(.repeated(d.ch == "%" ? "\n" : "~", n))
                    fixed += n
                default:
                    return nil
                }
            }
        }
        return FastFormat(ops: ops, pool: pool, argCount: argCount, fixedCount: fixed)
    }

    /// Run over `args[from...]`; nil (having done nothing) when the general interpreter must
    /// handle these arguments.
    func run(_ rt: Runtime, _ args: Args, from: Int) throws(Unwind) -> [Unicode.Scalar]? {
        guard args.count - from >= argCount else { return nil }
        // Validate before any output: printing an argument can run user code (print-object).
        // The same pass sizes the output, so it is allocated once.
        var a = from
        var size = fixedCount
        for op in ops {
            switch op {
            case .aesthetic:
                switch args[a] {
                case .string(let s): size += s.count
                case .character: size += 1
                default: size += 20
                }
                a += 1
            case .integer(_, let mincol, _, _):
                guard case .fixnum = args[a] else { return nil }
                size += max(mincol, 21)
                a += 1
            default: break
            }
        }
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(size)
        a = from
        for op in ops {
            switch op {
            case .text(let start, let count):
                pool.withUnsafeBufferPointer { p in out.append(contentsOf: UnsafeBufferPointer(rebasing: p[start..<(start + count)])) }
            case .repeated(let c, let n):
                for _ in 0..<n { out.append(c) }
            case .integer(let base, let mincol, let pad, let plus):
                guard case .fixnum(let n) = args[a] else { return nil }   // checked above
                a += 1
                FastFormat.appendInteger(&out, n, base: base, mincol: mincol, pad: pad, plus: plus)
            case .aesthetic:
                let v = args[a]
                a += 1
                switch v {
                case .string(let s): FastFormat.appendString(&out, s)
                case .character(let c): out.append(c)
                case .fixnum(let n) where FastFormat.plainFixnumPrinting:
                    FastFormat.appendInteger(&out, n, base: 10, mincol: 0, pad: " ", plus: false)
                default:
                    let p = Printer(rt: rt, escape: false)
                    try p.print(v)
                    out.append(contentsOf: p.out.unicodeScalars)
                }
            }
        }
        return out
    }

    /// Whether `~A` of a fixnum prints plain decimal digits: `*print-base*` 10 and no
    /// `*print-radix*` (otherwise the printer handles it).
    static var plainFixnumPrinting: Bool {
        if case .fixnum(let b)? = Sym.printBase.value, b != 10 { return false }
        if Sym.printRadix.value?.isTrue ?? false { return false }
        return true
    }

    /// The active characters of `s`.
    @inline(__always) static func appendString(_ out: inout [Unicode.Scalar], _ s: LispString) {
        let n = s.count
        if s.isBase {
            s.bytes.withUnsafeBufferPointer { b in
                for i in 0..<n { out.append(Unicode.Scalar(b[i])) }
            }
        } else if n == s.scalars.count {
            out.append(contentsOf: s.scalars)
        } else {
            out.append(contentsOf: s.scalars[0..<n])
        }
    }

    /// `n` in `base` (upper-case digits), sign first, left-padded with `pad` to `mincol` — the
    /// output of `formatInteger` + `writeField` for a fixnum (padding goes before the sign).
    static func appendInteger(_ out: inout [Unicode.Scalar], _ n: Int, base: Int, mincol: Int,
                              pad: Unicode.Scalar, plus: Bool) {
        // Literal bases, so that the inlined digit loop divides by a constant (no `div`).
        switch base {
        case 10: appendDigits(&out, n, 10, mincol, pad, plus)
        case 16: appendDigits(&out, n, 16, mincol, pad, plus)
        case 8: appendDigits(&out, n, 8, mincol, pad, plus)
        default: appendDigits(&out, n, UInt(base), mincol, pad, plus)
        }
    }

    @inline(__always) static func appendDigits(_ out: inout [Unicode.Scalar], _ n: Int, _ b: UInt, _ mincol: Int,
                                               _ pad: Unicode.Scalar, _ plus: Bool) {
        var m = n.magnitude
        var digits = 1
        var t = m / b
        while t > 0 { digits += 1; t /= b }
        let sign: Unicode.Scalar? = n < 0 ? "-" : plus ? "+" : nil
        let len = digits + (sign == nil ? 0 : 1)
        if mincol > len { for _ in 0..<(mincol - len) { out.append(pad) } }
        if let s = sign { out.append(s) }
        let end = out.count + digits
        for _ in 0..<digits { out.append("0") }
        out.withUnsafeMutableBufferPointer { o in
            var j = end - 1
            repeat {
                let d = UInt32(truncatingIfNeeded: m % b)
                o[j] = Unicode.Scalar(UInt8(truncatingIfNeeded: d < 10 ? 48 + d : 55 + d))
                m /= b
                j -= 1
            } while m > 0
        }
    }
}

/// Parsed control strings cached per string object. A hit costs a pointer compare plus a check
/// that the string's storage is unchanged (an array compare that is O(1) while the buffers are
/// still shared, i.e. until someone mutates the string), so `(format nil "..." ...)` in a loop
/// neither converts nor hashes nor re-parses the control string.
final class FormatCacheEntry {
    let control: LispString
    let bytes: [UInt8]
    let scalars: [Unicode.Scalar]
    let fillPointer: Int?
    /// The control string's text (for the general interpreter and its error messages).
    let text: String
    /// The parsed directives; nil when the string is malformed (the interpreter re-parses it to
    /// report the error).
    let nodes: [FNode]?
    /// The fast form, when the string only uses what `FastFormat` supports.
    let fast: FastFormat?

    init(_ control: LispString) {
        self.control = control
        bytes = control.bytes
        scalars = control.scalars
        fillPointer = control.fillPointer
        text = control.string
        // The parser reports errors through `fail`; here a malformed string just means "no
        // nodes", so `fail` throws a private marker that is caught right below (nothing is
        // signalled).
        var p = FormatParser(text) { (_: String, _: Int) throws(Unwind) -> Never in
            throw Unwind.toCatch(.null, .null)
        }
        var parsed: [FNode]? = nil
        do throws(Unwind) {
            parsed = try p.parse(until: []).0
        } catch {
            parsed = nil
        }
        nodes = parsed
        fast = parsed.flatMap { FastFormat.compile($0) }
    }

    /// Whether `s` is this entry's string with the same contents as when it was parsed.
    @inline(__always) func matches(_ s: LispString) -> Bool {
        control === s && s.fillPointer == fillPointer && s.bytes == bytes && s.scalars == scalars
    }
}

enum FormatCache {
    /// Direct-mapped by object address; entries hold their string strongly, so an address is
    /// never reused while its entry is live.
    nonisolated(unsafe) static var entries = [FormatCacheEntry?](repeating: nil, count: 256)

    /// The cache entry of control string `s` (parsed on a miss).
    static func entry(_ s: LispString) -> FormatCacheEntry {
        let slot = addressHash(s) & (entries.count - 1)
        if let e = entries[slot], e.matches(s) { return e }
        let e = FormatCacheEntry(s)
        entries[slot] = e
        return e
    }
}
