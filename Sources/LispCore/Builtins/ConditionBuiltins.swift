/// Conditions and restarts: `error signal warn cerror make-condition define-condition`,
/// handler clusters (`sys:%handler-bind`), restarts (`sys:%restart-bind`, `invoke-restart`,
/// `compute-restarts`...) and the standard slot readers.
enum ConditionBuiltins {
    static func sysSym(_ n: String) -> Symbol { World.shared.system.internExternal(n) }

    /// Coerce condition designator arguments (CLHS 9.1.2.1) to a condition.
    static func makeFromDesignator(_ rt: Runtime, _ args: ArraySlice<Value>, defaultClass: ConditionClass) throws(Unwind) -> LispCondition {
        guard let first = args.first else { try rt.signalError(rt.programError("missing condition designator")) }
        switch first {
        case .object(let o) where o is LispCondition:
            return o as! LispCondition
        case .string:
            let c = rt.makeCondition(defaultClass, message: "")
            c.slots[sysSym("FORMAT-CONTROL")] = first
            c.slots[sysSym("FORMAT-ARGUMENTS")] = listFrom(Array(args.dropFirst()))
            return c
        case .symbol(let s):
            return try make(rt, s, Array(args.dropFirst()))
        case .function:
            let c = rt.makeCondition(defaultClass, message: "")
            c.slots[sysSym("FORMAT-CONTROL")] = first
            c.slots[sysSym("FORMAT-ARGUMENTS")] = listFrom(Array(args.dropFirst()))
            return c
        default:
            try rt.typeError(first, "(OR CONDITION SYMBOL STRING FUNCTION)")
        }
    }

    static func make(_ rt: Runtime, _ type: Symbol, _ initargs: [Value]) throws(Unwind) -> LispCondition {
        guard let cls = ConditionRegistry.shared.find(type) else {
            try rt.signalError(rt.simpleError("\(rt.printString(Value(type))) does not designate a condition class"))
        }
        if initargs.count % 2 != 0 { try rt.signalError(rt.programError("odd number of initargs to MAKE-CONDITION")) }
        let c = LispCondition(cls: cls)
        var supplied: [Symbol: Value] = [:]
        var i = 0
        while i < initargs.count {
            if let k = initargs[i].asSymbol, supplied[k] == nil { supplied[k] = initargs[i + 1] }
            i += 2
        }
        for cc in cls.precedenceList.reversed() {
            for (k, v) in cc.defaultInitargs where supplied[k] == nil { supplied[k] = v }
        }
        for slot in cls.allSlots {
            if let k = slot.initargs.first(where: { supplied[$0] != nil }) {
                c.slots[slot.name] = supplied[k]!
            } else if let f = slot.initform {
                c.slots[slot.name] = try rt.funcall(f)
            }
        }
        return c
    }

    static func condition(_ rt: Runtime, _ v: Value) throws(Unwind) -> LispCondition {
        if case .object(let o) = v, let c = o as? LispCondition { return c }
        try rt.typeError(v, "CONDITION")
    }

