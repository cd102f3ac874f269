/// A one-dimensional general vector (`simple-vector`, or an adjustable / fill-pointer vector).
/// `elementType` records a declared element type other than T (e.g. `fixnum`) for
/// `array-element-type`; storage is general either way.
public final class LispVector {
    public var items: [Value]
    public var fillPointer: Int?
    public var adjustable: Bool
    public var elementType: Value

    public init(_ items: [Value], fillPointer: Int? = nil, adjustable: Bool = false, elementType: Value = .t) {
        self.items = items
        self.fillPointer = fillPointer
        self.adjustable = adjustable
        self.elementType = elementType
    }

    @inline(__always) public var count: Int { fillPointer ?? items.count }
    /// `simple-vector`: no fill pointer, not adjustable, element type T.
    public var isSimple: Bool {
        guard fillPointer == nil, !adjustable else { return false }
        if case .symbol(let s) = elementType, s === Symbol.T { return true }
        return false
    }
    public var activeItems: ArraySlice<Value> { items[0..<count] }
}

/// A `(vector (unsigned-byte 8))`: contiguous bytes, so the COMM engine can read from and write to
/// it in place without copying.
public final class ByteVector {
    public var bytes: [UInt8]
    public var fillPointer: Int?
    public var adjustable: Bool

    public init(_ bytes: [UInt8], fillPointer: Int? = nil, adjustable: Bool = false) {
        self.bytes = bytes
        self.fillPointer = fillPointer
        self.adjustable = adjustable
    }

    public init(count: Int) {
        bytes = [UInt8](repeating: 0, count: count)
        adjustable = false
    }

    @inline(__always) public var count: Int { fillPointer ?? bytes.count }
}

/// A multi-dimensional (rank != 1) array: row-major storage in a one-dimensional vector value.
public final class LispArray: LispObject {
    public var dimensions: [Int]
    /// `.vector`, `.bytes` or `.string` holding `dimensions.reduce(1, *)` elements.
    public var storage: Value
    public var adjustable: Bool
    /// Set for a displaced array: `storage` is the target's storage and elements start at this offset.
    /// A displaced array of rank 1 is also a LispArray (it shares its target's storage).
    public var displacedOffset: Int?

    public init(dimensions: [Int], storage: Value, adjustable: Bool = false) {
        self.dimensions = dimensions
        self.storage = storage
        self.adjustable = adjustable
    }
    public override var typeName: String { "ARRAY" }
    public override func printObject(_ p: Printer) throws(Unwind) -> Bool {
        guard let h = lispArrayPrintHook else { return false }
        return try h(self, p)
    }
}

/// `#nA(...)` printing, installed by the array library.
nonisolated(unsafe) public var lispArrayPrintHook: ((LispArray, Printer) throws(Unwind) -> Bool)?
