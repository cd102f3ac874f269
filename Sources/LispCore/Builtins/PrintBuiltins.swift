/// Printing functions: `prin1 princ print write terpri fresh-line write-string write-char
/// write-line *-to-string format`.
enum PrintBuiltins {
    /// Resolve an output stream designator (nil = *standard-output*, t = *terminal-io*).
    static func outStream(_ rt: Runtime, _ v: Value) throws(Unwind) -> LispStream {
        switch v {
        case .null: return rt.standardOutputStream
        case .symbol(let s) where s === Symbol.T:
            if case .object(let o)? = Sym.terminalIO.value, let st = o as? LispStream { return st }
            return rt.stdoutStream
        case .object(let o):
            // String output streams (with-output-to-string) are the hot case: an exact class check
            // is cheaper than the dynamic cast's walk of the class hierarchy.
            if let so = StringOutputStream.open(o) { return so }
            if let s = o as? LispStream {
                if !s.isOpen { try rt.closedStreamError(s) }
                if s.isOutput { return s }
                try rt.typeError(v, spec: list(.symbol(Symbol.cl("SATISFIES")), .symbol(Symbol.cl("OUTPUT-STREAM-P"))))
            }
        default: break
        }
        try rt.typeError(v, "STREAM")
    }

    static func register(_ rt: Runtime) {
        rt.defN("PRIN1", 1, 2) { rt, args throws(Unwind) in
            let p = Printer(rt: rt, escape: true)
            try p.print(args[0])
            try outStream(rt, args.get(1)).writeString(p.out)
            return args[0]
        }
        rt.defN("PRINC", 1, 2) { rt, args throws(Unwind) in
            let p = Printer(rt: rt, escape: false)
            try p.print(args[0])
            try outStream(rt, args.get(1)).writeString(p.out)
            return args[0]
        }
        rt.defN("PRINT", 1, 2) { rt, args throws(Unwind) in
            let p = Printer(rt: rt, escape: true)
            try p.print(args[0])
            let s = try outStream(rt, args.get(1))
            s.writeString("\n" + p.out + " ")
            return args[0]
        }
        rt.defN("PPRINT", 1, 2) { rt, args throws(Unwind) in
            let p = Printer(rt: rt, escape: true)
            try p.print(args[0])
            try outStream(rt, args.get(1)).writeString("\n" + p.out)
            rt.nvals = 0
            return .null
        }
        rt.defN("TERPRI", 0, 1) { rt, args throws(Unwind) in
            try outStream(rt, args.get(0)).writeChar("\n")
            return .null
        }
        rt.defN("FRESH-LINE", 0, 1) { rt, args throws(Unwind) in
            let s = try outStream(rt, args.get(0))
            if s.column != 0 { s.writeChar("\n"); return .t }
            return .null
        }
        // WRITE-CHAR, WRITE-STRING and WRITE-LINE: StringWriting.swift.
        rt.defN("WRITE", 1, -1) { rt, args throws(Unwind) in
            let out = try rt.withPrintKeywords(args, from: 1, fname: "WRITE") { () throws(Unwind) -> String in
                let p = Printer(rt: rt)
                try p.print(args[0])
                return p.out
            }
            try outStream(rt, out.stream).writeString(out.text)
            return args[0]
        }
        rt.defN("WRITE-TO-STRING", 1, -1) { rt, args throws(Unwind) in
            let out = try rt.withPrintKeywords(args, from: 1, fname: "WRITE-TO-STRING") { () throws(Unwind) -> String in
                let p = Printer(rt: rt)
                try p.print(args[0])
                return p.out
            }
            return Value(out.text)
        }
        rt.def1("PRIN1-TO-STRING") { rt, x throws(Unwind) in
            let p = Printer(rt: rt, escape: true)
            try p.print(x)
            return Value(p.out)
        }
        rt.def1("PRINC-TO-STRING") { rt, x throws(Unwind) in
            let p = Printer(rt: rt, escape: false)
            try p.print(x)
            return Value(p.out)
        }
        rt.defN("FORMAT", 2, -1) { rt, args throws(Unwind) in
            let dest = args[0]
            // Simple control strings (text, ~A ~D ~X ~% ...) skip the general interpreter.
            var cached: FormatCacheEntry? = nil
            if case .string(let ctl) = args[1] { cached = FormatCache.entry(ctl) }
            if let fast = cached?.fast {
                switch dest {
                case .null:
                    if let out = try fast.run(rt, args, from: 2) { return .string(LispString(scalars: out)) }
                case .symbol(let sym) where sym === Symbol.T:
                    if let out = try fast.run(rt, args, from: 2) {
                        rt.standardOutputStream.writeString(String(String.UnicodeScalarView(out)))
                        return .null
                    }
                case .object:
                    // The stream is resolved (and checked: open, output) as the general path does.
                    let st = try outStream(rt, dest)
                    if let so = st as? StringOutputStream, so.target == nil {
                        if let out = try fast.run(rt, args, from: 2) { so.writeScalars(out); return .null }
                    } else if let out = try fast.run(rt, args, from: 2) {
                        st.writeString(String(String.UnicodeScalarView(out)))
                        return .null
                    }
                default: break
                }
            }
            let rest = Array(args.array.dropFirst(2))
            var stream: LispStream? = nil
            var target: LispString? = nil
            switch dest {
            case .null: break
            case .symbol(let sym) where sym === Symbol.T: stream = rt.standardOutputStream
            case .string(let t):
                guard t.fillPointer != nil else {
                    try rt.typeError(dest, spec: list(Value(rt.world.cl.internExternal("AND")),
                                                      Value(rt.world.cl.internExternal("STRING")),
                                                      list(Value(rt.world.cl.internExternal("SATISFIES")),
                                                           Value(rt.world.cl.internExternal("ARRAY-HAS-FILL-POINTER-P")))))
                }
                target = t
            default: stream = try outStream(rt, dest)
            }
            switch args[1] {
            case .string(let s):
                var column = stream?.column ?? 0
                if let t = target {
                    column = 0
                    for i in 0..<t.count { column = t[i] == "\n" ? 0 : column + 1 }
                }
                let f = FormatInterpreter(rt: rt, control: cached?.text ?? s.string, column: column, nodes: cached?.nodes)
                _ = try f.run(rest)
                if let st = stream { st.writeString(f.out); return .null }
                if let t = target { t.append(contentsOf: f.out); return .null }
                return Value(f.out)
            case .function(let fn):
                // A function as control (e.g. from FORMATTER): call it with the stream and arguments.
                let so = stream ?? StringOutputStream()
                _ = try rt.apply(fn, [.object(so)] + rest)
                if stream == nil, let sso = so as? StringOutputStream {
                    let text = sso.contents
                    if let t = target { t.append(contentsOf: text); return .null }
                    return Value(text)
                }
                return .null
            default: try rt.typeError(args[1], "(OR STRING FUNCTION)")
            }
        }
    }
}

extension Runtime {
    /// Bind the `*print-...*` variables from `write`-style keyword arguments around `body`.
    func withPrintKeywords(_ args: Args, from: Int, fname: String,
                           _ body: () throws(Unwind) -> String) throws(Unwind) -> (text: String, stream: Value) {
        let names = ["STREAM", "ESCAPE", "RADIX", "BASE", "CIRCLE", "PRETTY", "LEVEL", "LENGTH", "CASE", "GENSYM",
                     "ARRAY", "READABLY", "RIGHT-MARGIN", "MISER-WIDTH", "LINES", "PPRINT-DISPATCH"]
        let kw = try keywordArgs(args, from: from, allowed: names, fname: fname)
        var saved: [(Symbol, Value?)] = []
        defer { for (s, v) in saved.reversed() { s.value = v } }
        for (k, v) in kw where k != "STREAM" {
            let s = world.cl.internExternal("*PRINT-\(k)*")
            saved.append((s, s.value))
            s.value = v
        }
        return (try body(), kw["STREAM"] ?? .null)
    }
}
