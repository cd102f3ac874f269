/// Parsed command line: `commlisp [--load FILE]... [-e FORM]... [FILE [ARGS...]]`.
struct CommandLineOptions {
    enum Action {
        case load(String)
        case eval(String)
    }
    var actions: [Action] = []
    var script: String?
    var scriptArgs: [String] = []
    var showHelp = false
    var showVersion = false
    var error: String?

    init(_ argv: [String]) {
        var i = 0
        while i < argv.count {
            let a = argv[i]
            switch a {
            case "-e", "--eval":
                guard i + 1 < argv.count else { error = "\(a) needs a form"; return }
                actions.append(.eval(argv[i + 1]))
                i += 2
            case "-l", "--load":
                guard i + 1 < argv.count else { error = "\(a) needs a file"; return }
                actions.append(.load(argv[i + 1]))
                i += 2
            case "-h", "--help":
                showHelp = true
                i += 1
            case "--version":
                showVersion = true
                i += 1
            case "--":
                if i + 1 < argv.count {
                    script = argv[i + 1]
                    scriptArgs = Array(argv[(i + 2)...])
                }
                return
            default:
                if a.hasPrefix("-") && a != "-" { error = "unknown option \(a)"; return }
                script = a
                scriptArgs = Array(argv[(i + 1)...])
                return
            }
        }
    }

    static let usage = """
        usage: commlisp [options] [FILE [ARGS...]]
          FILE            run a Lisp script (sys:*line-arguments-list* = ("commlisp" FILE ARGS...))
          -e, --eval FORM evaluate FORM and print its values
          -l, --load FILE load FILE before the script or REPL
          -h, --help      this text
        With no FILE and no -e, starts the REPL (reads forms from standard input).
        """
}
