/// The API every builtin file uses to install Lisp functions and macros written in Swift.
///
///     rt.def1("CAR") { rt, x throws(Unwind) in try rt.car(x) }
///     rt.defN("LIST", 0, -1) { rt, args throws(Unwind) in listFrom(args.array) }
///     rt.defMacro("WHEN") { rt, form, env throws(Unwind) in ... }   // returns the expansion
///
/// Names are symbol names (upper case); the package defaults to COMMON-LISP (exported).
extension Runtime {
    func symbolFor(_ name: String, _ pkg: LispPackage?) -> Symbol {
        (pkg ?? world.cl).internExternal(name)
    }

    @discardableResult
    public func def0(_ name: String, in pkg: LispPackage? = nil, _ f: @escaping Native0) -> LispFunction {
        install(name, pkg, .native0(f))
    }
    @discardableResult
    public func def1(_ name: String, in pkg: LispPackage? = nil, _ f: @escaping Native1) -> LispFunction {
        install(name, pkg, .native1(f))
    }
    @discardableResult
    public func def2(_ name: String, in pkg: LispPackage? = nil, _ f: @escaping Native2) -> LispFunction {
        install(name, pkg, .native2(f))
    }
    /// `max` = -1 for any number of arguments; `mv`: the function sets `nvals` itself.
    @discardableResult
    public func defN(_ name: String, _ min: Int, _ max: Int, in pkg: LispPackage? = nil, mv: Bool = false,
                     _ f: @escaping NativeN) -> LispFunction {
        install(name, pkg, .nativeN(f, min: min, max: max, mv: mv))
    }

    func install(_ name: String, _ pkg: LispPackage?, _ kind: LispFunction.Kind) -> LispFunction {
        let s = symbolFor(name, pkg)
        let f = LispFunction(name: Value(s), kind: kind)
        s.function = f
        return f
    }

    /// A macro whose expander is Swift: `body(rt, form, env)` returns the expansion.
    public func defMacro(_ name: String, in pkg: LispPackage? = nil,
                         _ body: @escaping (Runtime, Value, Value) throws(Unwind) -> Value) {
        let s = symbolFor(name, pkg)
        s.macro = LispFunction(name: Value(s), kind: .native2 { rt, form, env throws(Unwind) in try body(rt, form, env) })
    }

    /// Define a special variable with an initial value.
    public func defVar(_ s: Symbol, _ v: Value) {
        s.isSpecial = true
        if s.value == nil { s.value = v }
    }

    /// `(setf NAME)` function written in Swift: `f(rt, newValue, args)`.
    public func defSetf(_ name: String, in pkg: LispPackage? = nil, _ min: Int, _ max: Int,
                        _ f: @escaping NativeN) {
        let s = symbolFor(name, pkg)
        s.setfFunction = LispFunction(name: list(.symbol(Sym.setf), Value(s)),
                                      kind: .nativeN(f, min: min, max: max, mv: false))
    }
}

// MARK: - argument coercion helpers shared by builtin files

extension Runtime {
    @inline(__always) public func fixnum(_ v: Value) throws(Unwind) -> Int {
        if case .fixnum(let n) = v { return n }
        try typeError(v, "FIXNUM")
    }
    /// A non-negative fixnum index.
    public func index(_ v: Value) throws(Unwind) -> Int {
        if case .fixnum(let n) = v, n >= 0 { return n }
        try typeError(v, spec: list(.symbol(Symbol.cl("INTEGER")), .fixnum(0), .symbol(Symbol.cl("*"))))
    }
    public func symbol(_ v: Value) throws(Unwind) -> Symbol {
        if let s = v.asSymbol { return s }
        try typeError(v, "SYMBOL")
    }
    public func lispString(_ v: Value) throws(Unwind) -> LispString {
        if case .string(let s) = v { return s }
        try typeError(v, "STRING")
    }
    /// A string designator (string, symbol or character) as a Swift string.
    public func stringDesignator(_ v: Value) throws(Unwind) -> String {
        switch v {
        case .string(let s): return s.string
        case .symbol(let s): return s.name
        case .null: return "NIL"
        case .character(let c): return String(Character(c))
        default: try typeError(v, "(OR STRING SYMBOL CHARACTER)")
        }
    }
    public func character(_ v: Value) throws(Unwind) -> Unicode.Scalar {
        if case .character(let c) = v { return c }
        try typeError(v, "CHARACTER")
    }
    public func function(_ v: Value) throws(Unwind) -> LispFunction { try coerceToFunction(v) }
    @inline(__always) public func cons(_ v: Value) throws(Unwind) -> Cons {
        if case .cons(let c) = v { return c }
        try typeError(v, "CONS")
    }
    /// Elements of a proper list, signalling type-error on a dotted or non-list.
    public func listItems(_ v: Value) throws(Unwind) -> [Value] {
        var out: [Value] = []
        var p = v
        while case .cons(let c) = p { out.append(c.car); p = c.cdr }
        if !p.isNil { try typeError(v, "LIST") }
        return out
    }
    @inline(__always) public func car(_ v: Value) throws(Unwind) -> Value {
        switch v {
        case .cons(let c): return c.car
        case .null: return .null
        default: try typeError(v, "LIST")
        }
    }
    @inline(__always) public func cdr(_ v: Value) throws(Unwind) -> Value {
        switch v {
        case .cons(let c): return c.cdr
        case .null: return .null
        default: try typeError(v, "LIST")
        }
    }
    /// The package `name` names from the current package: one of its local nicknames, or a
    /// global name or nickname.
    public func findPackageHere(_ name: String) -> LispPackage? {
        currentPackage.localNicknames[name] ?? world.findPackage(name)
    }

    /// The package designated by `v` (package object, or string designator naming one).
    public func package(_ v: Value) throws(Unwind) -> LispPackage {
        if case .object(let o) = v, let p = o as? LispPackage { return p }
        let name = try stringDesignator(v)
        if let p = findPackageHere(name) { return p }
        try signalError(makeCondition(StandardConditions.simplePackageError,
                                      message: "The package \(name) does not exist.", slots: ["PACKAGE": v]))
    }
    public var currentPackage: LispPackage {
        if case .object(let o)? = Sym.package.value, let p = o as? LispPackage { return p }
        return world.clUser
    }
    /// Keyword argument lookup in `args[from...]` (plist); signals on odd length / unknown keys
    /// when `allowed` is given.
    public func keywordArgs(_ args: Args, from: Int, allowed: [String], fname: String) throws(Unwind) -> [String: Value] {
        var out: [String: Value] = [:]
        if (args.count - from) % 2 != 0 { try signalError(programError("odd number of keyword arguments to \(fname)")) }
        var allowOthers = false
        var i = from
        while i < args.count {
            if case .symbol(let k) = args[i], k === Sym.kAllowOtherKeys, args[i + 1].isTrue { allowOthers = true }
            i += 2
        }
        i = from
        while i < args.count {
            guard case .symbol(let k) = args[i], k.isKeyword else {
                try signalError(programError("\(fname): \(printString(args[i])) is not a keyword"))
            }
            if !allowed.contains(k.name) && !allowOthers && k !== Sym.kAllowOtherKeys {
                try signalError(programError("\(fname): unknown keyword argument \(printString(args[i])); allowed: \(allowed.map { ":" + $0 }.joined(separator: " "))"))
            }
            if out[k.name] == nil { out[k.name] = args[i + 1] }
            i += 2
        }
        return out
    }
}
