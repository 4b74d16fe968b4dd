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
}
