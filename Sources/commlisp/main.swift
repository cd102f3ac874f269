import CShims
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

let interactiveREPL = options.script == nil && options.actions.isEmpty && isatty(0) != 0

/// The session, run on a large stack (deep recursion needs it) on this very thread: a second
/// thread would make the kernel reference-count the file on every socket syscall
/// (CShims/big_stack.c).
final class SessionRun {
    var status: Int32 = 0
    func run() {
        let rt = Runtime()
        LispComm.install(rt)
        if interactiveREPL { Interrupts.install(for: rt) }
        status = Session(rt: rt, options: options).run()
        rt.flushStandardStreams()
    }
}
let session = SessionRun()
let switched = cshim_run_on_big_stack(1 << 30, { arg in
    Unmanaged<SessionRun>.fromOpaque(arg!).takeUnretainedValue().run()
}, Unmanaged.passUnretained(session).toOpaque())
if switched != 0 {
    // The big stack could not be mapped: run on a thread with one. SIGINT must then reach that
    // thread (its waits see EINTR), not this one waiting for it.
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGINT)
    pthread_sigmask(SIG_BLOCK, &set, nil)
    runOnLispThread {
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        session.run()
    }
}
exit(session.status)
