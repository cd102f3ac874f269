/// A Lisp symbol: name, home package, global value cell, function cell, macro cell, property
/// list. Symbols are identities: compare with `===`. The value and function cells are read at run
/// time by compiled code, so redefinition is seen immediately.
public final class Symbol {
    public let name: String
    public internal(set) var package: LispPackage?
    /// Global (or current dynamic) value; nil when unbound. Special bindings use shallow binding:
    /// the binder saves this and restores it on exit.
    public var value: Value?
    /// Global function definition (never a macro).
    public var function: LispFunction? {
        didSet {
            functionCell = function.map { Unmanaged.passUnretained($0) }
            if let old = oldValue, old !== function { LispFunction.retire(old) }
        }
    }
    /// `function`, unretained, for the call path: a call reads it and calls through it without
    /// touching reference counts. Sound because a function removed from a cell is retired (kept
    /// alive forever), so an activation still running it never loses it.
    public private(set) var functionCell: Unmanaged<LispFunction>?
    /// Macro expander: a function of (form environment).
    public var macro: LispFunction?
    /// `(setf name)` function.
    public var setfFunction: LispFunction?
    /// Global symbol macro expansion (`define-symbol-macro`).
    public var symbolMacro: Value?
    public var plist: Value = .null
    /// Proclaimed special (defvar, defparameter, `(declaim (special ...))`).
    public var isSpecial = false
    /// defconstant or keyword: assignment and binding are errors.
    public var isConstant = false

    public init(name: String, package: LispPackage? = nil) {
        self.name = name
        self.package = package
    }

    public var isKeyword: Bool { package === World.shared.keyword }

    /// The symbol NIL (the value `.null` stands for it).
    public static let NIL: Symbol = World.shared.cl.internExternal("NIL")
    /// The symbol T.
    public static let T: Symbol = World.shared.cl.internExternal("T")
}

extension Symbol: Hashable {
    public static func == (a: Symbol, b: Symbol) -> Bool { a === b }
    public func hash(into h: inout Hasher) { h.combine(ObjectIdentifier(self)) }
}
