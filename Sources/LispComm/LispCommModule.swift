import Comm
import Glibc
import LispCore

/// The bridge between the COMM engine and Lisp: installs the COMM and MP packages' functions
/// into a runtime and the driver that serves running collections from blocking calls.
public enum LispComm {
    nonisolated(unsafe) static var socketErrorClass: ConditionClass!
    nonisolated(unsafe) static var currentProcessSymbol: Symbol!

    /// Installs COMM and MP into `rt` and hooks the driver into stdin reads and `sleep`.
    /// Idempotent per runtime.
    @discardableResult
    public static func install(_ rt: Runtime) -> Driver {
        if let d = Driver.shared, d.rt === rt { return d }
        let d = Driver(rt: rt)
        Driver.shared = d
        Driver.everInstalled.append(d)
        d.makeHandler()
        let comm = World.shared.comm
        for n in ["WAIT-STATE-COLLECTION", "ASYNC-IO-STATE", "ACCEPTING-HANDLE", "IPV6-ADDRESS", "SOCKET-STREAM", "SOCKET-ERROR"] {
            _ = comm.internExternal(n)
        }
        for n in ["PROCESS", "MAILBOX", "LOCK"] { _ = World.shared.mp.internExternal(n) }
        socketErrorClass = ConditionRegistry.shared.define(comm.internExternal("SOCKET-ERROR"),
                                                           parents: [StandardConditions.error])
        currentProcessSymbol = World.shared.mp.internExternal("*CURRENT-PROCESS*")
        rt.defVar(currentProcessSymbol, .null)
        CollectionBuiltins.register(rt, d)
        StateBuiltins.register(rt, d)
        OperationBuiltins.register(rt, d)
        SocketBuiltins.register(rt, d)
        SSLBridge.register(rt, d)
        MPBuiltins.register(rt, d)
        installLispWorksPackage(rt)
        rt.modules.insert("COMM")
        if let stdin = rt.stdinStream as? FDStream {
            stdin.waitForInput = { [d] fd in
                do throws(Unwind) {
                    _ = try d.waitReadable(fd)
                } catch {
                    if case .quit(let n) = error {
                        d.rt.flushStandardStreams()
                        exit(n)
                    }
                }
            }
        }
        return d
    }

    /// The LISPWORKS package (nickname LW), used by CL-USER as in LispWorks, with the two
    /// functions the manual's examples name: TRUE and FALSE (any arguments; T and NIL). The
    /// wake-up idiom `(apply-in-wait-state-collection-process coll 'false)` needs FALSE.
    static func installLispWorksPackage(_ rt: Runtime) {
        let world = World.shared
        let lw: LispPackage
        if let p = world.findPackage("LISPWORKS") {
            lw = p
        } else {
            lw = LispPackage(name: "LISPWORKS")
            lw.nicknames = ["LW"]
            lw.use(world.cl)
            world.register(lw)
        }
        rt.defN("TRUE", 0, -1, in: lw) { _, _ throws(Unwind) in .t }
        rt.defN("FALSE", 0, -1, in: lw) { _, _ throws(Unwind) in .null }
        if !world.clUser.uses.contains(where: { $0 === lw }) { world.clUser.use(lw) }
    }

    /// After a script's last form: keep serving running collections until nothing is left.
    public static func runUntilIdle(_ rt: Runtime) throws(Unwind) {
        try Driver.shared?.runUntilIdle()
    }

    /// The error value of a status or failure: a COMM:SOCKET-ERROR condition whose report is
    /// the operation and the system's message, with the errno in its ERRNO slot.
    static func errorCondition(_ rt: Runtime, _ e: SystemError, context: String? = nil) -> LispCondition {
        let text = context.map { "\($0): \(e.shortMessage)" } ?? e.shortMessage
        return rt.makeCondition(socketErrorClass, message: "~A", args: [Value(text)],
                                slots: ["ERRNO": .fixnum(Int(e.errno))])
    }
}

// MARK: - shared coercions

extension UnsafeMutablePointer where Pointee == Value {
    /// The async-io-state in this slot, unretained (see `BorrowedReads.swift`); nil for any
    /// other value.
    @inline(__always) var borrowedState: Unmanaged<LispState>? {
        guard let o = borrowedObject, o._withUnsafeGuaranteedRef({ type(of: $0) == LispState.self }) else { return nil }
        return unsafeBitCast(o, to: Unmanaged<LispState>.self)
    }
}

extension Runtime {
    func collectionArg(_ v: Value, _ fname: String) throws(Unwind) -> LispCollection {
        if case .object(let o) = v, let c = o as? LispCollection { return c }
        try argError(self, fname, "collection", v, "a WAIT-STATE-COLLECTION")
    }
    /// LispState is final: an exact class test is enough (cheaper than a dynamic cast).
    @inline(__always)
    func stateArg(_ v: Value, _ fname: String) throws(Unwind) -> LispState {
        if case .object(let o) = v, type(of: o) == LispState.self { return unsafeDowncast(o, to: LispState.self) }
        try argError(self, fname, "async-io-state", v, "an ASYNC-IO-STATE")
    }
    func acceptorArg(_ v: Value, _ fname: String) throws(Unwind) -> LispAcceptor {
        if case .object(let o) = v, let s = o as? LispAcceptor { return s }
        try argError(self, fname, "accepting-handle", v, "an ACCEPTING-HANDLE")
    }
}

