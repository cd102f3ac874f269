// TEMPORARY stub until the numbers branch (full BigInt) is merged; delete on merge.
public struct BigInt: Hashable, CustomStringConvertible {
    public var v: Int
    public init(_ v: Int) { self.v = v }
    public var description: String { String(v) }
}
extension BigInt {
    public func toString(radix: Int) -> String { String(v, radix: radix, uppercase: true) }
}
