// commlisp-bench -- the CommLisp benchmark driver (not a test: it prints a table of figures,
// and a final `BENCH-RESULT {json}` line).
//
//   swift build -c release                      # builds commlisp (and this driver)
//   swift run -c release commlisp-bench [flags]
//
// Sections: interp (start-up + lisp/bench programs against their Python twins), net (plain echo
// scenarios + idle connections, Lisp echo example against c-epoll-echo), tls (TLS echo scenarios).
import Glibc

struct Config {
    var sections: Set<String> = ["interp", "net", "tls"]
    var runs = 3
    var netRounds = 4
    var duration = 3.0
    var warmup = 1.0
    var quick = false
    var startupRuns = 20
    var idleConns = 10000
    var programTimeoutS = 300.0
    var python = "python3"
    var commlisp: String? = nil
    var commlispWanted = ""
    var root = "."
    var toolsDir: String? = nil
    var benchFilter: Set<String>? = nil
    var pin = true
    var tmpDir = "/tmp"

    var commlispMissingShort: String { "commlisp binary missing (see top)" }
    var commlispMissing: String {
        "commlisp binary not found at \(commlispWanted); run `swift build -c release` first (or pass --commlisp PATH)"
    }
}

let usage = """
usage: commlisp-bench [--only interp|net|tls[,…]] [--runs N] [--duration S] [--quick]
                      [--commlisp PATH] [--python PATH] [--tools DIR] [--bench NAME[,…]]
                      [--net-rounds N] [--idle-conns N] [--no-pin]
  --only       sections to run (default: all). interp = start-up + lisp/bench programs vs Python;
               net = plain echo scenarios + idle connections; tls = TLS echo scenarios
  --runs N     best of N process runs per interpreter program (default 3)
  --duration S loadgen measured seconds per scenario (default 3; warm-up 1 s)
  --net-rounds each echo scenario runs N times alternating C and Lisp, best kept; the median
               of the rounds' Lisp/C pairs is printed beside it (default 4)
  --quick      smoke run: 1 run, 1 round of 1 s scenarios, 0.3 s warm-up, 5 start-ups, 2000 idle conns
  --commlisp   interpreter binary (default: commlisp next to this binary, i.e. the same build dir)
  --python     Python interpreter for the twins (default python3)
  --tools DIR  directory holding loadgen.c and c-epoll-echo.c (default: shared/tools, found upwards)
  --bench      only these interpreter programs (e.g. fib,sort)
  --idle-conns number of idle connections (default 10000)
  --no-pin     do not pin server/loadgen with taskset
"""

func die(_ msg: String) -> Never {
    writeAll(2, "commlisp-bench: \(msg)\n\(usage)\n")
    exit(64)
}

func parseArgs() -> Config {
    var cfg = Config()
    var args = Array(CommandLine.arguments.dropFirst())
    var explicitRuns = false, explicitDuration = false, explicitIdle = false, explicitRounds = false
    func value(_ flag: String) -> String {
        guard !args.isEmpty else { die("\(flag) needs a value") }
        return args.removeFirst()
    }
    while !args.isEmpty {
        let a = args.removeFirst()
        switch a {
        case "--only":
            let v = Set(value(a).split(separator: ",").map(String.init))
            guard !v.isEmpty, v.isSubset(of: ["interp", "net", "tls"]) else { die("--only takes interp, net or tls") }
            cfg.sections = v
        case "--runs":
            guard let n = Int(value(a)), n >= 1 else { die("--runs needs a positive integer") }
            cfg.runs = n; explicitRuns = true
        case "--duration":
            guard let d = Double(value(a)), d > 0, d <= 600 else { die("--duration needs seconds in (0, 600]") }
            cfg.duration = d; explicitDuration = true
        case "--net-rounds":
            guard let n = Int(value(a)), n >= 1 else { die("--net-rounds needs a positive integer") }
            cfg.netRounds = n; explicitRounds = true
        case "--quick": cfg.quick = true
        case "--commlisp": cfg.commlispWanted = absolute(value(a))
        case "--python": cfg.python = value(a)
        case "--tools": cfg.toolsDir = absolute(value(a))
        case "--bench": cfg.benchFilter = Set(value(a).split(separator: ",").map(String.init))
        case "--idle-conns":
            guard let n = Int(value(a)), n >= 1 else { die("--idle-conns needs a positive integer") }
            cfg.idleConns = n; explicitIdle = true
        case "--no-pin": cfg.pin = false
        case "-h", "--help": say(usage); exit(0)
        default: die("unknown argument \(a)")
        }
    }
    if cfg.quick {
        if !explicitRuns { cfg.runs = 1 }
        if !explicitDuration { cfg.duration = 1 }
        cfg.warmup = 0.3
        cfg.startupRuns = 5
        if !explicitIdle { cfg.idleConns = 2000 }
        if !explicitRounds { cfg.netRounds = 1 }
        cfg.programTimeoutS = 120
    }
    return cfg
}

/// The package root: the nearest directory upwards (from the working directory, then from this
/// binary) holding Package.swift and lisp/.
func findRoot() -> String {
    var starts = [cwd()]
    if let exe = selfExecutable() { starts.append(dirname(exe)) }
    for s in starts {
        var d = s
        while true {
            if fileExists(d + "/Package.swift") && fileExists(d + "/lisp") { return d }
            if d == "/" || d.isEmpty { break }
            d = dirname(d)
        }
    }
    return cwd()
}

