import Glibc

/// All per-thread interpreter state: the value stack, multiple values, the dynamic environment
/// (catch tags, handler clusters, restarts), call depth and backtrace. The shared heap (packages,
/// symbols, definitions) lives in `World`. Exactly one thread runs a `Runtime` (DESIGN.md:
/// one Lisp thread, the loop drives everything).
///
/// Value stack layout during a call:
///
///     ... caller frame ... | arg0 arg1 ... argN-1 | optional/key/aux locals | let locals ... | <- sp
///                          ^ fp (callee frame base)
public final class Runtime {
    // MARK: value stack
    public let stackBase: UnsafeMutablePointer<Value>
    public let stackEnd: UnsafeMutablePointer<Value>
    /// Where frames may grow to; lowered below `stackEnd` to keep a reserve for handlers.
    public var stackLimit: UnsafeMutablePointer<Value>
    var inStackReserve = false
    public var sp: UnsafeMutablePointer<Value>
    let stackCapacity: Int

    // MARK: multiple values
    /// Number of values produced by the last form evaluated in a multiple-value context.
    public var nvals = 1
    /// When `nvals != 1`, all values are in `mv[0..<nvals]`.
    public let mv: UnsafeMutablePointer<Value>
    public static let multipleValuesLimit = 4096

    // MARK: dynamic state
    public var depth = 0
    public var maxDepth: Int
    /// Functions currently being called, indexed by depth (for backtraces). Unmanaged: the
    /// caller's frame keeps each function alive while it runs, so no retain per call.
    public let callStack: UnsafeMutablePointer<Unmanaged<LispFunction>?>
    /// Where `discard` moves dropped immediates (never deinitialized; immediates own nothing).
    public let discardSlot = UnsafeMutablePointer<Value>.allocate(capacity: 1)
    var nextDynamicID = 1
    /// Active `catch` tags, innermost last.
    public var catchTags: [Value] = []
    /// Handler clusters established by `handler-bind`, innermost last.
    public var handlerClusters: [[Handler]] = []
    /// Active restarts, innermost last.
    public var restarts: [Restart] = []
    /// Set from a signal handler (Ctrl-C); checked at calls and loop back-edges.
    public var interruptRequested = false
    /// Called when an error is not handled: print it and unwind (the host decides how).
    public var debuggerHook: ((Runtime, LispCondition) throws(Unwind) -> Never)?

    public let world = World.shared
    /// The process's standard streams (set up by Bootstrap).
    public var stdoutStream: LispStream!
    public var stderrStream: LispStream!
    public var stdinStream: LispStream!
    /// `#S(...)` reader support, installed by the structure library.
    public var structReaderHook: ((Value) throws(Unwind) -> Value)?
    /// `#nA(...)` reader support, installed by the array library.
    public var arrayReaderHook: ((Int, Value) throws(Unwind) -> Value)?
    /// Features loaded by `require`/`provide`.
    public var modules: Set<String> = []
    /// Module loaders for `require` (e.g. "COMM" installed by LispComm).
    public var moduleProviders: [String: (Runtime) throws(Unwind) -> Void] = [:]
    public lazy var compiler = Compiler(runtime: self)

    public init(stackSize: Int = 1 << 20, maxDepth: Int = 20000) {
        stackCapacity = stackSize
        stackBase = Runtime.allocateZeroedStack(stackSize)
        stackEnd = stackBase + (stackSize - 64)
        stackLimit = stackBase + (stackSize - 65536)
        sp = stackBase
        mv = .allocate(capacity: Runtime.multipleValuesLimit)
        mv.initialize(repeating: .null, count: Runtime.multipleValuesLimit)
        self.maxDepth = maxDepth
        // Room for the handlers' reserve too (`stackExhausted` raises the limit by it).
        callStack = .allocate(capacity: maxDepth + Runtime.depthReserve + 2)
        callStack.initialize(repeating: nil, count: maxDepth + Runtime.depthReserve + 2)
        debuggerHook = { rt, c throws(Unwind) in
            rt.reportUnhandled(c)
            throw .abortToToplevel
        }
        Bootstrap.ensure(self)
    }

    deinit {
        // Slots hold only values the stack discipline overwrote; release them, then unmap.
        stackBase.deinitialize(count: stackCapacity)
        munmap(UnsafeMutableRawPointer(stackBase), stackCapacity * MemoryLayout<Value>.stride)
        mv.deinitialize(count: Runtime.multipleValuesLimit)
        mv.deallocate()
    }

    /// The value stack comes from an anonymous mapping: the kernel supplies zero pages lazily, so
    /// start-up does not touch 16 MiB. An all-zero `Value` is a trivial case (no reference to
    /// release), which is checked once here; otherwise the memory is initialized explicitly.
    static func allocateZeroedStack(_ count: Int) -> UnsafeMutablePointer<Value> {
        let bytes = count * MemoryLayout<Value>.stride
        let raw = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
        guard let base = raw, base != MAP_FAILED else { fatalError("cannot map the Lisp value stack") }
        let p = base.bindMemory(to: Value.self, capacity: count)
        switch p[0] {
        case .null, .fixnum(0): break
        default: p.initialize(repeating: .null, count: count)
        }
        return p
    }

    /// Ids of the blocks and tagbodies now active that a closure may exit to: a `return-from`
    /// or `go` from a closure whose target has exited signals CONTROL-ERROR instead of
    /// unwinding past everything.
    var liveExitPoints = Set<Int>()

