import Comm
import Glibc
import LispCore

/// wait-state-collection API (spec section 2) on the single-Lisp-thread driver.
enum CollectionBuiltins {
    static func register(_ rt: Runtime, _ d: Driver) {
        let comm = World.shared.comm

        func newCollection(_ rt: Runtime, _ name: Value, _ fname: String) throws(Unwind) -> LispCollection {
            do throws(SystemError) {
                return LispCollection(coll: try EventCollection(name: nil), name: name)
            } catch { try socketError(rt, fname, error) }
        }

        rt.defN("MAKE-WAIT-STATE-COLLECTION", 0, 0, in: comm) { rt, _ throws(Unwind) in
            .object(try newCollection(rt, .null, "MAKE-WAIT-STATE-COLLECTION"))
        }

        rt.defN("CREATE-AND-RUN-WAIT-STATE-COLLECTION", 1, -1, in: comm) { rt, args throws(Unwind) in
            let fname = "CREATE-AND-RUN-WAIT-STATE-COLLECTION"
            let kw = try KeyArgs(rt, args, from: 1, allowed: ["HANDLER", "WITH-BACKTRACE"], fname: fname)
            let lc = try newCollection(rt, args[0], fname)
            let h = kw["HANDLER"]
            switch h {
            case .null: lc.policy = .none
            case .symbol(let s) where s === Symbol.T: lc.policy = .print
            case .symbol(let s) where s.isKeyword && s.name == "ABORT": lc.policy = .abort
            case .function, .symbol: lc.policy = .function(try functionDesignator(rt, fname, ":HANDLER", h))
            default: try kw.fail("HANDLER", h, "NIL, T, :ABORT or a function")
            }
            let wb = kw["WITH-BACKTRACE"]
            switch wb {
            case .null: break
            case .symbol(let s) where s === Symbol.T || (s.isKeyword && ["BUG-FORM", "QUICK"].contains(s.name)): break
            default: try kw.fail("WITH-BACKTRACE", wb, "one of :BUG-FORM, T, :QUICK, NIL")
            }
            lc.withBacktrace = wb.isTrue
            lc.running = true
            lc.alive = true
            let pname = Value("Loop Collection " + rt.princString(args[0]))
            let noop = LispFunction(name: .null, kind: .native0 { _ throws(Unwind) in .null })
            let p = LispProcess(name: pname, function: noop, arguments: [], id: d.nextProcessID)
            d.nextProcessID += 1
            p.started = true
            p.collection = lc
            lc.process = p
            d.allProcesses.append(p)
            d.drive(lc)
            return .object(lc)
        }

        rt.defN("LOOP-PROCESSING-WAIT-STATE-COLLECTION", 1, 1, in: comm) { rt, args throws(Unwind) in
            let lc = try rt.collectionArg(args[0], "LOOP-PROCESSING-WAIT-STATE-COLLECTION")
            if lc.busy { return .null }  // called from its own callback: not re-entered
            if lc.looping { try commError(rt, "LOOP-PROCESSING-WAIT-STATE-COLLECTION", "a loop is already running on \(lc.printUnreadable())") }
            lc.looping = true
            let wasDriven = d.driven.contains { $0 === lc }
            d.drive(lc)
            defer {
                lc.looping = false
                if !wasDriven && !lc.running { d.undrive(lc) }
            }
            _ = try d.waitUntil(timeout: nil) { () throws(Unwind) -> Bool in lc.stopRequested }
            lc.stopRequested = false
            return .null
        }

        rt.defN("WAIT-FOR-WAIT-STATE-COLLECTION", 1, 1, in: comm) { rt, args throws(Unwind) in
            let lc = try rt.collectionArg(args[0], "WAIT-FOR-WAIT-STATE-COLLECTION")
            if lc.coll.hasImmediateWork { return .t }
            if d.driven.contains(where: { $0 === lc }) {
                try d.step(timeoutMS: lc.coll.millisecondsUntilNextEvent())
                return .t
            }
            while true {
                if lc.coll.hasImmediateWork { return .t }
                let ms = lc.coll.millisecondsUntilNextEvent()
                let t0 = monotonicNow()
                if try d.step(timeoutMS: ms, watchFD: lc.coll.pollFD) { return .t }
                if ms >= 0 && monotonicNow() - t0 >= Double(ms) / 1000 { return .t }
            }
        }

        rt.defN("CALL-WAIT-STATE-COLLECTION", 1, 1, in: comm) { rt, args throws(Unwind) in
            let lc = try rt.collectionArg(args[0], "CALL-WAIT-STATE-COLLECTION")
            d.dispatch(lc)
            if let q = d.pendingQuit { d.pendingQuit = nil; throw .quit(q) }
            return .null
        }

        rt.defN("WAIT-STATE-COLLECTION-STOP-LOOP", 1, 1, in: comm) { rt, args throws(Unwind) in
            let lc = try rt.collectionArg(args[0], "WAIT-STATE-COLLECTION-STOP-LOOP")
            lc.stopRequested = true
            if lc.running && !lc.busy && !lc.looping { d.finishStop(lc) }
            return .null
        }

        rt.defN("CLOSE-WAIT-STATE-COLLECTION", 1, 1, in: comm) { rt, args throws(Unwind) in
            let lc = try rt.collectionArg(args[0], "CLOSE-WAIT-STATE-COLLECTION")
            lc.coll.close()
            return .null
        }

        rt.defN("APPLY-IN-WAIT-STATE-COLLECTION-PROCESS", 2, -1, in: comm) { rt, args throws(Unwind) in
            let fname = "APPLY-IN-WAIT-STATE-COLLECTION-PROCESS"
            let lc = try rt.collectionArg(args[0], fname)
            let f = try functionDesignator(rt, fname, "function", args[1])
            let rest = Array(args.array.dropFirst(2))
            lc.coll.post { [d] in
                d.runCallback(lc, .null) { () throws(Unwind) in _ = try d.rt.apply(f, rest) }
            }
            return .null
        }

        rt.defN("WAIT-STATE-COLLECTION-ALIVE-P", 1, 1, in: comm) { rt, args throws(Unwind) in
            let lc = try rt.collectionArg(args[0], "WAIT-STATE-COLLECTION-ALIVE-P")
            return lc.alive ? .t : .null
        }
    }
}