func findTools(root: String) -> String? {
    var candidates: [String] = []
    if let e = env("COMMLISP_TOOLS") { candidates.append(e) }
    var d = root
    while true {
        candidates.append(d + "/shared/tools")
        if d == "/" || d.isEmpty { break }
        d = dirname(d)
    }
    return candidates.first { fileExists($0 + "/loadgen.c") && fileExists($0 + "/c-epoll-echo.c") }
}

// MARK: - main

installChildGuards()
var cfg = parseArgs()
cfg.root = findRoot()
if cfg.toolsDir == nil { cfg.toolsDir = findTools(root: cfg.root) }
let commlispDefaulted = cfg.commlispWanted.isEmpty
if commlispDefaulted {
    cfg.commlispWanted = (selfExecutable().map(dirname) ?? cfg.root + "/.build/release") + "/commlisp"
}
cfg.commlisp = isExecutable(cfg.commlispWanted) ? cfg.commlispWanted : nil
if commlispDefaulted, let cl = cfg.commlisp, let built = mtime(cl) {
    let newest = ["LispCore", "LispComm", "Comm", "CShims", "commlisp"]
        .compactMap { newestMtime(under: cfg.root + "/Sources/" + $0) }.max() ?? 0
    if newest > built {
        warn("\(cl) may be stale (sources are newer than the binary): if so, run `swift build -c release` first")
    }
}
let cores = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
if cfg.pin && (which("taskset") == nil || cores < 2) {
    cfg.pin = false
    warn("not pinning server and load generator (taskset missing or fewer than 2 cores)")
}
var tmpl = Array("/tmp/commlisp-bench.XXXXXX".utf8CString)
guard let t = mkdtemp(&tmpl) else { die("mkdtemp failed") }
cfg.tmpDir = String(cString: t)
setTmpDirForCleanup(cfg.tmpDir)
let started = nowS()

say("commlisp-bench: root \(cfg.root)")
say("commlisp: " + (cfg.commlisp ?? "MISSING - " + cfg.commlispMissing))
// Resolve the real interpreter: `python3` may be a launcher shim (pyenv's is a shell script
// that adds ~150 ms to every start), which would flatter CommLisp.
let pyProbe = runCapture([cfg.python, "-c", "import sys; print(sys.executable); print(sys.version.split()[0])"], timeoutS: 30)
let pyLines = pyProbe.stdout.split(separator: "\n").map(String.init)
if pyProbe.ok, pyLines.count >= 2, isExecutable(pyLines[0]) { cfg.python = pyLines[0] }
let pyVersion = pyLines.count >= 2 ? "Python " + pyLines[1] : "unknown (\(describeFailure(pyProbe, timeoutS: 30)))"
say("python: \(cfg.python) \(pyVersion)  cores: \(cores)  runs: \(cfg.runs)  duration: \(fmt(cfg.duration, 1)) s" + (cfg.quick ? "  (quick)" : ""))

var result: [(String, JSON)] = [
    ("version", .int(1)),
    ("quick", .bool(cfg.quick)), ("runs", .int(cfg.runs)), ("duration_s", .number(cfg.duration)),
    ("net_rounds", .int(cfg.netRounds)),
    ("warmup_s", .number(cfg.warmup)), ("cores", .int(cores)), ("pinned", .bool(cfg.pin)),
    ("commlisp", cfg.commlisp.map { .str($0) } ?? .null),
    ("commlisp_error", cfg.commlisp == nil ? .str(cfg.commlispMissing) : .null),
    ("python", .str(pyVersion)), ("python_path", .str(cfg.python)),
]

if cfg.sections.contains("interp") {
    result.append(("startup", runStartup(cfg)))
    result.append(("interp", runInterp(cfg)))
}

if cfg.sections.contains("net") || cfg.sections.contains("tls") {
    let (tools, err) = buildTools(cfg)
    if let tools {
        if cfg.sections.contains("net") {
            _ = raiseNoFile(to: cfg.idleConns + 256)
            result.append(("net", runScenarios("Echo scenarios (plain TCP)", plainScenarios, tools: tools, cfg: cfg,
                cArgv: { [tools.cserver, "--port", String($0)] },
                lispScript: "lisp/examples/echo-server.lisp",
                lispArgv: { [cfg.commlisp ?? "commlisp", cfg.root + "/lisp/examples/echo-server.lisp", String($0)] })))
            result.append(("idle", runIdle(cfg, tools: tools)))
        }
        if cfg.sections.contains("tls") {
            if let (cert, key) = makeCert(cfg) {
                result.append(("tls", runScenarios("Echo scenarios (TLS)", tlsScenarios, tools: tools, cfg: cfg,
                    cArgv: { [tools.cserver, "--port", String($0), "--tls", cert, key] },
                    lispScript: "lisp/examples/tls-echo-server.lisp",
                    lispArgv: { [cfg.commlisp ?? "commlisp", cfg.root + "/lisp/examples/tls-echo-server.lisp", String($0), cert, key] })))
            } else {
                say("")
                say("== Echo scenarios (TLS): skipped, could not generate a certificate with openssl")
                result.append(("tls", .obj([("error", .str("openssl req failed"))])))
            }
        }
    } else {
        say("")
        say("== Network scenarios: skipped: \(err ?? "?")")
        result.append(("net_error", .str(err ?? "?")))
    }
}

killAllChildren()
removeTree(cfg.tmpDir)
result.append(("elapsed_s", .number(nowS() - started, decimals: 1)))
say("")
say("BENCH-RESULT " + JSON.obj(result).text)
