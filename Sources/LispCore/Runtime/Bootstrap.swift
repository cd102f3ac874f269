/// One-time set-up of the Lisp world: standard special variables, builtins, native macros,
/// and the Lisp prelude. Symbols are process-wide, so this runs once per process; every
/// `Runtime` created afterwards shares the definitions.
enum Bootstrap {
    nonisolated(unsafe) static var done = false
    nonisolated(unsafe) static var inProgress = false

    static func ensure(_ rt: Runtime) {
        if done || inProgress { return }
        inProgress = true
        defer { inProgress = false; done = true }
        StandardConditions.registerAll()
        defineVariables(rt)
        for register in BuiltinModules.all { register(rt) }
        Prelude.load(rt)
        Runtime.lockStandardPackages(rt.world)
    }

    static func defineVariables(_ rt: Runtime) {
        let w = rt.world
        let cl = w.cl
        rt.defVar(Sym.package, .object(w.clUser))
        rt.defVar(Sym.readBase, .fixnum(10))
        rt.defVar(Sym.readEval, .t)
        rt.defVar(Sym.readSuppress, .null)
        rt.defVar(Sym.readDefaultFloatFormat, .symbol(cl.internExternal("SINGLE-FLOAT")))
        rt.defVar(Sym.features, listFrom(["COMMLISP", "COMMON-LISP", "ANSI-CL", "LINUX", "UNIX", "X86-64", "64-BIT",
                                          "LITTLE-ENDIAN", "IEEE-FLOATING-POINT"].map { .symbol(w.keyword($0)) }))
        rt.defVar(Sym.printBase, .fixnum(10))
        rt.defVar(Sym.printRadix, .null)
        rt.defVar(Sym.printEscape, .t)
        rt.defVar(Sym.printReadably, .null)
        rt.defVar(Sym.printCase, .symbol(w.keyword("UPCASE")))
        rt.defVar(Sym.printLength, .null)
        rt.defVar(Sym.printLevel, .null)
        rt.defVar(Sym.printPretty, .t)
        rt.defVar(Sym.printCircle, .null)
        rt.defVar(Sym.printGensym, .t)
        rt.defVar(Sym.printArray, .t)
        rt.defVar(Sym.gensymCounter, .fixnum(1))
        rt.defVar(Sym.breakOnSignals, .null)
        rt.defVar(Sym.loadPathname, .null)
        rt.defVar(Sym.loadTruename, .null)
        rt.defVar(Sym.lineArguments, .null)
        for name in ["*PRINT-LINES*", "*PRINT-MISER-WIDTH*", "*PRINT-PPRINT-DISPATCH*", "*COMPILE-FILE-PATHNAME*",
                     "*COMPILE-FILE-TRUENAME*", "*DEBUGGER-HOOK*", "*MACROEXPAND-HOOK*", "*MODULES*", "*READTABLE*",
                     "*COMPILE-PRINT*", "*COMPILE-VERBOSE*", "*LOAD-PRINT*", "*LOAD-VERBOSE*"] {
            rt.defVar(cl.internExternal(name), .null)
        }
        rt.defVar(cl.internExternal("*PRINT-RIGHT-MARGIN*"), .null)
        rt.defVar(cl.internExternal("*RANDOM-STATE*"), .null)
        for (name, v) in [("-", Value.null), ("+", .null), ("++", .null), ("+++", .null), ("*", .null),
                          ("**", .null), ("***", .null), ("/", .null), ("//", .null), ("///", .null)] {
            rt.defVar(cl.internExternal(name), v)
        }
        func constant(_ name: String, _ v: Value) {
            let s = cl.internExternal(name)
            s.value = v
            s.isConstant = true
            s.isSpecial = true
        }
        constant("NIL", .null)
        constant("T", .t)
        constant("MOST-POSITIVE-FIXNUM", .fixnum(Int.max))
        constant("MOST-NEGATIVE-FIXNUM", .fixnum(Int.min))
        constant("MULTIPLE-VALUES-LIMIT", .fixnum(Runtime.multipleValuesLimit))
        constant("CALL-ARGUMENTS-LIMIT", .fixnum(65536))
        constant("LAMBDA-PARAMETERS-LIMIT", .fixnum(65536))
        constant("ARRAY-DIMENSION-LIMIT", .fixnum(Int.max))
        constant("ARRAY-TOTAL-SIZE-LIMIT", .fixnum(Int.max))
        constant("ARRAY-RANK-LIMIT", .fixnum(256))
        constant("CHAR-CODE-LIMIT", .fixnum(0x110000))
        constant("PI", .double(Double.pi))
        constant("LAMBDA-LIST-KEYWORDS", listFrom([Sym.optional, Sym.rest, Sym.key, Sym.allowOtherKeys, Sym.aux,
                                                   Sym.body, Sym.whole, Sym.environment].map { .symbol($0) }))
        constant("INTERNAL-TIME-UNITS-PER-SECOND", .fixnum(1_000_000))
        constant("MOST-POSITIVE-DOUBLE-FLOAT", .double(Double.greatestFiniteMagnitude))
        constant("MOST-NEGATIVE-DOUBLE-FLOAT", .double(-Double.greatestFiniteMagnitude))
        constant("MOST-POSITIVE-SINGLE-FLOAT", .single(Float.greatestFiniteMagnitude))
        constant("MOST-NEGATIVE-SINGLE-FLOAT", .single(-Float.greatestFiniteMagnitude))
        constant("MOST-POSITIVE-LONG-FLOAT", .double(Double.greatestFiniteMagnitude))
        constant("MOST-NEGATIVE-LONG-FLOAT", .double(-Double.greatestFiniteMagnitude))
        constant("MOST-POSITIVE-SHORT-FLOAT", .single(Float.greatestFiniteMagnitude))
        constant("MOST-NEGATIVE-SHORT-FLOAT", .single(-Float.greatestFiniteMagnitude))
        // The epsilons are the smallest e with (/= 1 (+ 1 e)) (resp. (- 1 e)): half an ulp
        // ties to even and leaves 1 unchanged, so it is the float just above half an ulp.
        // Short floats are single floats and long floats double floats.
        for (prefix, single) in [("SINGLE", true), ("SHORT", true), ("DOUBLE", false), ("LONG", false)] {
            func f(_ x: Float, _ d: Double) -> Value { single ? .single(x) : .double(d) }
            constant("\(prefix)-FLOAT-EPSILON", f((Float.ulpOfOne / 2).nextUp, (Double.ulpOfOne / 2).nextUp))
            constant("\(prefix)-FLOAT-NEGATIVE-EPSILON", f((Float.ulpOfOne / 4).nextUp, (Double.ulpOfOne / 4).nextUp))
            constant("LEAST-POSITIVE-\(prefix)-FLOAT", f(Float.leastNonzeroMagnitude, Double.leastNonzeroMagnitude))
            constant("LEAST-NEGATIVE-\(prefix)-FLOAT", f(-Float.leastNonzeroMagnitude, -Double.leastNonzeroMagnitude))
            constant("LEAST-POSITIVE-NORMALIZED-\(prefix)-FLOAT", f(Float.leastNormalMagnitude, Double.leastNormalMagnitude))
            constant("LEAST-NEGATIVE-NORMALIZED-\(prefix)-FLOAT", f(-Float.leastNormalMagnitude, -Double.leastNormalMagnitude))
        }
        constant("BOOLE-AND", .fixnum(6))
        let stdout = FDStream(fd: 1, input: false, output: true, name: "standard output")
        let stderr = FDStream(fd: 2, input: false, output: true, name: "standard error")
        stderr.lineBuffered = true
        let stdin = FDStream(fd: 0, input: true, output: false, name: "standard input")
        rt.stdoutStream = stdout
        rt.stderrStream = stderr
        rt.stdinStream = stdin
        rt.defVar(Sym.standardOutput, .object(stdout))
        rt.defVar(Sym.errorOutput, .object(stderr))
        rt.defVar(Sym.traceOutput, .object(stdout))  // as in SBCL (and LispWorks: the terminal)
        rt.defVar(Sym.standardInput, .object(stdin))
        let terminal = TwoWayStream(input: stdin, output: stdout)
        rt.defVar(Sym.terminalIO, .object(terminal))
        rt.defVar(Sym.queryIO, .object(terminal))
        rt.defVar(Sym.debugIO, .object(terminal))
    }
}

