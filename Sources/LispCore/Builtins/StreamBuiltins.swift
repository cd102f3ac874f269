import Glibc

/// Stream functions: string streams, character input, `read`, `read-from-string`, output
/// flushing. File streams and composite streams live in the streams library.
enum StreamBuiltins {
    static func inStream(_ rt: Runtime, _ v: Value) throws(Unwind) -> LispStream {
        switch v {
        case .null:
            if case .object(let o)? = Sym.standardInput.value, let s = o as? LispStream { return s }
            return rt.stdinStream
        case .symbol(let s) where s === Symbol.T:
            if case .object(let o)? = Sym.terminalIO.value, let st = o as? LispStream { return st }
            return rt.stdinStream
        case .object(let o):
            if let s = o as? LispStream {
                if !s.isOpen { try rt.closedStreamError(s) }
                return s
            }
        default: break
        }
        try rt.typeError(v, "STREAM")
    }

    static func eof(_ rt: Runtime, _ stream: LispStream, _ args: Args, _ errorIdx: Int) throws(Unwind) -> Value {
        if args.get(errorIdx, .t).isTrue {
            try rt.signalError(rt.makeCondition(StandardConditions.endOfFile, message: "end of file on \(rt.printString(.object(stream)))",
                                                slots: ["STREAM": .object(stream)]))
        }
        return args.get(errorIdx + 1)
    }