    /// The CONTROL-ERROR of a `return-from` or `go` whose block or tagbody has exited.
    func exitedExtent(_ what: String) throws(Unwind) -> Never {
        try signalError(makeCondition(StandardConditions.simpleControlError,
                                      message: "attempt to ~A to an exit point whose extent has ended", args: [Value(what)]))
    }

    /// A fresh id for a dynamic extent (block, tagbody instance).
    @inline(__always) func newDynamicID() -> Int {
        nextDynamicID &+= 1
        return nextDynamicID
    }

    // MARK: multiple values

    /// Return `values` as multiple values (primary returned, all recorded in `mv`).
    public func values(_ vals: [Value]) throws(Unwind) -> Value {
        if vals.count == 1 { nvals = 1; return vals[0] }
        if vals.count > Runtime.multipleValuesLimit {
            try signalError(programError("too many values: \(vals.count)"))
        }
        for (i, v) in vals.enumerated() { mv[i] = v }
        nvals = vals.count
        return vals.first ?? .null
    }

    @inline(__always) public func values2(_ a: Value, _ b: Value) -> Value {
        mv[0] = a
        mv[1] = b
        nvals = 2
        return a
    }

    /// The values of the last multiple-value form whose primary value was `primary`.
    @inline(__always) public func collectValues(_ primary: Value) -> [Value] {
        if nvals == 1 { return [primary] }
        return Array(UnsafeBufferPointer(start: mv, count: nvals))
    }

    // MARK: calling

    /// Call `fn` with arguments taken from a Swift array.
    public func apply(_ fn: LispFunction, _ args: [Value]) throws(Unwind) -> Value {
        let base = sp
        if base + args.count >= stackLimit { try stackExhausted() }
        for (i, a) in args.enumerated() { base[i] = a }
        sp = base + args.count
        defer { sp = base }
        return try invoke(fn, base, args.count)
    }

    @inline(__always) public func funcall(_ fn: LispFunction) throws(Unwind) -> Value {
        switch fn.kind {
        case .native0(let f): nvals = 1; return try f(self)
        default: return try invoke(fn, sp, 0)
        }
    }

    @inline(__always) public func funcall(_ fn: LispFunction, _ a: Value) throws(Unwind) -> Value {
        switch fn.kind {
        case .native1(let f): nvals = 1; return try f(self, a)
        default:
            let base = sp
            base[0] = a
            sp = base + 1
            defer { sp = base }
            return try invoke(fn, base, 1)
        }
    }

    @inline(__always) public func funcall(_ fn: LispFunction, _ a: Value, _ b: Value) throws(Unwind) -> Value {
        switch fn.kind {
        case .native2(let f): nvals = 1; return try f(self, a, b)
        default:
            let base = sp
            base[0] = a
            base[1] = b
            sp = base + 2
            defer { sp = base }
            return try invoke(fn, base, 2)
        }
    }

    /// Invoke `fn` on `argc` arguments already stored at `base` (which must be `sp`-relative
    /// scratch space: the callee's frame starts there). Leaves `nvals` valid.
    public func invoke(_ fn: LispFunction, _ base: Frame, _ argc: Int) throws(Unwind) -> Value {
        try fn.call(self, base, argc)
    }

    public func wrongArgCount(_ fn: LispFunction, _ argc: Int) throws(Unwind) -> Never {
        try signalError(programError("invalid number of arguments to \(printString(fn.name)): \(argc)"))
    }

    /// Calls a handler of the storage-condition may make beyond `maxDepth`.
    static let depthReserve = 2000

    /// Signal `storage-condition` for runaway recursion. Handlers need stack to run on, so the
    /// limits are relaxed by a reserve while the condition is being signalled (as SBCL does with
    /// its guard page), and restored when the signal unwinds.
    public func stackExhausted() throws(Unwind) -> Never {
        if inStackReserve { throw .abortToToplevel }
        inStackReserve = true
        let savedMax = maxDepth
        maxDepth += Runtime.depthReserve
        let savedEnd = stackLimit
        stackLimit = stackEnd
        defer {
            maxDepth = savedMax
            stackLimit = savedEnd
            inStackReserve = false
        }
        try signalError(makeCondition(StandardConditions.simpleStorageCondition,
                                      message: "Control stack exhausted (no more space for function call frames)."))
    }

    /// Interrupt / poll check at call entry and loop back-edges.
    @inline(__always) public func checkInterrupt() throws(Unwind) {
        if interruptRequested {
            interruptRequested = false
            try signalError(makeCondition(StandardConditions.interrupt, message: "Interrupted"))
        }
    }

    // MARK: backtrace

    /// Print an unhandled condition and a backtrace to `*error-output*` (the default debugger).
    public func reportUnhandled(_ c: LispCondition) {
        let out = errorOutputStream
        standardOutputStream.finishOutput()
        let report = (try? conditionReport(c)) ?? "(error while printing the report)"
        if out.column != 0 { out.writeChar("\n") }
        out.writeString("Unhandled \(c.cls.name.name): \(report)\n")
        let bt = backtrace()
        if !bt.isEmpty {
            out.writeString("Backtrace:\n")
            for (i, f) in bt.enumerated() { out.writeString("  \(i): \(f)\n") }
        }
        out.finishOutput()
    }

    /// Names of the functions on the call stack, innermost first.
    public func backtrace(limit: Int = 30) -> [String] {
        var out: [String] = []
        var d = depth
        while d > 0 && out.count < limit {
            if let f = callStack[d] { out.append(printString(f.takeUnretainedValue().name)) }
            d -= 1
        }
        return out
    }
}