    static func register(_ rt: Runtime) {
        let sys = rt.world.system
        rt.defN("ERROR", 1, -1) { rt, args throws(Unwind) in
            try rt.signalError(try makeFromDesignator(rt, args.array[...], defaultClass: StandardConditions.simpleError))
        }
        rt.defN("SIGNAL", 1, -1) { rt, args throws(Unwind) in
            let c = try makeFromDesignator(rt, args.array[...], defaultClass: StandardConditions.simpleCondition)
            try rt.signal(c)
            return .null
        }
        rt.defN("WARN", 1, -1) { rt, args throws(Unwind) in
            let c = try makeFromDesignator(rt, args.array[...], defaultClass: StandardConditions.simpleWarning)
            if !c.isA(StandardConditions.warning) {
                try rt.signalError(rt.typeErrorCondition(.object(c), .symbol(Symbol.cl("WARNING"))))
            }
            let muffled = try withRestart(rt, name: "MUFFLE-WARNING", report: "Skip warning.") { () throws(Unwind) in
                try rt.signal(c)
            }
            if !muffled {
                let out = rt.errorOutputStream
                if out.column != 0 { out.writeChar("\n") }
                out.writeString("WARNING: " + (try rt.conditionReport(c)) + "\n")
                out.finishOutput()
            }
            return .null
        }
        rt.def1("INVOKE-DEBUGGER") { rt, c throws(Unwind) in
            guard case .object(let o) = c, let condition = o as? LispCondition else { try rt.typeError(c, "CONDITION") }
            try rt.invokeDebugger(condition)
        }
        // (break [control args...]): the debugger on a simple-condition, with a CONTINUE
        // restart that returns NIL from BREAK; *debugger-hook* is not consulted (CLHS).
        rt.defN("BREAK", 0, -1) { rt, args throws(Unwind) in
            let control = args.count > 0 ? args[0] : Value("break")
            let c = rt.makeCondition(StandardConditions.simpleCondition, message: "")
            c.slots[World.shared.system.internExternal("FORMAT-CONTROL")] = control
            c.slots[World.shared.system.internExternal("FORMAT-ARGUMENTS")] = listFrom(Array(args.array.dropFirst()))
            _ = try withRestart(rt, name: "CONTINUE", report: "Return from BREAK.") { () throws(Unwind) in
                try rt.invokeDebugger(c, consultingHook: false)
            }
            return .null
        }
        rt.defN("CERROR", 2, -1) { rt, args throws(Unwind) in
            let all = args.array
            let c = try makeFromDesignator(rt, all[1...], defaultClass: StandardConditions.simpleError)
            var report = try rt.stringDesignator(all[0])
            if case .string = all[0] { report = try formatToStringLisp(rt, report, Array(all.dropFirst(2))) }
            _ = try withRestart(rt, name: "CONTINUE", report: report) { () throws(Unwind) in
                try rt.signalError(c)
            }
            return .null
        }
        rt.defN("MAKE-CONDITION", 1, -1) { rt, args throws(Unwind) in
            .object(try make(rt, try rt.symbol(args[0]), Array(args.array.dropFirst())))
        }
        // (%define-condition name parents slots report default-initargs)
        // slots: list of (name initargs-list initform-thunk-or-nil)
        rt.defN("%DEFINE-CONDITION", 3, 5, in: sys) { rt, args throws(Unwind) in
            let name = try rt.symbol(args[0])
            var parents: [ConditionClass] = []
            for p in args[1].listArray {
                guard let ps = p.asSymbol, let pc = ConditionRegistry.shared.find(ps) else {
                    try rt.signalError(rt.simpleError("unknown parent condition type \(rt.printString(p))"))
                }
                parents.append(pc)
            }
            if parents.isEmpty { parents = [StandardConditions.condition] }
            var slots: [ConditionSlot] = []
            for s in args[2].listArray {
                let a = s.listArray
                let initargs = (a.count > 1 ? a[1] : .null).listArray.compactMap { $0.asSymbol }
                var initform: LispFunction? = nil
                if a.count > 2, case .function(let f) = a[2] { initform = f }
                slots.append(ConditionSlot(name: try rt.symbol(a[0]), initargs: initargs, initform: initform))
            }
            let cls = ConditionRegistry.shared.define(name, parents: parents, slots: slots)
            cls.report = args.get(3).isNil ? nil : args.get(3)
            var defaults: [(Symbol, Value)] = []
            let d = args.get(4).listArray
            var i = 0
            while i + 1 < d.count {
                if let k = d[i].asSymbol { defaults.append((k, d[i + 1])) }
                i += 2
            }
            cls.defaultInitargs = defaults
            return args[0]
        }
        rt.def2("%CONDITION-SLOT", in: sys) { rt, c, slot throws(Unwind) in
            let cond = try condition(rt, c)
            let s = try rt.symbol(slot)
            if let v = cond.slots[s] { return v }
            try rt.signalError(rt.makeCondition(StandardConditions.unboundSlot,
                message: "The slot \(s.name) is unbound in \(rt.printString(c)).", slots: ["NAME": slot, "INSTANCE": c]))
        }
        rt.defN("%SET-CONDITION-SLOT", 3, 3, in: sys) { rt, args throws(Unwind) in
            try condition(rt, args[0]).slots[try rt.symbol(args[1])] = args[2]
            return args[2]
        }
        let readers: [(String, String)] = [
            ("SIMPLE-CONDITION-FORMAT-CONTROL", "FORMAT-CONTROL"), ("SIMPLE-CONDITION-FORMAT-ARGUMENTS", "FORMAT-ARGUMENTS"),
            ("TYPE-ERROR-DATUM", "DATUM"), ("TYPE-ERROR-EXPECTED-TYPE", "EXPECTED-TYPE"), ("CELL-ERROR-NAME", "NAME"),
            ("PACKAGE-ERROR-PACKAGE", "PACKAGE"), ("STREAM-ERROR-STREAM", "STREAM"), ("FILE-ERROR-PATHNAME", "PATHNAME"),
            ("ARITHMETIC-ERROR-OPERATION", "OPERATION"), ("ARITHMETIC-ERROR-OPERANDS", "OPERANDS"),
            ("PRINT-NOT-READABLE-OBJECT", "OBJECT"), ("UNBOUND-SLOT-INSTANCE", "INSTANCE"),
        ]
        for (fname, slot) in readers {
            let s = sysSym(slot)
            rt.def1(fname) { rt, c throws(Unwind) in try condition(rt, c).slots[s] ?? .null }
        }
        // Handlers: (%handler-bind ((type . fn) ...) thunk)
        rt.def2("%HANDLER-BIND", in: sys) { rt, specs, thunk throws(Unwind) in
            var cluster: [Handler] = []
            for s in specs.listArray {
                guard case .cons(let c) = s else { continue }
                cluster.append(Handler(type: c.car, function: try rt.coerceToFunction(c.cdr)))
            }
            let f = try rt.coerceToFunction(thunk)
            rt.handlerClusters.append(cluster)
            let depth = rt.handlerClusters.count
            defer { rt.handlerClusters.removeSubrange((depth - 1)...) }
            return try rt.invoke(f, rt.sp, 0)
        }
        // Restarts: (%restart-bind (restart ...) thunk)
        rt.def2("%RESTART-BIND", in: sys) { rt, restarts, thunk throws(Unwind) in
            var rs: [Restart] = []
            for r in restarts.listArray {
                guard case .object(let o) = r, let restart = o as? Restart else { try rt.typeError(r, "RESTART") }
                rs.append(restart)
            }
            let f = try rt.coerceToFunction(thunk)
            let depth = rt.restarts.count
            rt.restarts.append(contentsOf: rs.reversed())
            defer { rt.restarts.removeSubrange(depth...) }
            return try rt.invoke(f, rt.sp, 0)
        }
        // (%make-restart name function report interactive test)
        rt.defN("%MAKE-RESTART", 2, 5, in: sys) { rt, args throws(Unwind) in
            let r = Restart(name: args[0], function: try rt.coerceToFunction(args[1]))
            r.report = args.get(2)
            if case .function(let f) = args.get(3) { r.interactive = f }
            if case .function(let f) = args.get(4) { r.test = f }
            return .object(r)
        }
        rt.defN("COMPUTE-RESTARTS", 0, 1) { rt, args throws(Unwind) in
            listFrom(try applicableRestarts(rt, args.get(0)).map { .object($0) })
        }
        rt.defN("FIND-RESTART", 1, 2) { rt, args throws(Unwind) in
            if case .object(let o) = args[0], o is Restart { return args[0] }
            for r in try applicableRestarts(rt, args.get(1)) where eq(r.name, args[0]) { return .object(r) }
            return .null
        }
        rt.def1("RESTART-NAME") { rt, r throws(Unwind) in
            guard case .object(let o) = r, let restart = o as? Restart else { try rt.typeError(r, "RESTART") }
            return restart.name
        }
        rt.defN("INVOKE-RESTART", 1, -1, mv: true) { rt, args throws(Unwind) in
            let r = try findRestart(rt, args[0])
            return try rt.apply(r.function, Array(args.array.dropFirst()))
        }
        rt.def1("INVOKE-RESTART-INTERACTIVELY") { rt, x throws(Unwind) in
            let r = try findRestart(rt, x)
            var fargs: [Value] = []
            if let i = r.interactive { fargs = try rt.listItems(try rt.funcall(i)) }
            return try rt.apply(r.function, fargs)
        }
        rt.def1("%RESTART-REPORT", in: sys) { rt, x throws(Unwind) in
            guard case .object(let o) = x, let r = o as? Restart else { try rt.typeError(x, "RESTART") }
            return r.report
        }
        for name in ["ABORT", "MUFFLE-WARNING"] {
            rt.defN(name, 0, 1) { rt, args throws(Unwind) in
                let rname = Value(World.shared.cl.internExternal(name))
                for r in try applicableRestarts(rt, args.get(0)) where eq(r.name, rname) {
                    return try rt.apply(r.function, [])
                }
                if name == "ABORT" { throw .abortToToplevel }
                try rt.signalError(rt.controlError("No MUFFLE-WARNING restart is active."))
            }
        }
        rt.defN("CONTINUE", 0, 1) { rt, args throws(Unwind) in
            let rname = Value(World.shared.cl.internExternal("CONTINUE"))
            for r in try applicableRestarts(rt, args.get(0)) where eq(r.name, rname) { return try rt.apply(r.function, []) }
            return .null
        }
        for name in ["USE-VALUE", "STORE-VALUE"] {
            rt.defN(name, 1, 2) { rt, args throws(Unwind) in
                let rname = Value(World.shared.cl.internExternal(name))
                for r in try applicableRestarts(rt, args.get(1)) where eq(r.name, rname) {
                    return try rt.apply(r.function, [args[0]])
                }
                return .null
            }
        }
    }

