/// The standard condition type hierarchy (CLHS 9), plus the few system ones CommLisp signals.
public enum StandardConditions {
    static func def(_ name: String, _ parents: [ConditionClass], _ slots: [String] = [],
                    package: LispPackage = World.shared.cl) -> ConditionClass {
        let sym = package.internExternal(name)
        let slotDefs = slots.map { s in
            ConditionSlot(name: World.shared.system.internExternal(s), initargs: [World.shared.keyword(s)])
        }
        return ConditionRegistry.shared.define(sym, parents: parents, slots: slotDefs)
    }

    public static let condition = def("CONDITION", [])
    public static let seriousCondition = def("SERIOUS-CONDITION", [condition])
    public static let error = def("ERROR", [seriousCondition])
    public static let warning = def("WARNING", [condition])
    public static let styleWarning = def("STYLE-WARNING", [warning])
    public static let simpleCondition = def("SIMPLE-CONDITION", [condition], ["FORMAT-CONTROL", "FORMAT-ARGUMENTS"])
    public static let simpleError = def("SIMPLE-ERROR", [simpleCondition, error])
    public static let simpleWarning = def("SIMPLE-WARNING", [simpleCondition, warning])
    public static let typeError = def("TYPE-ERROR", [error], ["DATUM", "EXPECTED-TYPE"])
    public static let simpleTypeError = def("SIMPLE-TYPE-ERROR", [simpleCondition, typeError])
    public static let programError = def("PROGRAM-ERROR", [error])
    public static let simpleProgramError = def("SIMPLE-PROGRAM-ERROR", [simpleCondition, programError],
                                               package: World.shared.system)
    public static let controlError = def("CONTROL-ERROR", [error])
    public static let simpleControlError = def("SIMPLE-CONTROL-ERROR", [simpleCondition, controlError],
                                               package: World.shared.system)
    public static let cellError = def("CELL-ERROR", [error], ["NAME"])
    public static let unboundVariable = def("UNBOUND-VARIABLE", [cellError])
    public static let undefinedFunction = def("UNDEFINED-FUNCTION", [cellError])
    public static let unboundSlot = def("UNBOUND-SLOT", [cellError], ["INSTANCE"])
    public static let arithmeticError = def("ARITHMETIC-ERROR", [error], ["OPERATION", "OPERANDS"])
    public static let divisionByZero = def("DIVISION-BY-ZERO", [arithmeticError])
    public static let floatingPointOverflow = def("FLOATING-POINT-OVERFLOW", [arithmeticError])
    public static let floatingPointUnderflow = def("FLOATING-POINT-UNDERFLOW", [arithmeticError])
    public static let floatingPointInexact = def("FLOATING-POINT-INEXACT", [arithmeticError])
    public static let floatingPointInvalid = def("FLOATING-POINT-INVALID-OPERATION", [arithmeticError])
    public static let storageCondition = def("STORAGE-CONDITION", [seriousCondition])
    public static let simpleStorageCondition = def("SIMPLE-STORAGE-CONDITION", [simpleCondition, storageCondition],
                                                   package: World.shared.system)
    public static let streamError = def("STREAM-ERROR", [error], ["STREAM"])
    public static let endOfFile = def("END-OF-FILE", [streamError])
    /// Input or output on a closed stream (SBCL's SB-INT:CLOSED-STREAM-ERROR).
    public static let closedStreamError = def("CLOSED-STREAM-ERROR", [streamError], package: World.shared.system)
    public static let parseError = def("PARSE-ERROR", [error])
    public static let readerError = def("READER-ERROR", [parseError, streamError])
    public static let simpleReaderError = def("SIMPLE-READER-ERROR", [simpleCondition, readerError],
                                              package: World.shared.system)
    public static let packageError = def("PACKAGE-ERROR", [error], ["PACKAGE"])
    public static let simplePackageError = def("SIMPLE-PACKAGE-ERROR", [simpleCondition, packageError],
                                               package: World.shared.system)
    public static let fileError = def("FILE-ERROR", [error], ["PATHNAME"])
    public static let simpleFileError = def("SIMPLE-FILE-ERROR", [simpleCondition, fileError],
                                            package: World.shared.system)
    public static let printNotReadable = def("PRINT-NOT-READABLE", [error], ["OBJECT"])
    public static let interrupt = def("INTERACTIVE-INTERRUPT", [simpleCondition, seriousCondition],
                                      package: World.shared.system)

