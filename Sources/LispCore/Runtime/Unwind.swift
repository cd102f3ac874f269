/// Non-local transfers of control, carried by Swift's typed throws. Condition *signalling* never
/// throws: handlers run on top of the signalling frame; only the transfer a handler or restart
/// decides on (or `return-from`, `go`, `throw`) unwinds.
public enum Unwind: Error, @unchecked Sendable {
    /// `return-from`: block instance id, primary value (other values in `rt.mv`).
    case toBlock(Int, Value)
    /// `go`: tagbody instance id, index of the tag.
    case toTag(Int, Int)
    /// `throw`: catch tag, primary value.
    case toCatch(Value, Value)
    /// Return to the top level (REPL prompt, or end of script with failure).
    case abortToToplevel
    /// `(quit :status n)`.
    case quit(Int32)
}

/// Swift-level failure that is not a Lisp non-local exit (used only at host boundaries).
public struct HostError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
