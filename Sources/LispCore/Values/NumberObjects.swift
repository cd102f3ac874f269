/// A heap integer outside the fixnum range. Always normalised: a value that fits in `Int` is a
/// `.fixnum`, never a `.bignum`.
public final class LispBignum {
    public let value: BigInt
    public init(_ value: BigInt) { self.value = value }
}

/// An exact ratio in lowest terms with a positive denominator > 1 (otherwise it is an integer).
public final class LispRatio {
    public let numerator: BigInt
    public let denominator: BigInt
    public init(numerator: BigInt, denominator: BigInt) {
        self.numerator = numerator
        self.denominator = denominator
    }
}
