// TEMPORARY stub until the numbers branch (full BigInt) is merged; delete on merge.
public struct BigInt: Hashable, Comparable, CustomStringConvertible {
    public static func < (a: BigInt, b: BigInt) -> Bool { a.v < b.v }
    public var v: Int
    public init(_ v: Int) { self.v = v }
    public var description: String { String(v) }
}
extension BigInt {
    public func toString(radix: Int) -> String { String(v, radix: radix, uppercase: true) }
}
extension BigInt {
    public static func parse(_ s: String, radix: Int) -> BigInt? { Int(s, radix: radix).map { BigInt($0) } }
    public static prefix func - (a: BigInt) -> BigInt { BigInt(-a.v) }
}
