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
        // 100,000 nested Lisp calls: measured at 0.9-3 KB of this 1 GiB stack per call (deep
        // recursion through format, eval, handler-case and mapcar included), so at most ~300 MB
        // is touched before storage-condition; the value stack gets 4M slots to match.
        // (Embedders' default, on ordinary thread stacks, stays at 20,000.)
        let rt = Runtime(stackSize: 1 << 22, maxDepth: 100_000)
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
