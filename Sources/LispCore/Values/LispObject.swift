/// Base class of every heap object that has no dedicated `Value` case: hash tables, packages,
/// streams, structure instances, conditions, multi-dimensional arrays, and foreign objects such
/// as async-io-states (defined outside LispCore). Subclasses override `typeName` (what `type-of`
/// returns) and `printUnreadable` (the text inside `#<...>`).
open class LispObject {
    public init() {}
    /// The symbol name `type-of` reports (in package CL unless `typePackage` says otherwise).
    open var typeName: String { "T" }
    /// Package of the type symbol, by name (e.g. "COMM" for async-io-state).
    open var typePackage: String { "COMMON-LISP" }
    /// Names of the types this object is also an instance of (for `typep`), most specific first.
    open var supertypeNames: [String] { [] }
    /// Printed form for `#<...>`; default `TYPENAME {id}`.
    open func printUnreadable() -> String {
        "\(typeName) {\(String(UInt(bitPattern: ObjectIdentifier(self).hashValue), radix: 16, uppercase: true))}"
    }

    /// `equalp` of two objects of a host type that compares by value (e.g. COMM's IPv6
    /// addresses): true or false, or nil to fall back to the general rules. Overriders also
    /// override `valueEqualpHash` so that equalp hash tables find equal objects.
    open func valueEqualp(_ other: LispObject) -> Bool? { nil }
    /// The equalp hash of an object that overrides `valueEqualp`; nil otherwise.
    open var valueEqualpHash: Int? { nil }

    /// Custom printing (structures print `#S(...)`, conditions their report under `princ`).
    /// Return false to get the default `#<...>` form.
    open func printObject(_ p: Printer) throws(Unwind) -> Bool { false }
}