/// Every builtin file's registration function, in dependency order. A new builtin file adds
/// its `register` here.
enum BuiltinModules {
    static let all: [(Runtime) -> Void] = [
        EvaluatorBuiltins.register,
        CoreMacros.register,
        ListBuiltins.register,
        PredicateBuiltins.register,
        SymbolBuiltins.register,
        PackageBuiltins.register,
        ConditionBuiltins.register,
        PrintBuiltins.register,
        StreamBuiltins.register,
        MacroSupport.register,
        QuitBuiltins.register,
        NumberLibrary.register,
        SequenceLibrary.register,
        OutputLibrary.register,
        DataLibrary.register,
        Runtime.registerDeferredCompileErrors,
    ]
}

/// A bidirectional stream over an input and an output stream (`make-two-way-stream`).
public final class TwoWayStream: LispStream {
    public let input: LispStream
    public let output: LispStream
    public init(input: LispStream, output: LispStream) {
        self.input = input
        self.output = output
    }
    public override var isInput: Bool { true }
    public override var isOutput: Bool { true }
    public override var typeName: String { "TWO-WAY-STREAM" }
    public override var supertypeNames: [String] { ["STREAM"] }
    public override func writeChar(_ c: Unicode.Scalar) { output.writeChar(c); column = output.column }
    public override func writeString(_ s: String) { output.writeString(s); column = output.column }
    public override func finishOutput() { output.finishOutput() }
    public override func readChar() throws(Unwind) -> Unicode.Scalar? { try input.readChar() }
    public override func unreadChar(_ c: Unicode.Scalar) { input.unreadChar(c) }
    public override func peekChar() throws(Unwind) -> Unicode.Scalar? { try input.peekChar() }
    public override func listen() -> Bool { input.listen() }
    public override func writeByte(_ b: UInt8) throws(Unwind) { try output.writeByte(b) }
    public override func readByte() throws(Unwind) -> UInt8? { try input.readByte() }
}
