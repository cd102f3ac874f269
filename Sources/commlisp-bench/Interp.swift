// Interp.swift -- interpreter programs: each lisp/bench/NAME.lisp against its twin NAME.py,
// run alternately, best-of-N wall clock of the whole process, stdout compared.

struct InterpProgram {
    let name: String
    let target: Double      // python/commlisp ratio
    let inclusive: Bool     // true: ratio >= target; false: ratio > target
}

let interpPrograms: [InterpProgram] = [
    InterpProgram(name: "fib", target: 1.5, inclusive: true),
    InterpProgram(name: "sum-loop", target: 1.0, inclusive: false),
    InterpProgram(name: "list-ops", target: 1.0, inclusive: false),
    InterpProgram(name: "string-stream", target: 1.0, inclusive: false),
    InterpProgram(name: "hash-table", target: 1.0, inclusive: false),
    InterpProgram(name: "format", target: 1.0, inclusive: false),
    InterpProgram(name: "sort", target: 1.0, inclusive: false),
    InterpProgram(name: "string-search", target: 1.0, inclusive: false),
    InterpProgram(name: "loop-heavy", target: 1.0, inclusive: false),
]

func firstLine(_ s: String, max: Int = 120) -> String {
    let t = s.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? ""
    return t.count > max ? String(t.prefix(max)) + "…" : t
}

func lastLines(_ s: String, _ n: Int = 3) -> String {
    s.split(separator: "\n").suffix(n).joined(separator: " | ")
}

func trimmed(_ s: String) -> String {
    var t = Substring(s)
    while let c = t.last, c == "\n" || c == " " || c == "\r" || c == "\t" { t = t.dropLast() }
    return String(t)
}

func describeFailure(_ r: RunResult, timeoutS: Double) -> String {
    if r.status == -1 { return r.stderr }
    if r.timedOut { return "timed out after \(fmt(timeoutS, 0)) s" }
    let e = firstLine(trimmed(r.stderr).isEmpty ? r.stdout : lastLines(r.stderr, 2))
    return "exit \(r.status)" + (e.isEmpty ? "" : ": " + e)
}

/// Start-up time: best of N `commlisp -e '(+ 1 2)'` (and `python3 -c pass` for reference).
func runStartup(_ cfg: Config) -> JSON {
    say("")
    say("== Start-up: commlisp -e '(+ 1 2)', best of \(cfg.startupRuns) (target < 30 ms)")
    var best: Double? = nil, pyBest: Double? = nil
    var error: String? = nil
    if let cl = cfg.commlisp {
        for _ in 0..<cfg.startupRuns {
            let r = runCapture([cl, "-e", "(+ 1 2)"], timeoutS: 10)
            if !r.ok { error = describeFailure(r, timeoutS: 10); break }
            best = min(best ?? .infinity, r.wallS * 1000)
        }
    } else {
        error = cfg.commlispMissingShort
    }
    for _ in 0..<cfg.startupRuns {
        let r = runCapture([cfg.python, "-c", "pass"], timeoutS: 10)
        if r.ok { pyBest = min(pyBest ?? .infinity, r.wallS * 1000) }
    }
    let met = error == nil && (best ?? .infinity) < 30
    let status = error.map { "ERROR: " + $0 } ?? (met ? "ok" : "MISS")
    let w = [16, 12, 12, 10, 0]
    printRow(["", "CommLisp ms", "Python ms", "target", "status"], w)
    printRow(["start-up", fmt(best, 1), fmt(pyBest, 1), "< 30 ms", status], w)
    return .obj([
        ("commlisp_ms", .number(best)), ("python_ms", .number(pyBest)),
        ("target_ms", .num(30)), ("met", .bool(met)), ("runs", .int(cfg.startupRuns)),
        ("error", error.map { .str($0) } ?? .null),
    ])
}

func runInterp(_ cfg: Config) -> JSON {
    say("")
    say("== Interpreter programs: wall clock of the whole process, best of \(cfg.runs); ratio = Python/CommLisp (>1: CommLisp faster)")
    let w = [16, 12, 12, 8, 8, 0]
    printRow(["program", "CommLisp ms", "Python ms", "ratio", "target", "status"], w)
    var rows: [JSON] = []
    let timeout = cfg.programTimeoutS
    for prog in interpPrograms {
        if let f = cfg.benchFilter, !f.contains(prog.name) { continue }
        let lisp = cfg.root + "/lisp/bench/\(prog.name).lisp"
        let py = cfg.root + "/lisp/bench/\(prog.name).py"
        var error: String? = nil
        var pyError: String? = nil
        var clBest: Double? = nil, pyBest: Double? = nil
        var expected: String? = nil, got: String? = nil
        if !fileExists(lisp) || !fileExists(py) {
            error = "missing \(fileExists(lisp) ? py : lisp)"
            pyError = error
        }
        var clActive = error == nil && cfg.commlisp != nil
        if error == nil && cfg.commlisp == nil { error = cfg.commlispMissingShort }
        var pyActive = pyError == nil
        for _ in 0..<cfg.runs {
            if pyActive {
                let r = runCapture([cfg.python, py], timeoutS: timeout, cwd: cfg.root)
                if r.ok {
                    pyBest = min(pyBest ?? .infinity, r.wallS * 1000)
                    expected = trimmed(r.stdout)
                } else {
                    pyError = "python: " + describeFailure(r, timeoutS: timeout)
                    pyActive = false
                }
            }
            if clActive, let cl = cfg.commlisp {
                let r = runCapture([cl, lisp], timeoutS: timeout, cwd: cfg.root)
                got = trimmed(r.stdout)
                if !r.ok {
                    error = describeFailure(r, timeoutS: timeout)
                    clActive = false
                } else {
                    clBest = min(clBest ?? .infinity, r.wallS * 1000)
                    if let e = expected, got != e {
                        error = "checksum mismatch: got \"\(firstLine(got ?? "", max: 60))\", Python \"\(firstLine(e, max: 60))\""
                        clActive = false
                    }
                }
            }
        }
        if error == nil, let e = pyError { error = e }
        // no ratio for a run that failed or computed something else
        let ratio: Double? = (error == nil && clBest != nil && pyBest != nil) ? pyBest! / clBest! : nil
        let met = error == nil && ratio.map { prog.inclusive ? $0 >= prog.target : $0 > prog.target } == true
        let targetText = (prog.inclusive ? ">= " : "> ") + fmt(prog.target, 1)
        let status = error.map { "ERROR: " + $0 } ?? (met ? "ok" : "MISS")
        printRow([prog.name, error != nil && clBest == nil ? "-" : fmt(clBest, 1), fmt(pyBest, 1),
                  fmt(ratio, 2), targetText, status], w)
        rows.append(.obj([
            ("name", .str(prog.name)),
            ("commlisp_ms", .number(clBest)), ("python_ms", .number(pyBest)),
            ("ratio", .number(ratio)), ("target", .num(prog.target)),
            ("target_op", .str(prog.inclusive ? ">=" : ">")), ("met", .bool(met)),
            ("checksum", expected.map { .str($0) } ?? .null),
            ("error", error.map { .str($0) } ?? .null),
        ]))
    }
    return .arr(rows)
}
