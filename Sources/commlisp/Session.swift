import Glibc
import LispCore
import LispComm

/// One run of the executable: performs the command-line actions in order, then the script or
/// the REPL, and decides the exit status (1 after an unhandled error in a script or `-e`).
struct Session {
    let rt: Runtime
    let options: CommandLineOptions

    func run() -> Int32 {
        var argList = [Value("commlisp")]
        if let s = options.script { argList.append(Value(s)) }
        argList += options.scriptArgs.map { Value($0) }
        Sym.lineArguments.value = listFrom(argList)

        for action in options.actions {
            let outcome: Runtime.Outcome
            switch action {
            case .load(let path): outcome = rt.runTopLevel { () throws(Unwind) in try loadFile(path) }
            case .eval(let text): outcome = rt.runTopLevel { () throws(Unwind) in try evalAndPrint(text) }
            }
            switch outcome {
            case .finished: continue
            case .failed: return 1
            case .quit(let n): return n
            }
        }
        if let script = options.script {
            // A script keeps running after its last form while running collections have live
            // states or acceptors (or processes are queued); it ends when none remain or on (quit).
            switch rt.runTopLevel({ () throws(Unwind) in
                try loadFile(script)
                try LispComm.runUntilIdle(rt)
            }) {
            case .finished: return 0
            case .failed: return 1
            case .quit(let n): return n
            }
        }
        if options.actions.contains(where: { if case .eval = $0 { return true } else { return false } }) {
            switch rt.runTopLevel({ () throws(Unwind) in try LispComm.runUntilIdle(rt) }) {
            case .finished: return 0
            case .failed: return 1
            case .quit(let n): return n
            }
        }
        return REPL(rt: rt).run()
    }

    func loadFile(_ path: String) throws(Unwind) {
        guard let text = readWholeFile(path) else {
            rt.errorOutputStream.writeString("commlisp: cannot read \(path)\n")
            throw .abortToToplevel
        }
        try rt.loadSource(text, fileName: path)
    }

    /// `-e FORM...`: evaluate every form in the text, printing the values of the last.
    func evalAndPrint(_ text: String) throws(Unwind) {
        let src = StringSource(text)
        let reader = Reader(rt: rt, source: src)
        let eof = Value.symbol(Symbol(name: "EOF"))
        var values: [Value] = []
        while true {
            let form = try reader.read(eofError: false, eofValue: eof)
            if eq(form, eof) { break }
            let v = try rt.evalTopLevel(form)
            values = rt.collectValues(v)
        }
        let out = rt.standardOutputStream
        for v in values {
            out.writeString(rt.printString(v) + "\n")
        }
    }
}
