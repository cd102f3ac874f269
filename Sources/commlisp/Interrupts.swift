import Glibc
import LispCore

/// Ctrl-C in the REPL: SIGINT sets the runtime's interrupt flag, which the evaluator checks at
/// function entry and loop back-edges; the resulting `sys:interactive-interrupt` is reported
/// like any unhandled error and the REPL prompts again, with its state intact. Scripts keep the
/// default disposition (Ctrl-C ends them).
enum Interrupts {
    /// The runtime the handler flags. Set once, before the handler is installed.
    nonisolated(unsafe) static var runtime: Unmanaged<Runtime>?

    static func install(for rt: Runtime) {
        runtime = Unmanaged.passUnretained(rt)
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in
            // A single byte store: async-signal-safe in practice, and read only on this thread.
            Interrupts.runtime?.takeUnretainedValue().interruptRequested = true
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0  // no SA_RESTART: a blocking wait returns EINTR
        sigaction(SIGINT, &action, nil)
    }
}
