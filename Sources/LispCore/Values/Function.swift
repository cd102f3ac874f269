/// A frame: the base of the current function activation's slots on the runtime's value stack.
/// Arguments are pushed there by the caller; locals follow them.
public typealias Frame = UnsafeMutablePointer<Value>

/// Compiled code: a Swift closure produced once per form by the compiler.
public typealias Code = (Runtime, Frame) throws(Unwind) -> Value

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

    /// For interpreted closures, the lambda and its captured boxes, duplicated out of `kind` so
    /// the call path reads them without copying an enum payload (one retain fewer per call).
    public let lambda: CompiledLambda?
    public let captures: [Box]

    public init(name: Value, kind: Kind) {
        self.name = name
        self.kind = kind
        if case .lambda(let l, let c) = kind {
            lambda = l
            captures = c
        } else {
            lambda = nil
            captures = []
        }
    }

    /// Whether this function may return a number of values other than one.
    public var mayReturnMultipleValues: Bool {
        switch kind {
        case .nativeN(_, _, _, let mv): return mv
        case .lambda: return true
        default: return false
        }
    }
}
