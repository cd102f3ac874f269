import Glibc
import LispCore
import LispComm

/// The read-eval-print loop: reads forms from standard input, prints every value, and survives
/// errors (the error is reported and the prompt comes back). A prompt is shown only on a terminal.
struct REPL {
    let rt: Runtime

    func run() -> Int32 {
        let interactive = isatty(0) != 0
        let input = rt.stdinStream!
        let out = rt.standardOutputStream
        if interactive {
            out.writeString("CommLisp 0.1 — (quit) to exit.\n")
        }
        let eof = Value.symbol(Symbol(name: "EOF"))
        while true {
            if interactive {
                out.writeString(rt.currentPackage === rt.world.clUser ? "* " : "\(rt.currentPackage.name)> ")
                out.finishOutput()
            }
            var form: Value = .null
            let readOutcome = rt.runTopLevel { () throws(Unwind) in
                let reader = Reader(rt: rt, source: StreamSource(input))
                form = try reader.read(eofError: false, eofValue: eof)
            }
            switch readOutcome {
            case .failed:
                // Drop the rest of the offending line, keep everything typed (or piped) after it.
                _ = rt.runTopLevel { () throws(Unwind) in
                    while let c = try input.readChar(), c != "\n" {}
                }
                continue
            case .quit(let n): return n
            case .finished: break
            }
            // On a terminal the user's Enter already moved the cursor to a fresh line.
            if interactive {
                out.column = 0
                rt.errorOutputStream.column = 0
            }
            if eq(form, eof) {
                if interactive { out.writeString("\n") }
                // End of input: like a script, keep serving running collections until idle.
                switch rt.runTopLevel({ () throws(Unwind) in try LispComm.runUntilIdle(rt) }) {
                case .quit(let n): return n
                case .failed: return 1
                case .finished: return 0
                }
            }
            var values: [Value] = []
            // A Ctrl-C typed at the prompt is dropped; one during evaluation interrupts it.
            rt.interruptRequested = false
            let outcome = rt.runTopLevel { () throws(Unwind) in
                let v = try rt.evalTopLevel(form)
                values = rt.collectValues(v)
            }
            switch outcome {
            case .quit(let n): return n
            case .failed:
                rt.errorOutputStream.finishOutput()
                continue
            case .finished:
                if out.column != 0 { out.writeString("\n") }
                for v in values { out.writeString(rt.printString(v) + "\n") }
                updateHistory(form, values)
                out.finishOutput()
            }
        }
    }

    /// Maintain `*`, `**`, `***`, `+`, `/` as the standard REPL variables.
    func updateHistory(_ form: Value, _ values: [Value]) {
        let cl = rt.world.cl
        func sym(_ n: String) -> Symbol { cl.internExternal(n) }
        sym("***").value = sym("**").value
        sym("**").value = sym("*").value
        sym("*").value = values.first ?? .null
        sym("+++").value = sym("++").value
        sym("++").value = sym("+").value
        sym("+").value = form
        sym("///").value = sym("//").value
        sym("//").value = sym("/").value
        sym("/").value = listFrom(values)
    }
}