    static func register(_ rt: Runtime) {
        StringWriting.register(rt)
        rt.defN("MAKE-STRING-OUTPUT-STREAM", 0, -1) { _, _ throws(Unwind) in .object(StringOutputStream()) }
        rt.def1("GET-OUTPUT-STREAM-STRING") { rt, s throws(Unwind) in
            guard case .object(let o) = s, let so = o as? StringOutputStream else { try rt.typeError(s, "STRING-OUTPUT-STREAM") }
            return .string(so.takeLispString())
        }
        rt.defN("MAKE-STRING-INPUT-STREAM", 1, 3) { rt, args throws(Unwind) in
            let s = try rt.lispString(args[0])
            let start = args.count > 1 ? try rt.index(args[1]) : 0
            let end = args.count > 2 && !args[2].isNil ? try rt.index(args[2]) : s.count
            if start > end || end > s.count { try rt.signalError(rt.simpleError("bad bounding indices \(start) \(end)")) }
            return .object(StringInputStream(s.string, start: start, end: end))
        }
        rt.defN("READ-CHAR", 0, 4) { rt, args throws(Unwind) in
            let s = try inStream(rt, args.get(0))
            if let c = try s.readChar() { return .character(c) }
            return try eof(rt, s, args, 1)
        }
        rt.defN("READ-CHAR-NO-HANG", 0, 4) { rt, args throws(Unwind) in
            let s = try inStream(rt, args.get(0))
            if !s.listen() {
                if s is StringInputStream { return try eof(rt, s, args, 1) }
                return .null
            }
            if let c = try s.readChar() { return .character(c) }
            return try eof(rt, s, args, 1)
        }
        rt.defN("PEEK-CHAR", 0, 5) { rt, args throws(Unwind) in
            let s = try inStream(rt, args.get(1))
            let peekType = args.get(0)
            while true {
                guard let c = try s.peekChar() else { return try eof(rt, s, args, 2) }
                switch peekType {
                case .null: return .character(c)
                case .character(let want):
                    if c == want { return .character(c) }
                default:
                    if !Reader.isWhitespace(c) { return .character(c) }
                }
                _ = try s.readChar()
            }
        }
        rt.defN("UNREAD-CHAR", 1, 2) { rt, args throws(Unwind) in
            try inStream(rt, args.get(1)).unreadChar(try rt.character(args[0]))
            return .null
        }
        rt.defN("READ-LINE", 0, 4, mv: true) { rt, args throws(Unwind) in
            let s = try inStream(rt, args.get(0))
            var line = String.UnicodeScalarView()
            var any = false
            while let c = try s.readChar() {
                any = true
                if c == "\n" { return rt.values2(Value(String(line)), .null) }
                line.append(c)
            }
            if !any { return rt.values2(try eof(rt, s, args, 1), .t) }
            return rt.values2(Value(String(line)), .t)
        }
        rt.defN("READ", 0, 4) { rt, args throws(Unwind) in
            let s = try inStream(rt, args.get(0))
            let reader = Reader(rt: rt, source: StreamSource(s))
            reader.streamValue = .object(s)
            let v = try reader.read(eofError: args.get(1, .t).isTrue, eofValue: args.get(2))
            // Discard one trailing whitespace character, as SBCL's READ does (not when recursive).
            if !args.get(3).isTrue, let c = try s.readChar() {
                if !Reader.isWhitespace(c) { s.unreadChar(c) }
            }
            return v
        }
        rt.defN("READ-DELIMITED-LIST", 1, 3) { rt, args throws(Unwind) in
            let ch = try rt.character(args[0])
            let s = try inStream(rt, args.get(1))
            let reader = Reader(rt: rt, source: StreamSource(s))
            reader.streamValue = .object(s)
            var items: [Value] = []
            while true {
                guard let c = try reader.skipWhitespace() else { try reader.eofError("inside a delimited list") }
                if c == ch { break }
                if let v = try reader.readMacro(c) { items.append(v) }
            }
            return listFrom(items)
        }
        rt.defN("READ-PRESERVING-WHITESPACE", 0, 4) { rt, args throws(Unwind) in
            let s = try inStream(rt, args.get(0))
            return try Reader(rt: rt, source: StreamSource(s)).read(eofError: args.get(1, .t).isTrue, eofValue: args.get(2))
        }
        rt.defN("READ-FROM-STRING", 1, -1, mv: true) { rt, args throws(Unwind) in
            let str = try rt.lispString(args[0])
            let eofErrorP = args.count > 1 ? args[1].isTrue : true
            let eofValue = args.get(2)
            let kw = try rt.keywordArgs(args, from: min(3, args.count), allowed: ["START", "END", "PRESERVE-WHITESPACE"],
                                        fname: "READ-FROM-STRING")
            let start = try kw["START"].map { (v: Value) throws(Unwind) -> Int in try rt.index(v) } ?? 0
            let end = try kw["END"].flatMap { (v: Value) throws(Unwind) -> Int? in v.isNil ? nil : try rt.index(v) } ?? str.count
            let src = StringSource(str.string, start: start, end: end)
            let reader = Reader(rt: rt, source: src)
            let v = try reader.read(eofError: eofErrorP, eofValue: eofValue)
            // Skip one trailing whitespace character like READ does.
            if !(kw["PRESERVE-WHITESPACE"]?.isTrue ?? false), let c = src.peek(), Reader.isWhitespace(c) { _ = src.next() }
            return rt.values2(v, .fixnum(src.pos))
        }
        rt.defN("READ-BYTE", 1, 3) { rt, args throws(Unwind) in
            let s = try inStream(rt, args[0])
            if let b = try s.readByte() { return .fixnum(Int(b)) }
            return try eof(rt, s, args, 1)
        }
        rt.defN("WRITE-BYTE", 2, 2) { rt, args throws(Unwind) in
            guard case .fixnum(let n) = args[0], n >= 0, n < 256 else { try rt.typeError(args[0], "(UNSIGNED-BYTE 8)") }
            try PrintBuiltins.outStream(rt, args[1]).writeByte(UInt8(n))
            return args[0]
        }
        for name in ["FINISH-OUTPUT", "FORCE-OUTPUT"] {
            rt.defN(name, 0, 1) { rt, args throws(Unwind) in
                try PrintBuiltins.outStream(rt, args.get(0)).finishOutputSignalling()
                return .null
            }
        }
        rt.defN("CLEAR-OUTPUT", 0, 1) { rt, args throws(Unwind) in
            try PrintBuiltins.outStream(rt, args.get(0)).finishOutput()
            return .null
        }
        rt.defN("LISTEN", 0, 1) { rt, args throws(Unwind) in .bool(try inStream(rt, args.get(0)).listen()) }
        rt.defN("CLEAR-INPUT", 0, 1) { rt, args throws(Unwind) in
            try inStream(rt, args.get(0)).clearInput()
            return .null
        }
        rt.defN("CLOSE", 1, -1) { rt, args throws(Unwind) in
            guard case .object(let o) = args[0], let s = o as? LispStream else { try rt.typeError(args[0], "STREAM") }
            let kw = try rt.keywordArgs(args, from: 1, allowed: ["ABORT"], fname: "CLOSE")
            if let f = s as? FileStream, f.isOpen, kw["ABORT"]?.isTrue ?? false, f.createdNew {
                // Aborting a file that OPEN created removes it, as SBCL does.
                f.close()
                unlink(f.path)
                return .t
            }
            if s.isOpen && !(kw["ABORT"]?.isTrue ?? false) {
                // Pending output is sent first; if that fails (a socket's peer is gone), the
                // stream is closed anyway and the failure signalled.
                do throws(Unwind) { try s.finishOutputSignalling() } catch {
                    s.close()
                    throw error
                }
            }
            s.close()
            return .t
        }
        rt.def1("OPEN-STREAM-P") { rt, x throws(Unwind) in
            guard case .object(let o) = x, let s = o as? LispStream else { try rt.typeError(x, "STREAM") }
            return .bool(s.isOpen)
        }
        rt.def1("INPUT-STREAM-P") { rt, x throws(Unwind) in
            guard case .object(let o) = x, let s = o as? LispStream else { try rt.typeError(x, "STREAM") }
            return .bool(s.isInput)
        }
        rt.def1("OUTPUT-STREAM-P") { rt, x throws(Unwind) in
            guard case .object(let o) = x, let s = o as? LispStream else { try rt.typeError(x, "STREAM") }
            return .bool(s.isOutput)
        }
        rt.def1("STREAM-ELEMENT-TYPE") { rt, x throws(Unwind) in
            guard case .object(let o) = x, let s = o as? LispStream else { try rt.typeError(x, "STREAM") }
            return s.elementType
        }
    }
}
