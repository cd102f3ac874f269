/// A condition type: the standard ones are made at start-up, user ones by `define-condition`.
public final class ConditionClass {
    public let name: Symbol
    public var parents: [ConditionClass]
    public var slots: [ConditionSlot]
    /// `:report`: a string, or a function of (condition stream); nil = inherit.
    public var report: Value?
    public var defaultInitargs: [(Symbol, Value)] = []

    public init(name: Symbol, parents: [ConditionClass], slots: [ConditionSlot] = []) {
        self.name = name
        self.parents = parents
        self.slots = slots
    }

    /// Class precedence list, most specific first (depth-first, duplicates removed: enough for
    /// the single-inheritance-dominated condition hierarchy).
    public var precedenceList: [ConditionClass] {
        var out: [ConditionClass] = []
        func walk(_ c: ConditionClass) {
            if out.contains(where: { $0 === c }) { return }
            out.append(c)
            for p in c.parents { walk(p) }
        }
        walk(self)
        return out
    }

    public func isSubclass(of other: ConditionClass) -> Bool {
        if self === other { return true }
        for p in parents where p.isSubclass(of: other) { return true }
        return false
    }

    /// All slots including inherited ones.
    public var allSlots: [ConditionSlot] {
        var out: [ConditionSlot] = []
        for c in precedenceList.reversed() {
            for s in c.slots where !out.contains(where: { $0.name === s.name }) { out.append(s) }
        }
        return out
    }
}

/// A condition slot definition.
public struct ConditionSlot {
    public var name: Symbol
    public var initargs: [Symbol]
    /// Thunk computing the initform, or nil.
    public var initform: LispFunction?
    public init(name: Symbol, initargs: [Symbol], initform: LispFunction? = nil) {
        self.name = name
        self.initargs = initargs
        self.initform = initform
    }
}

/// A condition instance.
public final class LispCondition: LispObject {
    public let cls: ConditionClass
    public var slots: [Symbol: Value] = [:]
    public init(cls: ConditionClass) { self.cls = cls }

    public override var typeName: String { cls.name.name }
    public override var typePackage: String { cls.name.package?.name ?? "COMMON-LISP" }
    /// `#<COMM:SOCKET-ERROR {id}>`: the class name keeps its package prefix unless it is a
    /// standard or CL-USER name (as the reader would need to find it from CL-USER).
    public override func printUnreadable() -> String {
        let pkg = typePackage
        if ["COMMON-LISP", "COMMON-LISP-USER", "KEYWORD"].contains(pkg) { return super.printUnreadable() }
        return "\(pkg):" + super.printUnreadable()
    }
    public func slot(_ name: String) -> Value {
        for (k, v) in slots where k.name == name { return v }
        return .null
    }
    public func isA(_ c: ConditionClass) -> Bool { cls.isSubclass(of: c) }

    /// `princ` of a condition prints its report (CLHS 9.1.3); `prin1` the unreadable form.
    public override func printObject(_ p: Printer) throws(Unwind) -> Bool {
        if p.escape || p.readably { return false }
        p.out += try p.rt.conditionReport(self)
        return true
    }
}

/// A handler established by `handler-bind`.
public struct Handler {
    public var type: Value
    public var function: LispFunction
    public init(type: Value, function: LispFunction) {
        self.type = type
        self.function = function
    }
}

/// An active restart.
public final class Restart: LispObject {
    public let name: Value
    public let function: LispFunction
    public var report: Value = .null
    public var interactive: LispFunction?
    public var test: LispFunction?
    public init(name: Value, function: LispFunction) {
        self.name = name
        self.function = function
    }
    public override var typeName: String { "RESTART" }

    /// `princ` of a restart prints its report (a string, or a function of a stream).
    public override func printObject(_ p: Printer) throws(Unwind) -> Bool {
        if p.escape || p.readably { return false }
        switch report {
        case .string(let s): p.out += s.string
        case .function(let f):
            let out = StringOutputStream()
            _ = try p.rt.funcall(f, .object(out))
            p.out += out.contents
        default:
            p.out += name.asSymbol.map { p.rt.printString(Value($0)) } ?? "RESTART"
        }
        return true
    }
    public override func printUnreadable() -> String {
        "RESTART \(name.asSymbol?.name ?? "NIL")"
    }
}

/// Registry of condition types by name.
public final class ConditionRegistry {
    nonisolated(unsafe) public static let shared = ConditionRegistry()
    public var classes: [Symbol: ConditionClass] = [:]

    public func find(_ s: Symbol) -> ConditionClass? { classes[s] }

    @discardableResult
    public func define(_ name: Symbol, parents: [ConditionClass], slots: [ConditionSlot] = []) -> ConditionClass {
        if let existing = classes[name] {
            existing.parents = parents
            existing.slots = slots
            return existing
        }
        let c = ConditionClass(name: name, parents: parents, slots: slots)
        classes[name] = c
        return c
    }
}