    /// Touch every static so all standard types exist before user code runs.
    static func registerAll() {
        _ = [condition, seriousCondition, error, warning, styleWarning, simpleCondition, simpleError,
             simpleWarning, typeError, simpleTypeError, programError, simpleProgramError, controlError,
             simpleControlError, cellError, unboundVariable, undefinedFunction, unboundSlot,
             arithmeticError, divisionByZero, floatingPointOverflow, floatingPointUnderflow,
             floatingPointInexact, floatingPointInvalid, storageCondition, simpleStorageCondition,
             streamError, endOfFile, closedStreamError, parseError, readerError, simpleReaderError, packageError,
             simplePackageError, fileError, simpleFileError, printNotReadable, interrupt]
    }
}

// MARK: - making and signalling conditions

extension Runtime {
    /// A condition of class `cls` whose report is `message` (a format control without directives
    /// unless `args` are given).
    public func makeCondition(_ cls: ConditionClass, message: String, args: [Value] = [],
                              slots: [String: Value] = [:]) -> LispCondition {
        let c = LispCondition(cls: cls)
        c.slots[World.shared.system.internExternal("FORMAT-CONTROL")] = Value(message)
        c.slots[World.shared.system.internExternal("FORMAT-ARGUMENTS")] = listFrom(args)
        for (k, v) in slots { c.slots[World.shared.system.internExternal(k)] = v }
        return c
    }

    public func programError(_ message: String) -> LispCondition {
        makeCondition(StandardConditions.simpleProgramError, message: formatLiteral(message))
    }

    public func simpleError(_ message: String) -> LispCondition {
        makeCondition(StandardConditions.simpleError, message: formatLiteral(message))
    }

    public func controlError(_ message: String) -> LispCondition {
        makeCondition(StandardConditions.simpleControlError, message: formatLiteral(message))
    }

    /// `type-error` with datum and expected type (a type specifier value).
    public func typeErrorCondition(_ datum: Value, _ expected: Value) -> LispCondition {
        let c = LispCondition(cls: StandardConditions.typeError)
        c.slots[World.shared.system.internExternal("DATUM")] = datum
        c.slots[World.shared.system.internExternal("EXPECTED-TYPE")] = expected
        return c
    }

    /// Signal a `type-error`: `datum` is not of type `expected` (a type specifier, e.g. "LIST"
    /// read as a CL symbol, or any printed type spec).
    public func typeError(_ datum: Value, _ expected: String) throws(Unwind) -> Never {
        try signalError(typeErrorCondition(datum, typeSpec(expected)))
    }

    public func typeError(_ datum: Value, spec: Value) throws(Unwind) -> Never {
        try signalError(typeErrorCondition(datum, spec))
    }

    /// Signal that `stream` is closed (a `stream-error`, as SBCL signals for I/O on it).
    public func closedStreamError(_ stream: LispStream) throws(Unwind) -> Never {
        try signalError(makeCondition(StandardConditions.closedStreamError, message: "~S is closed", args: [.object(stream)], slots: ["STREAM": .object(stream)]))
    }

    /// Parse a simple type spec written in Swift ("LIST", "(INTEGER 0 10)") into a value.
    public func typeSpec(_ s: String) -> Value {
        if !s.hasPrefix("(") { return Value(World.shared.cl.internExternal(s)) }
        if let v = try? readFromStringForHost(s) { return v }
        return Value(World.shared.cl.internExternal(s))
    }

