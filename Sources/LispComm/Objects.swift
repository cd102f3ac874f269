import Comm
import Glibc
import LispCore

// Lisp-visible wrappers around the engine's objects. Each prints as LispWorks does
// (`#<COMM:ASYNC-IO-STATE "name" ...>`-like) and answers `type-of` / `typep` in package COMM.

/// `(unsigned-byte 8)` vectors are read into and written from in place.
extension ByteVector: MutableByteStorage {
    public func withRawBytes(_ body: (UnsafeMutableRawBufferPointer) -> Void) {
        bytes.withUnsafeMutableBytes(body)
    }
}

/// A base-string's byte storage, read into in place (read-with-checking with element-type
/// base-char lends one of these to the callback).
final class BaseStringStorage: MutableByteStorage {
    let string: LispString
    init(_ s: LispString) { string = s }
    init(count: Int) { string = LispString(baseCount: count) }
    var count: Int { string.bytes.count }
    func withRawBytes(_ body: (UnsafeMutableRawBufferPointer) -> Void) {
        string.bytes.withUnsafeMutableBytes(body)
    }
}

/// A character string used as an I/O buffer: bytes go through a scratch block and are copied
/// into (or were copied from) the string one byte per character (Latin-1, as `code-char`).
final class CharStringStorage: MutableByteStorage {
    let string: LispString
    let scratch: ByteArray
    init(_ s: LispString, forWrite: Bool) {
        string = s
        scratch = ByteArray(count: s.count)
        if forWrite {
            scratch.withUnsafeMutableBytes { p in
                for i in 0..<s.count {
                    let v = s[i].value
                    p[i] = v < 256 ? UInt8(v) : 0x3F
                }
            }
        }
    }
    var count: Int { scratch.count }
    func withRawBytes(_ body: (UnsafeMutableRawBufferPointer) -> Void) {
        scratch.withRawBytes(body)
    }
    /// Copy bytes `[start, end)` back into the string after a read.
    func copyBack(_ start: Int, _ end: Int) {
        let e = min(end, string.count, scratch.count)
        guard start >= 0, start < e else { return }
        scratch.withUnsafeMutableBytes { p in
            for i in start..<e { string[i] = Unicode.Scalar(p[i]) }
        }
    }
}

/// COMM:WAIT-STATE-COLLECTION.
public final class LispCollection: LispObject {
    public enum Policy { case none, abort, print, function(LispFunction) }
    public let coll: EventCollection
    public var name: Value
    var policy: Policy = .none
    var withBacktrace = true
    /// Driven by the top-level driver (create-and-run-wait-state-collection).
    var running = false
    /// The virtual loop process is alive (create-and-run, until stop-loop).
    var alive = false
    /// A callback of this collection is running (not re-entered by nested drivers).
    var busy = false
    /// A loop-processing-wait-state-collection on it is in progress.
    var looping = false
    var stopRequested = false
    var process: LispProcess?
    var registeredInDriver = false
    var driverEnabled = false

    init(coll: EventCollection, name: Value) {
        self.coll = coll
        self.name = name
    }
    public override var typeName: String { "WAIT-STATE-COLLECTION" }
    public override var typePackage: String { "COMM" }
    public override func printUnreadable() -> String {
        let n = name.isNil ? "" : " \(World.shared.printHook(name))"
        return "COMM:WAIT-STATE-COLLECTION\(n)\(running ? " running" : "")"
    }
}

/// read-with-checking's `:element-type`: the kind of vector its callback is lent.
enum CheckingElements {
    /// `base-char` (the default) or `character`: a base-string.
    case characters
    /// `(unsigned-byte 8)`: a byte vector, read into in place.
    case octets
    /// `(signed-byte 8)`: a `(signed-byte 8)` vector, refreshed from the bytes before each
    /// callback (`GeneralVectorStorage.refreshesBeforeCallbacks`).
    case signedOctets

