/// Streams library: format helpers, composite streams, file streams (registered from OutputLibrary).
enum StreamsLibrary {
    static func register(_ rt: Runtime) {
        // (sys::%format-tail stream control args) -> unconsumed args (used by FORMATTER).
        rt.defN("%FORMAT-TAIL", 3, 3, in: rt.world.system) { rt, args throws(Unwind) in
            let stream = try PrintBuiltins.outStream(rt, args[0])
            let ctl = try rt.lispString(args[1]).string
            let f = FormatInterpreter(rt: rt, control: ctl, column: stream.column)
            let rest = try f.run(args[2].listArray)
            stream.writeString(f.out)
            return listFrom(Array(rest.items[min(rest.pos, rest.items.count)...]))
        }
        let sys = rt.world.system
        // (sys::%print-unreadable object stream type identity body-fn)
        rt.defN("%PRINT-UNREADABLE", 5, 5, in: sys) { rt, args throws(Unwind) in
            let obj = args[0]
            if Sym.printReadably.value?.isTrue ?? false {
                try rt.signalError(rt.makeCondition(StandardConditions.printNotReadable,
                    message: "~a cannot be printed readably", args: [Value("object")], slots: ["OBJECT": obj]))
            }
            let out = try PrintBuiltins.outStream(rt, args[1])
            out.writeString("#<")
            if args[2].isTrue {
                let p = Printer(rt: rt, escape: true)
                p.length = nil; p.level = nil
                try p.print(rt.typeOf(obj))
                out.writeString(p.out + " ")
            }
            if case .function(let fn) = args[4] {
                _ = try rt.funcall(fn)
            }
            if args[3].isTrue {
                if args[4].isTrue || !args[2].isTrue { out.writeChar(" ") }
                var id: UInt = 0
                switch obj {
                case .object(let o): id = UInt(bitPattern: ObjectIdentifier(o).hashValue)
                case .cons(let c): id = UInt(bitPattern: ObjectIdentifier(c).hashValue)
                case .function(let f): id = UInt(bitPattern: ObjectIdentifier(f).hashValue)
                default: id = 0
                }
                out.writeString("{" + String(id, radix: 16, uppercase: true) + "}")
            }
            out.writeString(">")
            return .null
        }
        // (sys::%query yes no control args): y-or-n-p / yes-or-no-p on *query-io*.
        rt.defN("%QUERY", 4, 4, in: sys) { rt, args throws(Unwind) in
            var io: LispStream = rt.standardOutputStream
            if case .object(let o)? = rt.world.cl.internExternal("*QUERY-IO*").value, let s = o as? LispStream { io = s }
            let yes = try rt.lispString(args[0]).string, no = try rt.lispString(args[1]).string
            while true {
                if io.column != 0 { io.writeChar("\n") }
                if case .string(let c) = args[2] {
                    io.writeString(try rt.formatToString(c.string, args[3].listArray))
                }
                io.writeString(" (\(yes) or \(no)) ")
                io.finishOutput()
                var line = ""
                var any = false
                while let c = try io.readChar() {
                    any = true
                    if c == "\n" { break }
                    line.unicodeScalars.append(c)
                }
                io.column = 0
                let answer = line.trimmingPrefixAndSuffixSpaces().lowercased()
                if answer == yes || (yes == "y" && answer == "yes") { return .t }
                if answer == no || (no == "n" && answer == "no") { return .null }
                if !any { return .null }
                io.writeString("Please type \"\(yes)\" for yes or \"\(no)\" for no.\n")
            }
        }
        func stream(_ rt: Runtime, _ v: Value, _ spec: String = "STREAM") throws(Unwind) -> LispStream {
            guard case .object(let o) = v, let s = o as? LispStream else { try rt.typeError(v, spec) }
            return s
        }
        rt.defN("MAKE-BROADCAST-STREAM", 0, -1) { rt, args throws(Unwind) in
            var ss: [LispStream] = []
            for a in args.array {
                let s = try stream(rt, a)
                if !s.isOutput { try rt.typeError(a, "(SATISFIES OUTPUT-STREAM-P)") }
                ss.append(s)
            }
            return .object(BroadcastStream(ss))
        }
        rt.def1("BROADCAST-STREAM-STREAMS") { rt, x throws(Unwind) in
            guard let b = try stream(rt, x, "BROADCAST-STREAM") as? BroadcastStream else { try rt.typeError(x, "BROADCAST-STREAM") }
            return listFrom(b.streams.map { Value.object($0) })
        }
        rt.defN("MAKE-CONCATENATED-STREAM", 0, -1) { rt, args throws(Unwind) in
            var ss: [LispStream] = []
            for a in args.array {
                let s = try stream(rt, a)
                if !s.isInput { try rt.typeError(a, "(SATISFIES INPUT-STREAM-P)") }
                ss.append(s)
            }
            return .object(ConcatenatedStream(ss))
        }
        rt.def1("CONCATENATED-STREAM-STREAMS") { rt, x throws(Unwind) in
            guard let b = try stream(rt, x) as? ConcatenatedStream else { try rt.typeError(x, "CONCATENATED-STREAM") }
            return listFrom(b.streams.map { Value.object($0) })
        }
        rt.def2("MAKE-TWO-WAY-STREAM") { rt, i, o throws(Unwind) in
            let si = try stream(rt, i), so = try stream(rt, o)
            if !si.isInput { try rt.typeError(i, "(SATISFIES INPUT-STREAM-P)") }
            if !so.isOutput { try rt.typeError(o, "(SATISFIES OUTPUT-STREAM-P)") }
            return .object(TwoWayStream(input: si, output: so))
        }
        rt.def1("TWO-WAY-STREAM-INPUT-STREAM") { rt, x throws(Unwind) in
            guard let b = try stream(rt, x) as? TwoWayStream else { try rt.typeError(x, "TWO-WAY-STREAM") }
            return .object(b.input)
        }
        rt.def1("TWO-WAY-STREAM-OUTPUT-STREAM") { rt, x throws(Unwind) in
            guard let b = try stream(rt, x) as? TwoWayStream else { try rt.typeError(x, "TWO-WAY-STREAM") }
            return .object(b.output)
        }
        rt.def2("MAKE-ECHO-STREAM") { rt, i, o throws(Unwind) in
            let si = try stream(rt, i), so = try stream(rt, o)
            if !si.isInput { try rt.typeError(i, "(SATISFIES INPUT-STREAM-P)") }
            if !so.isOutput { try rt.typeError(o, "(SATISFIES OUTPUT-STREAM-P)") }
            return .object(EchoStream(input: si, output: so))
        }
        rt.def1("ECHO-STREAM-INPUT-STREAM") { rt, x throws(Unwind) in
            guard let b = try stream(rt, x) as? EchoStream else { try rt.typeError(x, "ECHO-STREAM") }
            return .object(b.input)
        }
        rt.def1("ECHO-STREAM-OUTPUT-STREAM") { rt, x throws(Unwind) in
            guard let b = try stream(rt, x) as? EchoStream else { try rt.typeError(x, "ECHO-STREAM") }
            return .object(b.output)
        }
        rt.def1("MAKE-SYNONYM-STREAM") { rt, x throws(Unwind) in
            .object(SynonymStream(try rt.symbol(x)))
        }
        rt.def1("SYNONYM-STREAM-SYMBOL") { rt, x throws(Unwind) in
            guard let b = try stream(rt, x) as? SynonymStream else { try rt.typeError(x, "SYNONYM-STREAM") }
            return Value(b.symbol)
        }
        rt.def1("INTERACTIVE-STREAM-P") { rt, x throws(Unwind) in
            let s = try stream(rt, x)
            if let f = s as? FDStream { return .bool(f.lineBuffered && f.fd <= 2) }
            return .null
        }
        rt.defN("WRITE-SEQUENCE", 2, -1) { rt, args throws(Unwind) in
            let s = try PrintBuiltins.outStream(rt, args[1])
            let k = try rt.keywordArgs(args, from: 2, allowed: ["START", "END"], fname: "WRITE-SEQUENCE")
            let start = try k["START"].map { (v: Value) throws(Unwind) -> Int in try rt.index(v) } ?? 0
            let endV = k["END"] ?? .null
            func bounds(_ n: Int) throws(Unwind) -> Int {
                let end = endV.isNil ? n : try rt.index(endV)
                if start > end || end > n { try rt.signalError(rt.simpleError("bad bounding indices \(start) \(end) for sequence of length \(n)")) }
                return end
            }
            func put(_ v: Value) throws(Unwind) {
                switch v {
                case .character(let c): s.writeChar(c)
                case .fixnum(let n) where n >= 0 && n < 256: try s.writeByte(UInt8(n))
                default: try rt.typeError(v, spec: s.elementType)
                }
            }
            switch args[0] {
            case .string(let str):
                let end = try bounds(str.count)
                var text = String.UnicodeScalarView()
                for i in start..<end { text.append(str[i]) }
                s.writeString(String(text))
            case .bytes(let b):
                let end = try bounds(b.count)
                for i in start..<end { try s.writeByte(b.bytes[i]) }
            case .vector(let v):
                let end = try bounds(v.count)
                for i in start..<end { try put(v.items[i]) }
            case .null, .cons:
                let items = args[0].listArray
                let end = try bounds(items.count)
                for i in start..<end { try put(items[i]) }
            default: try rt.typeError(args[0], "SEQUENCE")
            }
            return args[0]
        }
        rt.defN("READ-SEQUENCE", 2, -1) { rt, args throws(Unwind) in
            let s = try StreamBuiltins.inStream(rt, args[1])
            let k = try rt.keywordArgs(args, from: 2, allowed: ["START", "END"], fname: "READ-SEQUENCE")
            let start = try k["START"].map { (v: Value) throws(Unwind) -> Int in try rt.index(v) } ?? 0
            let endV = k["END"] ?? .null
            func bounds(_ n: Int) throws(Unwind) -> Int {
                let end = endV.isNil ? n : try rt.index(endV)
                if start > end || end > n { try rt.signalError(rt.simpleError("bad bounding indices \(start) \(end) for sequence of length \(n)")) }
                return end
            }
            let binary: Bool
            if case .cons = s.elementType { binary = true } else { binary = false }
            func get() throws(Unwind) -> Value? {
                if binary { return try s.readByte().map { .fixnum(Int($0)) } }
                return try s.readChar().map { .character($0) }
            }
            switch args[0] {
            case .string(let str):
                let end = try bounds(str.count)
                var i = start
                while i < end, let c = try s.readChar() { str[i] = c; i += 1 }
                return .fixnum(i)
            case .bytes(let b):
                let end = try bounds(b.count)
                var i = start
                while i < end, let x = try s.readByte() { b.bytes[i] = x; i += 1 }
                return .fixnum(i)
            case .vector(let v):
                let end = try bounds(v.count)
                var i = start
                while i < end, let x = try get() { v.items[i] = x; i += 1 }
                return .fixnum(i)
            case .null, .cons:
                var cells: [Cons] = []
                var p = args[0]
                while case .cons(let c) = p { cells.append(c); p = c.cdr }
                let end = try bounds(cells.count)
                var i = start
                while i < end, let x = try get() { cells[i].car = x; i += 1 }
                return .fixnum(i)
            default: try rt.typeError(args[0], "SEQUENCE")
            }
        }
    }
}

extension String {
    func trimmingPrefixAndSuffixSpaces() -> String {
        var sc = Array(unicodeScalars)
        while let f = sc.first, f == " " || f == "\t" || f == "\r" { sc.removeFirst() }
        while let l = sc.last, l == " " || l == "\t" || l == "\r" { sc.removeLast() }
        return String(String.UnicodeScalarView(sc))
    }
}
