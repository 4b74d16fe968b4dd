/// Text of `key=value` lines, keys sorted: the small free-form records kjump
/// passes between kernels (`KJumpNote`) and keeps beside recorded pages
/// (`PageRecording`). A value may contain "="; lines without one are skipped.
public enum KeyValueLines {
    /// The fields as lines, keys sorted.
    public static func encode(_ fields: [String: String]) -> String {
        fields.keys.sorted().map { "\($0)=\(fields[$0]!)" }.joined(separator: "\n")
    }

    /// The fields of `text`.
    public static func decode(_ text: some StringProtocol) -> [String: String] {
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
        }
        return fields
    }
}
