import Comm
import Glibc
import LispCore

/// MP:MAILBOX — a FIFO of objects.
public final class LispMailbox: LispObject {
    var items: [Value] = []
    var head = 0
    let name: Value
    init(name: Value) { self.name = name }
    var isEmpty: Bool { head >= items.count }
    func pop() -> Value {
        let v = items[head]
        head += 1
        if head > 64 && head * 2 > items.count { items.removeFirst(head); head = 0 }
        return v
    }
    public override var typeName: String { "MAILBOX" }
    public override var typePackage: String { "MP" }
    public override func printUnreadable() -> String { "MP:MAILBOX \(World.shared.printHook(name)) \(items.count - head) items" }
}

/// MP:LOCK — owned by a virtual process (or the main program); recursive for its owner.
public final class LispLock: LispObject {
    let name: Value
    var owner: LispProcess?
    var ownedByMain = false
    var count = 0
    init(name: Value) { self.name = name }
    public override var typeName: String { "LOCK" }
    public override var typePackage: String { "MP" }
    public override func printUnreadable() -> String { "MP:LOCK \(World.shared.printHook(name))" }
}

/// The MP package over virtual processes (see Driver): cooperative, one Lisp thread.
enum MPBuiltins {
    static func register(_ rt: Runtime, _ d: Driver) {
        let mp = World.shared.mp

        func processArg(_ rt: Runtime, _ v: Value, _ fname: String) throws(Unwind) -> LispProcess {
            if case .object(let o) = v, let p = o as? LispProcess { return p }
            try argError(rt, fname, "process", v, "an MP:PROCESS")
        }
        func newProcess(_ name: Value, _ f: LispFunction, _ args: [Value]) -> LispProcess {
            let p = LispProcess(name: name, function: f, arguments: args, id: d.nextProcessID)
            d.nextProcessID += 1
            d.allProcesses.append(p)
            d.runQueue.append(p)
            return p
        }

        // MARK: processes
        rt.defN("PROCESS-RUN-FUNCTION", 3, -1, in: mp) { rt, args throws(Unwind) in
            let fname = "MP:PROCESS-RUN-FUNCTION"
            let nameV = args[0]
            switch nameV {
            case .string, .symbol, .null: break
            default: try argError(rt, fname, "name", nameV, "a string or symbol")
            }
            _ = try rt.listItems(args[1])  // keywords plist (:priority, :mailbox ...) accepted and ignored
            let f = try functionDesignator(rt, fname, "function", args[2])
            let p = newProcess(nameV, f, Array(args.array.dropFirst(3)))
            var plist = args[1]
            while case .cons(let c) = plist, case .cons(let c2) = c.cdr {
                if case .symbol(let k) = c.car, k.isKeyword, k.name == "MAILBOX" {
                    p.mailbox = c2.car.isTrue && c2.car.asSymbol === Symbol.T ? .object(LispMailbox(name: nameV)) : c2.car
                }
                plist = c2.cdr
            }
            return .object(p)
        }
        rt.defN("FUNCALL-ASYNC", 1, -1, in: mp) { rt, args throws(Unwind) in
            let f = try functionDesignator(rt, "MP:FUNCALL-ASYNC", "function", args[0])
            _ = newProcess(Value("Funcall-Async"), f, Array(args.array.dropFirst(1)))
            return .null
        }
        rt.defN("PROCESS-WAIT", 2, -1, in: mp) { rt, args throws(Unwind) in
            let f = try functionDesignator(rt, "MP:PROCESS-WAIT", "function", args[1])
            let fargs = Array(args.array.dropFirst(2))
            _ = try d.waitUntil(timeout: nil) { () throws(Unwind) -> Bool in try rt.apply(f, fargs).isTrue }
            return .t
        }
        rt.defN("PROCESS-WAIT-WITH-TIMEOUT", 2, -1, in: mp) { rt, args throws(Unwind) in
            let fname = "MP:PROCESS-WAIT-WITH-TIMEOUT"
            var timeout: Double?
            if !args[1].isNil {
                guard let t = realValue(args[1]), t >= 0 else { try argError(rt, fname, "timeout", args[1], "NIL or a non-negative real") }
                timeout = t
            }
            if args.count < 3 || args[2].isNil {
                if let t = timeout { try d.sleep(t) }
                return .null
            }
            let f = try functionDesignator(rt, fname, "function", args[2])
            let fargs = Array(args.array.dropFirst(3))
            return try d.waitUntil(timeout: timeout) { () throws(Unwind) -> Bool in try rt.apply(f, fargs).isTrue } ? .t : .null
        }
        rt.defN("GET-CURRENT-PROCESS", 0, 0, in: mp) { _, _ throws(Unwind) in
            d.currentProcess.map { .object($0) } ?? .null
        }
        rt.def1("PROCESS-NAME", in: mp) { rt, p throws(Unwind) in try processArg(rt, p, "MP:PROCESS-NAME").name }
        rt.def1("PROCESS-ALIVE-P", in: mp) { rt, p throws(Unwind) in
            let pr = try processArg(rt, p, "MP:PROCESS-ALIVE-P")
            return pr.finished ? .null : .t
        }
        rt.def1("PROCESS-MAILBOX", in: mp) { rt, p throws(Unwind) in
            let pr = try processArg(rt, p, "MP:PROCESS-MAILBOX")
            if pr.mailbox.isNil { pr.mailbox = .object(LispMailbox(name: pr.name)) }
            return pr.mailbox
        }
        rt.defN("PROCESS-TERMINATE", 1, -1, in: mp) { rt, args throws(Unwind) in
            let fname = "MP:PROCESS-TERMINATE"
            _ = try KeyArgs(rt, args, from: 1, allowed: ["JOIN-TIMEOUT", "FORCE-TIMEOUT"], fname: fname)
            let p = try processArg(rt, args[0], fname)
            if p.finished { return .null }
            if let lc = p.collection {
                lc.stopRequested = true
                if lc.running && !lc.busy && !lc.looping { d.finishStop(lc) }
                return .t
            }
            if !p.started {
                d.runQueue.removeAll { $0 === p }
                p.finished = true
                d.allProcesses.removeAll { $0 === p }
                return .t
            }
            p.terminateRequested = true
            if d.currentProcess === p { throw .toCatch(p.terminateTag, .null) }
            return .t
        }
        rt.defN("LIST-ALL-PROCESSES", 0, 0, in: mp) { _, _ throws(Unwind) in
            listFrom(d.allProcesses.filter { !$0.finished }.map { .object($0) })
        }

        // MARK: mailboxes
        rt.defN("MAKE-MAILBOX", 0, -1, in: mp) { rt, args throws(Unwind) in
            let kw = try KeyArgs(rt, args, from: 0, allowed: ["SIZE", "NAME", "LOCK-NAME"], fname: "MP:MAKE-MAILBOX")
            _ = try kw.integer("SIZE", min: 0)
            return .object(LispMailbox(name: kw["NAME"]))
        }
        func mailboxArg(_ rt: Runtime, _ v: Value, _ fname: String) throws(Unwind) -> LispMailbox {
            if case .object(let o) = v, let m = o as? LispMailbox { return m }
            try argError(rt, fname, "mailbox", v, "an MP:MAILBOX")
        }
        rt.defN("MAILBOX-SEND", 2, 2, in: mp) { rt, args throws(Unwind) in
            let m = try mailboxArg(rt, args[0], "MP:MAILBOX-SEND")
            m.items.append(args[1])
            return .null
        }
        func timeoutArg(_ rt: Runtime, _ args: Args, _ i: Int, _ fname: String) throws(Unwind) -> Double? {
            guard args.count > i, !args[i].isNil else { return nil }
            guard let t = realValue(args[i]), t >= 0 else { try argError(rt, fname, "timeout", args[i], "NIL or a non-negative real") }
            return t
        }
        rt.defN("MAILBOX-READ", 1, 3, in: mp, mv: true) { rt, args throws(Unwind) in
            let fname = "MP:MAILBOX-READ"
            let m = try mailboxArg(rt, args[0], fname)
            let t = try timeoutArg(rt, args, 2, fname)
            if try d.waitUntil(timeout: t, { () throws(Unwind) -> Bool in !m.isEmpty }) {
                return try rt.values([m.pop(), .t])
            }
            return try rt.values([.null, .null])
        }
        rt.defN("MAILBOX-WAIT", 1, 3, in: mp) { rt, args throws(Unwind) in
            let fname = "MP:MAILBOX-WAIT"
            let m = try mailboxArg(rt, args[0], fname)
            let t = try timeoutArg(rt, args, 2, fname)
            return try d.waitUntil(timeout: t, { () throws(Unwind) -> Bool in !m.isEmpty }) ? .t : .null
        }
        rt.def1("MAILBOX-EMPTY-P", in: mp) { rt, mb throws(Unwind) in
            try mailboxArg(rt, mb, "MP:MAILBOX-EMPTY-P").isEmpty ? .t : .null
        }

        // MARK: locks
        rt.defN("MAKE-LOCK", 0, -1, in: mp) { rt, args throws(Unwind) in
            let kw = try KeyArgs(rt, args, from: 0, allowed: ["NAME", "IMPORTANT-P", "SAFEP", "RECURSIVEP", "SHARING"], fname: "MP:MAKE-LOCK")
            return .object(LispLock(name: kw["NAME"]))
        }
        func lockArg(_ rt: Runtime, _ v: Value, _ fname: String) throws(Unwind) -> LispLock {
            if case .object(let o) = v, let l = o as? LispLock { return l }
            try argError(rt, fname, "lock", v, "an MP:LOCK")
        }
        func mine(_ l: LispLock) -> Bool {
            l.count > 0 && (d.currentProcess == nil ? l.ownedByMain : l.owner === d.currentProcess)
        }
        func acquire(_ l: LispLock, _ timeout: Double?) throws(Unwind) -> Bool {
            if l.count > 0 && !mine(l) {
                if !(try d.waitUntil(timeout: timeout, { () throws(Unwind) -> Bool in l.count == 0 })) { return false }
            }
            l.owner = d.currentProcess
            l.ownedByMain = d.currentProcess == nil
            l.count += 1
            return true
        }
        func release(_ l: LispLock) {
            if l.count > 0 { l.count -= 1 }
            if l.count == 0 { l.owner = nil; l.ownedByMain = false }
        }
        rt.defN("PROCESS-LOCK", 1, 3, in: mp) { rt, args throws(Unwind) in
            let l = try lockArg(rt, args[0], "MP:PROCESS-LOCK")
            return try acquire(l, try timeoutArg(rt, args, 2, "MP:PROCESS-LOCK")) ? .t : .null
        }
        rt.defN("PROCESS-UNLOCK", 1, 2, in: mp) { rt, args throws(Unwind) in
            let l = try lockArg(rt, args[0], "MP:PROCESS-UNLOCK")
            if !mine(l) {
                if args.count < 2 || args[1].isTrue { try commError(rt, "MP:PROCESS-UNLOCK", "the lock is not held by the current process") }
                return .null
            }
            release(l)
            return .t
        }
        rt.defN("%CALL-WITH-LOCK", 2, 4, in: mp) { rt, args throws(Unwind) in
            let l = try lockArg(rt, args[0], "MP:WITH-LOCK")
            let body = try rt.coerceToFunction(args[1])
            guard try acquire(l, try timeoutArg(rt, args, 3, "MP:WITH-LOCK")) else { return .null }
            defer { release(l) }
            return try rt.funcall(body)
        }
        rt.def1("LOCK-OWNER", in: mp) { rt, lk throws(Unwind) in
            let l = try lockArg(rt, lk, "MP:LOCK-OWNER")
            if l.count == 0 { return .null }
            return l.owner.map { .object($0) } ?? .t
        }
        // (mp:with-lock (lock &optional whostate timeout) &body body)
        rt.defMacro("WITH-LOCK", in: mp) { rt, form, _ throws(Unwind) in
            let items = try rt.listItems(form)
            guard items.count >= 2, case .cons = items[1] else { try rt.signalError(rt.programError("MP:WITH-LOCK: malformed (WITH-LOCK (lock &rest lock-args) &body body)")) }
            let spec = try rt.listItems(items[1])
            let lambda = Value(World.shared.cl.internExternal("LAMBDA"))
            let fn = list(Value(World.shared.cl.internExternal("FUNCTION")), .cons(Cons(lambda, .cons(Cons(.null, listFrom(Array(items.dropFirst(2))))))))
            return listFrom([Value(mp.internExternal("%CALL-WITH-LOCK")), spec[0], fn] + Array(spec.dropFirst()))
        }

        // MARK: timers
        rt.defN("MAKE-TIMER", 1, -1, in: mp) { rt, args throws(Unwind) in
            let f = try functionDesignator(rt, "MP:MAKE-TIMER", "function", args[0])
            return .object(LispTimer(function: f, arguments: Array(args.array.dropFirst()), name: .null))
        }
        func timerArg(_ rt: Runtime, _ v: Value, _ fname: String) throws(Unwind) -> LispTimer {
            if case .object(let o) = v, let t = o as? LispTimer { return t }
            try argError(rt, fname, "timer", v, "an MP:TIMER")
        }
        rt.defN("SCHEDULE-TIMER-RELATIVE", 2, 3, in: mp) { rt, args throws(Unwind) in
            let fname = "MP:SCHEDULE-TIMER-RELATIVE"
            let t = try timerArg(rt, args[0], fname)
            guard let secs = realValue(args[1]), secs >= 0 else { try argError(rt, fname, "relative-expiration-time", args[1], "a non-negative real") }
            var rep: Double?
            if args.count > 2 && !args[2].isNil {
                guard let r = realValue(args[2]), r > 0 else { try argError(rt, fname, "repeat-time", args[2], "NIL or a positive real") }
                rep = r
            }
            t.deadline = monotonicNow() + secs
            t.repeatSeconds = rep
            if !d.timers.contains(where: { $0 === t }) { d.timers.append(t) }
            return .object(t)
        }
        rt.def1("UNSCHEDULE-TIMER", in: mp) { rt, v throws(Unwind) in
            let t = try timerArg(rt, v, "MP:UNSCHEDULE-TIMER")
            let was = d.timers.contains { $0 === t }
            d.timers.removeAll { $0 === t }
            return was ? .t : .null
        }

        // CL:SLEEP serves running collections while it waits.
        rt.def1("SLEEP") { rt, s throws(Unwind) in
            guard let t = realValue(s), t >= 0 else { try rt.typeError(s, spec: list(Value(World.shared.cl.internExternal("REAL")), .fixnum(0))) }
            try d.sleep(t)
            return .null
        }
    }
}