/// A Lisp buffer as engine storage. Byte vectors and base-strings are used in place; character
/// strings and general vectors go through a scratch copy.
func bufferStorage(_ rt: Runtime, _ v: Value, _ fname: String, forWrite: Bool) throws(Unwind) -> MutableByteStorage {
    switch v {
    case .bytes(let bv): return bv
    case .string(let s): return s.isBase ? BaseStringStorage(s) : CharStringStorage(s, forWrite: forWrite)
    case .vector(let lv):
        let st = GeneralVectorStorage(lv)
        if forWrite {
            var bad: Value?
            st.scratch.withUnsafeMutableBytes { p in
                for i in 0..<lv.count {
                    if case .fixnum(let n) = lv.items[i], n >= -128, n <= 255 { p[i] = UInt8(truncatingIfNeeded: n) } else if bad == nil { bad = lv.items[i] }
                }
            }
            if let b = bad { try argError(rt, fname, "buffer", b, "an octet (vector element)") }
        }
        return st
    default:
        try argError(rt, fname, "buffer", v, "a string or an (UNSIGNED-BYTE 8) vector")
    }
}

/// `(UNSIGNED-BYTE 8)` -> false, `(SIGNED-BYTE 8)` -> true (whether the octets are signed);
/// nil for any other type specifier.
func octetTypeIsSigned(_ spec: Value) -> Bool? {
    guard case .cons(let c) = spec, case .symbol(let s) = c.car, s.name == "UNSIGNED-BYTE" || s.name == "SIGNED-BYTE",
          case .cons(let c2) = c.cdr, case .fixnum(8) = c2.car, c2.cdr.isNil else { return nil }
    return s.name == "SIGNED-BYTE"
}

/// A general vector of octets used as a buffer (copied in and out).
final class GeneralVectorStorage: MutableByteStorage {
    let vector: LispVector
    let scratch: ByteArray
    /// A (SIGNED-BYTE 8) vector: octets read into it are stored as -128..127.
    let signedOctets: Bool
    /// read-with-checking's internal buffer: the bytes are copied into the vector before each
    /// callback sees it (`Driver.deliverStateBuffer`).
    var refreshesBeforeCallbacks = false
    init(_ v: LispVector) {
        vector = v
        scratch = ByteArray(count: v.count)
        signedOctets = octetTypeIsSigned(v.elementType) == true
    }
    var count: Int { scratch.count }
    func withRawBytes(_ body: (UnsafeMutableRawBufferPointer) -> Void) {
        scratch.withRawBytes(body)
    }
    func copyBack(_ start: Int, _ end: Int) {
        let e = min(end, vector.items.count, scratch.count)
        guard start >= 0, start < e else { return }
        scratch.withUnsafeMutableBytes { p in
            if signedOctets {
                for i in start..<e { vector.items[i] = .fixnum(Int(Int8(bitPattern: p[i]))) }
            } else {
                for i in start..<e { vector.items[i] = .fixnum(Int(p[i])) }
            }
        }
    }
}

/// Engine storage back to the Lisp object the user sees.
func storageValue(_ s: MutableByteStorage) -> Value {
    // The usual storage first, by exact class (cheaper than casting an existential).
    if type(of: s) == ByteVector.self { return .bytes(unsafeDowncast(s, to: ByteVector.self)) }
    if let bv = s as? ByteVector { return .bytes(bv) }
    if let b = s as? BaseStringStorage { return .string(b.string) }
    if let c = s as? CharStringStorage { return .string(c.string) }
    if let g = s as? GeneralVectorStorage { return .vector(g.vector) }
    return .null
}

/// After a read into a copied buffer, copy `[start, end)` back.
func copyBack(_ s: MutableByteStorage, _ start: Int, _ end: Int) {
    if type(of: s) == ByteVector.self { return }  // used in place: nothing to copy
    if let c = s as? CharStringStorage { c.copyBack(start, end) }
    else if let g = s as? GeneralVectorStorage { g.copyBack(start, end) }
}

/// `(start, end)` keywords checked against the buffer length.
func bufferRange(_ rt: Runtime, _ kw: KeyArgs, _ count: Int) throws(Unwind) -> (Int, Int) {
    try kw.startEnd(count: count)
}

func keyword(_ name: String) -> Value { Value(World.shared.keyword(name)) }

extension LispState {
    /// read-status / write-status as Lisp: nil, :eof, :timeout or a COMM:SOCKET-ERROR.
    func statusValue(_ rt: Runtime, _ s: IOStatus, write: Bool) -> Value {
        switch s {
        case .ok: return .null
        case .eof: return keyword("EOF")
        case .timeout: return keyword("TIMEOUT")
        case .error(let e):
            if write {
                if let (le, v) = lastWriteError, le == e { return v }
                let v = Value.object(LispComm.errorCondition(rt, e))
                lastWriteError = (e, v)
                return v
            } else {
                if let (le, v) = lastReadError, le == e { return v }
                let v = Value.object(LispComm.errorCondition(rt, e))
                lastReadError = (e, v)
                return v
            }
        }
    }
}
