/// A frame: the base of the current function activation's slots on the runtime's value stack.
/// Arguments are pushed there by the caller; locals follow them.
public typealias Frame = UnsafeMutablePointer<Value>

/// Compiled code: a Swift closure produced once per form by the compiler.
public typealias Code = (Runtime, Frame) throws(Unwind) -> Value

/// Compiled code evaluated only for its truth value (tests of `if` and loops).
public typealias TestCode = (Runtime, Frame) throws(Unwind) -> Bool

/// A compiled closure wrapped in a struct. Collections of closures (`[Code]`, `Code?`) store
/// functions at maximal abstraction, so every call through them goes via reabstraction thunks;
/// a struct field keeps the direct calling convention.
public struct Op {
    public let run: Code
    @inline(__always) public init(_ run: @escaping Code) { self.run = run }
}

/// Arguments of a native function call: a window on the value stack.
public struct Args {
    public let base: UnsafeMutablePointer<Value>
    public let count: Int
    @inline(__always) public init(base: UnsafeMutablePointer<Value>, count: Int) {
        self.base = base
        self.count = count
    }
    @inline(__always) public subscript(i: Int) -> Value { base[i] }
    /// Argument `i` or `def` when not supplied.
    @inline(__always) public func get(_ i: Int, _ def: Value = .null) -> Value { i < count ? base[i] : def }
    public var array: [Value] { Array(UnsafeBufferPointer(start: base, count: count)) }
    public func dropFirst(_ n: Int) -> ArraySlice<Value> { array[n...] }
}

public typealias Native0 = (Runtime) throws(Unwind) -> Value
public typealias Native1 = (Runtime, Value) throws(Unwind) -> Value
public typealias Native2 = (Runtime, Value, Value) throws(Unwind) -> Value
public typealias NativeN = (Runtime, Args) throws(Unwind) -> Value

/// A Lisp function object: a native (Swift) builtin, specialised by arity where it pays, or an
/// interpreted closure (compiled lambda + captured boxes).
///
/// Calling is `call(_:_:_:)` on the function object itself. Everything it reads is an immutable
/// field of `self` (for lambdas, copied out of the `CompiledLambda`), so when the caller holds the
/// function guaranteed — see `Unmanaged.callGuaranteed` — a call performs no reference counting.
public final class LispFunction {
    public var name: Value
    public let kind: Kind

    public enum Kind {
        case native0(Native0)
        case native1(Native1)
        case native2(Native2)
        /// `mv`: the native sets `rt.nvals` itself (returns multiple values).
        case nativeN(NativeN, min: Int, max: Int, mv: Bool)
        case lambda(CompiledLambda, captures: [Box])
    }

    /// For interpreted closures, the lambda and its captured boxes, duplicated out of `kind`.
    public let lambda: CompiledLambda?
    public let captures: [Box]
    /// The lambda's body, frame size and arity, copied here so the call path reads one object.
    let body: Code
    let frameSize: Int
    /// Required-parameter count when that is the whole lambda list, else -1 (full binding).
    let simpleArity: Int
    let hasCaptures: Bool
    /// For natives, the Swift function and arity limits, duplicated out of `kind`: matching
    /// `case .nativeN(let f, ...)` copies (retains) the closure on every call, a stored field
    /// does not.
    let nativeN: NativeN
    let native1: Native1
    let native2: Native2
    let minArgs: Int
    let maxArgs: Int
    /// The native sets `rt.nvals` itself.
    let nativeMV: Bool

    public init(name: Value, kind: Kind) {
        self.name = name
        self.kind = kind
        if case .lambda(let l, let c) = kind {
            lambda = l
            captures = c
            body = l.body
            frameSize = l.frameSize
            simpleArity = l.simple ? l.nRequired : -1
            hasCaptures = l.hasCaptures
        } else {
            lambda = nil
            captures = []
            body = c0
            frameSize = 0
            simpleArity = -1
            hasCaptures = false
        }
        var n: NativeN = { _, _ in .null }, n1: Native1 = { _, _ in .null }, n2: Native2 = { _, _, _ in .null }
        var lo = 0, hi = -1, mv = false
        switch kind {
        case .nativeN(let f, let min, let max, let m): n = f; lo = min; hi = max; mv = m
        case .native1(let f): n1 = f
        case .native2(let f): n2 = f
        default: break
        }
        nativeN = n; native1 = n1; native2 = n2
        minArgs = lo; maxArgs = hi; nativeMV = mv
    }

