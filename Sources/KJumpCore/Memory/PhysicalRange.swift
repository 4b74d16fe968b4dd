/// A half-open range of physical addresses `[start, end)`.
public struct PhysicalRange: Sendable, Equatable, CustomStringConvertible {
    public var start: UInt64
    public var end: UInt64

    public init(start: UInt64, end: UInt64) {
        precondition(start <= end, "a physical range must not end before it starts")
        self.start = start
        self.end = end
    }

    /// Number of bytes in the range.
    public var size: UInt64 { end - start }

    public var description: String {
        "[" + HexText.number(start) + ", " + HexText.number(end) + ")"
    }
}
