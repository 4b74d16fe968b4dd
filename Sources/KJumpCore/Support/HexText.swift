/// Hexadecimal text for messages, names and command lines: one spelling
/// everywhere (lowercase; numbers `0x`-prefixed, bytes two digits each).
public enum HexText {
    /// `0x1f`; zero-padded to at least `digits` digits (`0x000000000000001f` for 16).
    public static func number(_ value: some BinaryInteger, digits: Int = 1) -> String {
        let text = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, digits - text.count)) + text
    }

    /// Two digits a byte, joined by `separator`: `7f 45 4c 46` for `separator: " "`.
    public static func bytes(_ bytes: some Sequence<UInt8>, separator: String = "") -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: separator)
    }

    /// The bytes that `bytes(_:)` spelled (two lowercase digits a byte, no
    /// separator), or nil when `text` is not that.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = value(of: digits[index]), let low = value(of: digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func value(of digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}