    public func error(_ message: String) throws(Unwind) -> Never {
        try signalError(simpleError(message))
    }

    /// Signal `condition` to the active handlers (CLHS `signal`); returns if none transfers.
    public func signal(_ condition: LispCondition) throws(Unwind) {
        var i = handlerClusters.count - 1
        while i >= 0 {
            let cluster = handlerClusters[i]
            for h in cluster {
                if try typep(.object(condition), h.type) {
                    // A handler runs with the handler bindings that were active when its cluster
                    // was established (CLHS 9.1.4.1).
                    let saved = handlerClusters
                    handlerClusters.removeLast(handlerClusters.count - i)
                    defer { handlerClusters = saved }
                    _ = try funcall(h.function, .object(condition))
                }
            }
            i -= 1
        }
    }

    /// `error`: signal, then enter the debugger if nobody transferred control.
    public func signalError(_ condition: LispCondition) throws(Unwind) -> Never {
        try signal(condition)
        try invokeDebugger(condition)
    }

    /// `invoke-debugger` (CLHS 9.2): `*debugger-hook*` first, called with the condition and
    /// itself while bound to NIL (a script's `(setf *debugger-hook* (lambda (c h) ... (exit)))`
    /// takes over every unhandled error); then the host's debugger, which reports the condition
    /// and returns to the top level (there is no interactive debugger). `break` passes
    /// `consultingHook: false` (CLHS: it enters the debugger without the hook).
    public func invokeDebugger(_ condition: LispCondition, consultingHook: Bool = true) throws(Unwind) -> Never {
        let hookSymbol = Runtime.debuggerHookSymbol
        if consultingHook, let hook = hookSymbol.value, !hook.isNil {
            // Unbound first: a hook that is not a function (or fails) must reach the host
            // debugger, not this hook again.
            hookSymbol.value = .null
            defer { hookSymbol.value = hook }
            _ = try funcall(try coerceToFunction(hook), .object(condition), hook)
        }
        if let hook = debuggerHook { try hook(self, condition) }
        throw .abortToToplevel
    }
    static let debuggerHookSymbol = World.shared.cl.internExternal("*DEBUGGER-HOOK*")

    /// The text of a condition's report (what `princ` prints).
    public func conditionReport(_ c: LispCondition) throws(Unwind) -> String {
        for cls in c.cls.precedenceList {
            guard let rep = cls.report else { continue }
            switch rep {
            case .string(let s): return s.string
            case .function(let f):
                let out = StringOutputStream()
                _ = try funcall(f, .object(c), .object(out))
                return out.contents
            default: break
            }
        }
        let control = c.slot("FORMAT-CONTROL")
        if case .string(let s) = control {
            return try formatToString(s.string, c.slot("FORMAT-ARGUMENTS").listArray)
        }
        if c.isA(StandardConditions.typeError) {
            return "The value \(printString(c.slot("DATUM"))) is not of type \(printString(c.slot("EXPECTED-TYPE")))"
        }
        if c.isA(StandardConditions.unboundVariable) {
            return "The variable \(printString(c.slot("NAME"))) is unbound."
        }
        if c.isA(StandardConditions.undefinedFunction) {
            return "The function \(printString(c.slot("NAME"))) is undefined."
        }
        if c.isA(StandardConditions.divisionByZero) { return "arithmetic error DIVISION-BY-ZERO signalled" }
        if c.isA(StandardConditions.endOfFile) { return "end of file on \(printString(c.slot("STREAM")))" }
        return "Condition of type \(c.cls.name.name) was signalled."
    }
}

/// `text` as a format control that prints it literally: messages built from user data (a
/// symbol or package name with a tilde) must not be read as FORMAT directives when reported.
public func formatLiteral(_ text: String) -> String {
    guard text.contains("~") else { return text }
    var out = ""
    for c in text.unicodeScalars {
        if c == "~" { out += "~~" } else { out.unicodeScalars.append(c) }
    }
    return out
}
