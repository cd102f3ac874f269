/// Errors found while compiling a form (a macro called with the wrong arguments, a failing
/// expander, `return` outside any block, `go` to no tag) are put off until the form runs, as SBCL
/// does: the compiler signals a warning naming the form and the error, and compiles the form into
/// code that signals the original error. So a mistake in one branch of a `defun` no longer stops
/// the whole function from being defined (or a script from loading), the branches that do not
/// reach it run normally, and a `handler-case` written around the form handles it like any other
/// run-time error.
///
/// Only inside lambda bodies (`defun`, `lambda`, the functions `handler-case` and friends wrap
/// their forms in): a form evaluated directly, by `eval` or at top level, is expanded and
/// compiled in its caller's dynamic context, so a restart an expander establishes or a handler
/// around `eval` sees the error at once, as in SBCL. The error is intercepted by a handler the
/// compiler establishes around each compound form it compiles (the innermost form that failed
/// is the one replaced); handlers established by the expander itself are more recent and see
/// its errors first. `compile` returns failure-p T when it put an error off.
extension Compiler {
    /// Throws the condition to the nearest `deferringErrors` (the catch tag is private).
    private static let compileErrorTag = Value.symbol(Symbol(name: "COMPILE-ERROR"))
    private static let errorToCompiler = Handler(
        type: .symbol(Symbol.cl("ERROR")),
        function: LispFunction(name: .symbol(Symbol(name: "COMPILER-ERROR-HANDLER")), kind: .native1 { _, c throws(Unwind) in
            throw .toCatch(Compiler.compileErrorTag, c)
        }))

    /// `body`'s code, or, when `body` signals an error, code that signals it at run time.
    func deferringErrors(_ form: Value, _ body: () throws(Unwind) -> Code) throws(Unwind) -> Code {
        if deferErrorsDepth == 0 { return try body() }
        // The result goes through a variable of the concrete closure type: handing a `Code`
        // through a generic (an Optional<T>, a tuple of T?) wraps it in reabstraction thunks
        // that then run on every execution of the form (measured: fib 2.5x slower).
        var code: Code = Compiler.placeholderCode
        if let condition = try interceptingErrors({ () throws(Unwind) in code = try body() }) {
            try warnDeferred(form, condition)
            return { (rt: Runtime, _: Frame) throws(Unwind) -> Value in try rt.signalError(condition) }
        }
        return code
    }

    private static let placeholderCode: Code = { _, _ in .null }

    /// `form` macroexpanded, or, when the expansion signals an error, a form that signals it at
    /// run time.
    func expandDeferringErrors(_ form: Value, _ env: LexEnv) throws(Unwind) -> Value {
        if deferErrorsDepth == 0 { return try macroexpand(form, env).0 }
        var expansion: Value = .null
        if let condition = try interceptingErrors({ () throws(Unwind) in expansion = try macroexpand(form, env).0 }) {
            try warnDeferred(form, condition)
            return list(.symbol(World.shared.system.internExternal("%SIGNAL-DEFERRED-ERROR")),
                        list(.symbol(Sym.quote), .object(condition)))
        }
        return expansion
    }

    /// Runs `body` with the compiler's error handler innermost; the error it intercepted, or nil.
    private func interceptingErrors(_ body: () throws(Unwind) -> Void) throws(Unwind) -> LispCondition? {
        rt.handlerClusters.append([Compiler.errorToCompiler])
        let depth = rt.handlerClusters.count
        do {
            try body()
            rt.handlerClusters.removeSubrange((depth - 1)...)
            return nil
        } catch {
            rt.handlerClusters.removeSubrange((depth - 1)...)
            if case .toCatch(let tag, let c) = error, case .symbol(let t) = tag, case .symbol(let mine) = Compiler.compileErrorTag,
               t === mine, case .object(let o) = c, let condition = o as? LispCondition {
                return condition
            }
            throw error
        }
    }

    private func warnDeferred(_ form: Value, _ condition: LispCondition) throws(Unwind) {
        deferredErrorCount += 1
        guard let warn = Symbol.cl("WARN").function else { return }
        let text = try rt.conditionReport(condition)
        _ = try rt.apply(warn, [Value("Compiling ~S: ~A~%  The form signals this error when it runs."),
                                form, Value(text)])
    }
}

extension Runtime {
    /// `(sys::%signal-deferred-error condition)`: what a form whose macroexpansion failed runs.
    static func registerDeferredCompileErrors(_ rt: Runtime) {
        rt.def1("%SIGNAL-DEFERRED-ERROR", in: rt.world.system) { rt, c throws(Unwind) in
            guard case .object(let o) = c, let condition = o as? LispCondition else { try rt.typeError(c, "CONDITION") }
            try rt.signalError(condition)
        }
    }
}
