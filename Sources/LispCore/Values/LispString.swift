/// A mutable Lisp string. A `base-string` stores one byte per character (Latin-1), so the COMM
/// engine can read socket bytes straight into it; a `(vector character)` stores Unicode scalars.
/// Every access goes through `count`, the subscript and `append`, which hide the two storages.
public final class LispString {
    /// True for base-strings (byte storage in `bytes`), false for character strings (`scalars`).
    public let isBase: Bool
    public var bytes: [UInt8]
    public var scalars: [Unicode.Scalar]
    public var fillPointer: Int?
    public var adjustable: Bool

    public init(_ s: String) {
        isBase = false
        bytes = []
        scalars = Array(s.unicodeScalars)
        adjustable = false
    }

    public init(scalars: [Unicode.Scalar], fillPointer: Int? = nil, adjustable: Bool = false) {
        isBase = false
        bytes = []
        self.scalars = scalars
        self.fillPointer = fillPointer
        self.adjustable = adjustable
    }

    /// A base-string of `count` copies of `fill` (which must be < 256).
    public init(baseCount count: Int, fill: UInt8 = 0, fillPointer: Int? = nil, adjustable: Bool = false) {
        isBase = true
        bytes = [UInt8](repeating: fill, count: count)
        scalars = []
        self.fillPointer = fillPointer
        self.adjustable = adjustable
    }

    /// Active length (the fill pointer when there is one).
    @inline(__always) public var count: Int { fillPointer ?? totalCount }
    /// Allocated length (array-total-size).
    @inline(__always) public var totalCount: Int { isBase ? bytes.count : scalars.count }

    @inline(__always) public subscript(i: Int) -> Unicode.Scalar {
        get { isBase ? Unicode.Scalar(bytes[i]) : scalars[i] }
        set {
            if isBase { bytes[i] = UInt8(truncatingIfNeeded: newValue.value) } else { scalars[i] = newValue }
        }
    }

    /// Whether `c` can be stored (base-strings hold only codes < 256).
    @inline(__always) public func canHold(_ c: Unicode.Scalar) -> Bool { !isBase || c.value < 256 }

    /// Append at the fill pointer (or the end), growing storage.
    public func append(_ c: Unicode.Scalar) {
        let n = count
        if n < totalCount {
            self[n] = c
        } else if isBase {
            bytes.append(UInt8(truncatingIfNeeded: c.value))
        } else {
            scalars.append(c)
        }
        if fillPointer != nil { fillPointer = n + 1 }
    }

    public func append(contentsOf s: String) {
        if fillPointer == nil && !isBase {
            scalars.append(contentsOf: s.unicodeScalars)
        } else {
            for c in s.unicodeScalars { append(c) }
        }
    }

    /// The active characters as an array of scalars.
    public var activeScalars: [Unicode.Scalar] {
        if isBase { return bytes[0..<count].map { Unicode.Scalar($0) } }
        if let fp = fillPointer { return Array(scalars[0..<fp]) }
        return scalars
    }

    /// The active characters as a Swift String.
    public var string: String {
        var s = String.UnicodeScalarView()
        if isBase {
            for b in bytes[0..<count] { s.append(Unicode.Scalar(b)) }
        } else if let fp = fillPointer {
            s.append(contentsOf: scalars[0..<fp])
        } else {
            s.append(contentsOf: scalars)
        }
        return String(s)
    }

    /// Resize the storage (adjust-array), filling new slots with `fill`.
    public func resize(to n: Int, fill: Unicode.Scalar = "\0") {
        if isBase {
            if n < bytes.count { bytes.removeLast(bytes.count - n) } else {
                bytes.append(contentsOf: repeatElement(UInt8(truncatingIfNeeded: fill.value), count: n - bytes.count))
            }
        } else {
            if n < scalars.count { scalars.removeLast(scalars.count - n) } else {
                scalars.append(contentsOf: repeatElement(fill, count: n - scalars.count))
            }
        }
    }
}
