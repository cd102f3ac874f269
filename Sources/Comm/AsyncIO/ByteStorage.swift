/// A caller-owned, mutable byte buffer that operations read into or write from without copying.
/// The bridge makes Lisp `(unsigned-byte 8)` vectors and base-strings conform, so a
/// read-buffer fills the Lisp vector's own bytes. Class-bound so the engine can keep a
/// reference to the buffer while the operation is pending (the caller must not resize it).
public protocol MutableByteStorage: AnyObject {
    /// Number of bytes (the vector's length, not a fill pointer).
    var count: Int { get }
    /// Calls `body` with the bytes; the pointer is valid only during the call.
    func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R
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

    /// A copy of `[start, end)` as an array (tests, diagnostics).
    public func bytes(_ start: Int = 0, _ end: Int? = nil) -> [UInt8] {
        let e = end ?? count
        return Array(UnsafeRawBufferPointer(start: base + start, count: e - start))
    }
}

/// `withUnsafeMutableBytes` with a typed-throwing body: the protocol method is `rethrows`
/// over untyped errors, so the failure is carried out through a local instead.
@inline(__always)
func withBytes<R>(_ storage: MutableByteStorage,
                  _ body: (UnsafeMutableRawBufferPointer) throws(SystemError) -> R) throws(SystemError) -> R {
    var failure: SystemError?
    let r: R? = storage.withUnsafeMutableBytes { (p) -> R? in
        do throws(SystemError) { return try body(p) } catch { failure = error; return nil }
    }
    if let f = failure { throw f }
    return r!
}