    /// A storage factory for the engine's internal buffer.
    var storageFactory: (Int) -> MutableByteStorage {
        switch self {
        case .characters: return { BaseStringStorage(count: $0) }
        case .octets: return { ByteVector(count: $0) }
        case .signedOctets:
            let signedByte8 = list(Value(World.shared.cl.internExternal("SIGNED-BYTE")), .fixnum(8))
            return { n in
                let g = GeneralVectorStorage(LispVector([Value](repeating: .fixnum(0), count: n), elementType: signedByte8))
                g.refreshesBeforeCallbacks = true
                return g
            }
        }
    }
}

/// COMM:ASYNC-IO-STATE.
public final class LispState: LispObject {
    public let state: AsyncIOState
    let collection: LispCollection
    var object: Value
    var name: Value
    var userInfo: Value
    /// The element type read-with-checking's internal buffer was last made for.
    var checkingElements: CheckingElements? = nil
    var lastReadError: (SystemError, Value)?
    /// The Lisp values given for the timeouts (returned as given when still current).
    var readTimeoutValue: Value = .null
    var writeTimeoutValue: Value = .null
    var lastWriteError: (SystemError, Value)?
    /// Engine closures for the Lisp callbacks last given (CallbackCache.swift).
    var callbacks = LispStateCallbacks()
    /// `:start` of the last read-buffer (where an aborted partial read is copied back from).
    var readBufferStart = 0

    init(state: AsyncIOState, collection: LispCollection, object: Value, name: Value, userInfo: Value) {
        self.state = state
        self.collection = collection
        self.object = object
        self.name = name
        self.userInfo = userInfo
        super.init()
        state.bridgeObject = self
    }
    public override var typeName: String { "ASYNC-IO-STATE" }
    public override var typePackage: String { "COMM" }
    public override func printUnreadable() -> String {
        var s = "COMM:ASYNC-IO-STATE"
        if !name.isNil { s += " \(World.shared.printHook(name))" }
        if state.isClosed { s += " closed" }
        return s
    }
}

/// COMM:ACCEPTING-HANDLE.
public final class LispAcceptor: LispObject {
    let handle: AcceptingHandle
    let collection: LispCollection
    var name: Value
    var userInfo: Value
    init(handle: AcceptingHandle, collection: LispCollection, name: Value, userInfo: Value) {
        self.handle = handle
        self.collection = collection
        self.name = name
        self.userInfo = userInfo
    }
    public override var typeName: String { "ACCEPTING-HANDLE" }
    public override var typePackage: String { "COMM" }
    public override func printUnreadable() -> String {
        var s = "COMM:ACCEPTING-HANDLE"
        if !name.isNil { s += " \(World.shared.printHook(name))" }
        s += handle.isClosed ? " closed" : " port \(handle.localPort)"
        return s
    }
}

/// COMM:IPV6-ADDRESS.
public final class LispIPv6: LispObject {
    let address: IPv6Address
    var scope: Value = .null
    var prefix: Int?
    init(_ a: IPv6Address) { address = a }
    public override var typeName: String { "IPV6-ADDRESS" }
    public override var typePackage: String { "COMM" }
    /// Two objects for the same address (scope and prefix included) are equalp, so peers can
    /// be tracked in equalp hash tables as IPv4 integers can in eql ones.
    public override func valueEqualp(_ other: LispObject) -> Bool? {
        guard let o = other as? LispIPv6 else { return false }
        return o.address == address && o.prefix == prefix && LispCore.equalp(o.scope, scope)
    }
    public override var valueEqualpHash: Int? { address.hashValue }
    var text: String {
        var t = address.description
        if let p = prefix { t += "/\(p)" }
        return t
    }
    public override func printUnreadable() -> String { "COMM:IPV6-ADDRESS \(text)" }
}

/// The Lisp object naming an engine error status (read-status / write-status / failure):
/// a condition of class COMM:SOCKET-ERROR carrying the errno (see the README compatibility notes).
extension World {
    /// Printer for names inside `#<...>` (prin1 form).
    func printHook(_ v: Value) -> String {
        switch v {
        case .string(let s): return "\"\(s.string)\""
        case .symbol(let s): return s.name
        case .fixnum(let n): return String(n)
        default: return "..."
        }
    }
}

extension SystemError {
    var shortMessage: String { "\(operation): \(message)" }
}
