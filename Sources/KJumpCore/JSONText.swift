/// Minimal JSON string quoting for kjump's machine-readable output.
///
/// kjump's release binary runs in the hibernation kernel's initramfs, where
/// every megabyte slows the boot; Foundation's encoder would add about 7 MB
/// to the static binary for a handful of flat objects, so this one function
/// (RFC 8259, section 7) stands in for it.
public enum JSONText {
    /// `value` as a quoted JSON string with `"`, `\` and control characters escaped.
    public static func quoted(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let s where s.value < 0x20:
                let hex = String(s.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