    static func applicableRestarts(_ rt: Runtime, _ condition: Value) throws(Unwind) -> [Restart] {
        var out: [Restart] = []
        for r in rt.restarts.reversed() where try accepts(rt, r, condition) { out.append(r) }
        return out
    }

    /// Whether restart `r`'s :test (none: always) accepts `condition`.
    static func accepts(_ rt: Runtime, _ r: Restart, _ condition: Value) throws(Unwind) -> Bool {
        guard let t = r.test else { return true }
        return try rt.funcall(t, condition).isTrue
    }

    static func findRestart(_ rt: Runtime, _ x: Value) throws(Unwind) -> Restart {
        if case .object(let o) = x, let r = o as? Restart {
            if rt.restarts.contains(where: { $0 === r }) { return r }
            try rt.signalError(rt.controlError("restart \(rt.printString(x)) is not active"))
        }
        // By name: the most recent restart of that name whose :test (called with NIL: no
        // condition is given) accepts.
        for r in rt.restarts.reversed() where eq(r.name, x) {
            if try accepts(rt, r, .null) { return r }
        }
        try rt.signalError(rt.controlError("No restart named \(rt.printString(x)) is active."))
    }

    /// Run `body` with a restart named `name` (CL package); true if the restart was invoked.
    static func withRestart(_ rt: Runtime, name: String, report: String, _ body: () throws(Unwind) -> Void) throws(Unwind) -> Bool {
        let id = rt.newDynamicID()
        let fn = LispFunction(name: .null, kind: .nativeN({ _, _ throws(Unwind) in throw .toBlock(id, .null) }, min: 0, max: -1, mv: false))
        let r = Restart(name: Value(World.shared.cl.internExternal(name)), function: fn)
        r.report = Value(report)
        rt.restarts.append(r)
        let depth = rt.restarts.count
        let sp = rt.sp
        defer { rt.restarts.removeSubrange((depth - 1)...) }
        do throws(Unwind) {
            try body()
            return false
        } catch {
            if case .toBlock(let t, _) = error, t == id { rt.sp = sp; return true }
            throw error
        }
    }
}

extension Runtime {
    func functionFor(_ name: String, _ pkg: LispPackage) -> LispFunction? { pkg.find(name)?.0.function }

    /// The current `*error-output*` stream.
    public var errorOutputStream: LispStream {
        if case .object(let o)? = Sym.errorOutput.value, let s = o as? LispStream { return s }
        return stderrStream
    }
    public var standardOutputStream: LispStream {
        if case .object(let o)? = Sym.standardOutput.value, let s = o as? LispStream { return s }
        return stdoutStream
    }
}