    /// Whether this function may return a number of values other than one.
    public var mayReturnMultipleValues: Bool {
        switch kind {
        case .nativeN(_, _, _, let mv): return mv
        case .lambda: return true
        default: return false
        }
    }

    /// Functions taken out of a symbol's function cell. A call holds its function unretained
    /// (see `Symbol.functionCell`), so a function that redefines itself while running must stay
    /// alive until its activations return: retired functions are kept here until
    /// `purgeRetired` finds them off the call stack.
    nonisolated(unsafe) static var retired: [LispFunction] = []
    static func retire(_ f: LispFunction) { retired.append(f) }

    /// Release retired interpreted functions that no activation of `rt` is running. Natives are
    /// kept (they are few, and a native has no call-stack entry to look for).
    public static func purgeRetired(_ rt: Runtime) {
        guard retired.count >= 16 else { return }
        var running = Set<ObjectIdentifier>()
        var d = rt.depth
        while d > 0 {
            if let f = rt.callStack[d] { running.insert(ObjectIdentifier(f.takeUnretainedValue())) }
            d -= 1
        }
        retired.removeAll { $0.lambda != nil && !running.contains(ObjectIdentifier($0)) }
    }

    /// Call with `argc` arguments at `base` (the value stack top). Leaves `rt.nvals` valid.
    @inline(never)
    public func call(_ rt: Runtime, _ base: Frame, _ argc: Int) throws(Unwind) -> Value {
        if lambda != nil { return try invokeLambda(rt, base, argc) }
        switch kind {
        case .nativeN:
            if argc < minArgs || (maxArgs >= 0 && argc > maxArgs) { try rt.wrongArgCount(self, argc) }
            let saved = rt.sp
            rt.sp = base + argc
            defer { rt.sp = saved }
            let r = try nativeN(rt, Args(base: base, count: argc))
            if !nativeMV { rt.nvals = 1 }
            return r
        case .native1:
            if argc != 1 { try rt.wrongArgCount(self, argc) }
            rt.nvals = 1
            return try native1(rt, base[0])
        case .native2:
            if argc != 2 { try rt.wrongArgCount(self, argc) }
            rt.nvals = 1
            return try native2(rt, base[0], base[1])
        case .native0(let f):
            if argc != 0 { try rt.wrongArgCount(self, argc) }
            rt.nvals = 1
            return try f(rt)
        case .lambda:
            return try invokeLambda(rt, base, argc)
        }
    }

    /// Run an interpreted closure: the new frame starts at `fp` where the caller put the arguments.
    @inline(__always)
    func invokeLambda(_ rt: Runtime, _ fp: Frame, _ argc: Int) throws(Unwind) -> Value {
        if fp + frameSize >= rt.stackLimit { try rt.stackExhausted() }
        let d = rt.depth + 1
        if d > rt.maxDepth { try rt.stackExhausted() }
        rt.depth = d
        rt.callStack[d] = Unmanaged.passUnretained(self)
        let savedSP = rt.sp
        rt.sp = fp + frameSize
        defer {
            rt.depth = d - 1
            rt.sp = savedSP
        }
        if rt.interruptRequested { try rt.checkInterrupt() }
        if argc != simpleArity {
            try lambda.unsafelyUnwrapped.bindArguments(rt, self, fp, argc)
        }
        if hasCaptures {
            let slots = lambda.unsafelyUnwrapped.captureSlots
            for i in 0..<slots.count { fp[slots[i]] = .box(captures[i]) }
        }
        return try body(rt, fp)
    }
}

extension Unmanaged where Instance == LispFunction {
    /// Call the function without retaining it (see `Symbol.functionCell`).
    @inline(__always)
    public func callGuaranteed(_ rt: Runtime, _ base: Frame, _ argc: Int) throws(Unwind) -> Value {
        // `_withUnsafeGuaranteedRef` only rethrows untyped errors: carry the Unwind out by hand.
        var failure: Unwind? = nil
        let result = _withUnsafeGuaranteedRef { (fn: LispFunction) -> Value in
            do throws(Unwind) {
                // Interpreted functions are entered directly (inlined), natives via `call`.
                if fn.lambda != nil { return try fn.invokeLambda(rt, base, argc) }
                return try fn.call(rt, base, argc)
            } catch {
                failure = error
                return .null
            }
        }
        if let failure { throw failure }
        return result
    }
}
