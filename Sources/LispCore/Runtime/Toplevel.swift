import Glibc

/// Host-side entry points shared by the script runner, the REPL and tests: run a file or a
/// string of forms, translating uncaught errors and `quit` into an exit status.
extension Runtime {
    /// Outcome of running top-level code.
    public enum Outcome: Equatable {
        case finished
        /// An error was not handled (already reported on `*error-output*`).
        case failed
        case quit(Int32)
    }

    /// Run `body`, mapping the top-level unwinds to an outcome.
    public func runTopLevel(_ body: () throws(Unwind) -> Void) -> Outcome {
        let savedSP = sp
        defer {
            sp = savedSP
            depth = 0
            catchTags.removeAll()
            handlerClusters.removeAll()
            restarts.removeAll()
        }
        do throws(Unwind) {
            try body()
            return .finished
        } catch {
            switch error {
            case .quit(let status): return .quit(status)
            case .abortToToplevel: return .failed
            case .toBlock, .toTag:
                errorOutputStream.writeString("Error: attempt to RETURN-FROM or GO to an exited extent\n")
                return .failed
            case .toCatch(let tag, _):
                errorOutputStream.writeString("Error: THROW to tag \(printString(tag)) with no catcher\n")
                return .failed
            }
        }
    }

    /// Flush the standard streams (before exiting or prompting).
    public func flushStandardStreams() {
        standardOutputStream.finishOutput()
        stdoutStream.finishOutput()
        errorOutputStream.finishOutput()
        stderrStream.finishOutput()
    }
}

/// Run `body` on a thread with a large stack (deep Lisp recursion needs it) and wait for it.
public func runOnLispThread(stackBytes: Int = 1 << 30, _ body: @escaping () -> Void) {
    final class Box { let f: () -> Void; init(_ f: @escaping () -> Void) { self.f = f } }
    var attr = pthread_attr_t()
    pthread_attr_init(&attr)
    pthread_attr_setstacksize(&attr, stackBytes)
    var tid = pthread_t()
    let box = Unmanaged.passRetained(Box(body)).toOpaque()
    let rc = pthread_create(&tid, &attr, { arg in
        let b = Unmanaged<AnyObject>.fromOpaque(arg!).takeRetainedValue() as! Box
        b.f()
        return nil
    }, box)
    if rc != 0 {
        Unmanaged<AnyObject>.fromOpaque(box).release()
        body()
        return
    }
    pthread_join(tid, nil)
}
