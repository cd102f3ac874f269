/// A caller-owned, mutable byte buffer that operations read into or write from without copying.
/// The bridge makes Lisp `(unsigned-byte 8)` vectors and base-strings conform, so a
/// read-buffer fills the Lisp vector's own bytes. Class-bound so the engine can keep a
/// reference to the buffer while the operation is pending (the caller must not resize it).
public protocol MutableByteStorage: AnyObject {
    /// Number of bytes (the vector's length, not a fill pointer).
    var count: Int { get }
    /// Calls `body` with the bytes; the pointer is valid only during the call. Not generic on
    /// purpose: a generic requirement called through the protocol runs unspecialized (with an
    /// Array behind it, about 300 instructions per call under callgrind, several per message).
    func withRawBytes(_ body: (UnsafeMutableRawBufferPointer) -> Void)
}

extension MutableByteStorage {
    /// `withRawBytes` returning the body's result.
    @inline(__always)
    public func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) -> R) -> R {
        var result: R? = nil
        withRawBytes { result = body($0) }
        return result.unsafelyUnwrapped
    }
}

/// The engine's default storage: a fixed-size heap block. Used for read-with-checking's internal
/// buffer unless the bridge installs a factory that makes Lisp vectors instead.
public final class ByteArray: MutableByteStorage {
    public let count: Int
    private let base: UnsafeMutableRawPointer

    public init(count: Int) {
        self.count = count
        base = .allocate(byteCount: max(count, 1), alignment: 16)
    }

    public convenience init(_ bytes: [UInt8]) {
        self.init(count: bytes.count)
        bytes.withUnsafeBytes { src in
            if let s = src.baseAddress { base.copyMemory(from: s, byteCount: bytes.count) }
        }
    }

    deinit { base.deallocate() }

    @inline(__always)
    public func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeMutableRawBufferPointer(start: base, count: count))
    }

    public func withRawBytes(_ body: (UnsafeMutableRawBufferPointer) -> Void) {
        body(UnsafeMutableRawBufferPointer(start: base, count: count))
    }

    /// A copy of `[start, end)` as an array (tests, diagnostics).
    public func bytes(_ start: Int = 0, _ end: Int? = nil) -> [UInt8] {
        let e = end ?? count
        return Array(UnsafeRawBufferPointer(start: base + start, count: e - start))
    }
}

/// `withRawBytes` with a typed-throwing body: the requirement's body cannot throw, so the error
/// is carried out through a local. Not generic: see `withBytes`.
@inline(__always)
func withRawBytes(_ storage: MutableByteStorage,
                  _ body: (UnsafeMutableRawBufferPointer) throws(SystemError) -> Void) throws(SystemError) {
    var failure: SystemError? = nil
    storage.withRawBytes { p in
        do throws(SystemError) { try body(p) } catch { failure = error }
    }
    if let f = failure { throw f }
}

/// `withRawBytes` returning the body's result. Always inlined, so the closure it passes on is
/// concrete at each engine call site (a generic closure here ran unspecialized, with runtime
/// metadata lookups on every read and write).
@inline(__always)
func withBytes<R>(_ storage: MutableByteStorage,
                  _ body: (UnsafeMutableRawBufferPointer) throws(SystemError) -> R) throws(SystemError) -> R {
    var result: R? = nil
    try withRawBytes(storage) { (p) throws(SystemError) in result = try body(p) }
    return result.unsafelyUnwrapped
}
