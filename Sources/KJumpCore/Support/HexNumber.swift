extension UInt64 {
    /// Parses `0x1f`, `1f` or `1F`, with surrounding white space; nil otherwise.
    public init?(hex text: some StringProtocol) {
        var digits = text.trimmingSpaces()
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") { digits = digits.dropFirst(2) }
        guard !digits.isEmpty else { return nil }
        self.init(digits, radix: 16)
    }
}
