/// Turns log records into the lines the kernel's console and `dmesg` show:
/// `[    1.234567] message`, seconds padded to five columns and microseconds
/// to six. A multi-line record gives one line per text line, each with the
/// prefix. Bytes that do not print (control characters other than tab,
/// DEL, bytes that are not valid UTF-8, C1 controls) are written `\xNN`.
public struct KernelLogFormatter: Sendable, Equatable {
    /// Adds the caller after the timestamp as the kernel does with
    /// `CONFIG_PRINTK_CALLER`: `[    1.234567][    T42] message`.
    public var showsCaller: Bool
    /// Starts each line with the syslog priority, facility × 8 + level, as
    /// `dmesg -r` does: `<6>[    1.234567] message`.
    public var showsPriority: Bool

    public init(showsCaller: Bool = false, showsPriority: Bool = false) {
        self.showsCaller = showsCaller
        self.showsPriority = showsPriority
    }

    /// The lines of `record`, without line terminators.
    public func lines(of record: KernelLogRecord) -> [String] {
        var prefix = ""
        if showsPriority, let level = record.level {
            prefix += "<\(Int(record.facility ?? 0) * 8 + Int(level))>"
        }
        prefix += Self.timestamp(record.timestampNanoseconds)
        if showsCaller {
            prefix += "[" + Self.padded(record.caller.description, to: 6) + "]"
        }
        prefix += " "
        var pieces = record.text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if pieces.count > 1, pieces.last?.isEmpty == true { pieces.removeLast() }
        return pieces.map { prefix + Self.escaped($0) }
    }

    /// `[sssss.uuuuuu]` for a time in nanoseconds.
    public static func timestamp(_ nanoseconds: UInt64) -> String {
        let seconds = nanoseconds / 1_000_000_000
        let microseconds = nanoseconds % 1_000_000_000 / 1000
        let fraction = String(microseconds)
        return "[" + padded(String(seconds), to: 5) + "." + String(repeating: "0", count: 6 - fraction.count) + fraction + "]"
    }

    /// `bytes` as text: printable ASCII, tab and valid UTF-8 kept, everything
    /// else as `\xNN`.
    public static func escaped(_ bytes: ArraySlice<UInt8>) -> String {
        var out = ""
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if (0x20..<0x7f).contains(byte) || byte == 0x09 {
                out.unicodeScalars.append(Unicode.Scalar(byte))
                index += 1
                continue
            }
            if (0xc2...0xf4).contains(byte) {
                let length = byte < 0xe0 ? 2 : byte < 0xf0 ? 3 : 4
                if bytes.endIndex - index >= length,
                   let character = String(validating: bytes[index..<index + length], as: UTF8.self),
                   let scalar = character.unicodeScalars.first, scalar.value >= 0xa0 {
                    out += character
                    index += length
                    continue
                }
            }
            out += "\\x" + HexText.bytes([byte])
            index += 1
        }
        return out
    }

    /// `text` right-aligned in `width` columns.
    static func padded(_ text: String, to width: Int) -> String {
        String(repeating: " ", count: max(width - text.count, 0)) + text
    }
}
