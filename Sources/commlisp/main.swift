import Glibc
import LispCore
import LispComm

/// commlisp: the CommLisp executable — script runner, `-e` evaluator and REPL.
signal(SIGPIPE, SIG_IGN)
let options = CommandLineOptions(Array(CommandLine.arguments.dropFirst()))
if let e = options.error {
    fputs("commlisp: \(e)\n\(CommandLineOptions.usage)\n", stderr)
    exit(2)
}
if options.showHelp { print(CommandLineOptions.usage); exit(0) }
if options.showVersion { print("CommLisp 0.1"); exit(0) }

var status: Int32 = 0
let interactiveREPL = options.script == nil && options.actions.isEmpty && isatty(0) != 0
if interactiveREPL {
    // Deliver SIGINT to the Lisp thread (so its waits see EINTR), not to this waiting thread.
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGINT)
    pthread_sigmask(SIG_BLOCK, &set, nil)
}
runOnLispThread {
    let rt = Runtime()
    LispComm.install(rt)
    if interactiveREPL {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        Interrupts.install(for: rt)
    }
    status = Session(rt: rt, options: options).run()
    rt.flushStandardStreams()
}
exit(status)
