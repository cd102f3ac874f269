/// `write-char`, `write-string` and `write-line` (registered from `StreamBuiltins`).
///
/// Writing a character or a whole string to a string output stream is the hot case
/// (`with-output-to-string` loops): it is recognised by an exact class check and goes straight
/// to the final class's methods, before any keyword parsing or stream-designator resolution.
/// Everything else takes the general path, which checks arguments in the same order as before
/// (string, then stream, then keywords).
enum StringWriting {
    /// The string output stream in argument slot `p`, unretained. Arguments stay on the value
    /// stack (owned by the caller) for the whole call, so a builtin may use them without a
    /// retain/release pair of its own — which is most of the cost of writing one character.
    @inline(__always) static func borrowedStringStream(_ p: UnsafeMutablePointer<Value>) -> Unmanaged<StringOutputStream>? {
        if case .object(let o) = p.pointee, let so = StringOutputStream.open(o) {
            return Unmanaged.passUnretained(so)
        }
        return nil
    }
    /// The string in argument slot `p`, unretained (see `borrowedStringStream`).
    @inline(__always) static func borrowedString(_ p: UnsafeMutablePointer<Value>) -> Unmanaged<LispString>? {
        if case .string(let s) = p.pointee { return Unmanaged.passUnretained(s) }
        return nil
    }

    static func register(_ rt: Runtime) {
        rt.defN("WRITE-CHAR", 1, 2) { rt, args throws(Unwind) in
            if args.count == 2, case .character(let c) = args[0], let so = borrowedStringStream(args.base + 1) {
                so._withUnsafeGuaranteedRef { $0.writeChar(c) }
                return args[0]
            }
            try PrintBuiltins.outStream(rt, args.get(1)).writeChar(try rt.character(args[0]))
            return args[0]
        }
        rt.defN("WRITE-STRING", 1, -1) { rt, args throws(Unwind) in
            if args.count == 2, let str = borrowedString(args.base), let so = borrowedStringStream(args.base + 1) {
                str._withUnsafeGuaranteedRef { s in so._withUnsafeGuaranteedRef { $0.writeLispString(s, 0, s.count) } }
                return args[0]
            }
            try writeStringRange(rt, args, newline: false)
            return args[0]
        }
        rt.defN("WRITE-LINE", 1, -1) { rt, args throws(Unwind) in
            try writeStringRange(rt, args, newline: true)
            return args[0]
        }
    }

    /// `(write-string string &optional stream &key start end)`, and `write-line`'s newline.
    static func writeStringRange(_ rt: Runtime, _ args: Args, newline: Bool) throws(Unwind) {
        let s = try rt.lispString(args[0])
        let stream = try PrintBuiltins.outStream(rt, args.get(1))
        var start = 0, end = s.count
        if args.count > 2 {
            let kw = try rt.keywordArgs(args, from: 2, allowed: ["START", "END"], fname: newline ? "WRITE-LINE" : "WRITE-STRING")
            if let v = kw["START"] { start = try rt.index(v) }
            var endArg: Int? = nil
            if let v = kw["END"], !v.isNil { endArg = try rt.index(v); end = endArg! }
            // A type-error whose datum is (start . end), as for the sequence functions (and SBCL).
            if start > end || end > s.count { try SeqLib.badBounds(rt, start, endArg, s.count, args[0]) }
        }
        stream.writeLispString(s, start, end)
        if newline { stream.writeChar("\n") }
    }
}
