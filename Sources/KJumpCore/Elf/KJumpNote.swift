/// kjump's own ELF note in the hibernation kernel's ELF core header: what
/// the system kernel tells the hibernation kernel beyond its command line,
/// as `key=value` lines (name "KJUMP", type 0x4b4a).
public struct KJumpNote: Sendable, Equatable {
    public static let name = "KJUMP"
    public static let type: UInt32 = 0x4b4a

    /// The fields.
    public var fields: [String: String]

    public init(fields: [String: String]) { self.fields = fields }

    /// Parses the note's descriptor.
    public init(descriptor: [UInt8]) {
        fields = KeyValueLines.decode(String(decoding: descriptor.prefix { $0 != 0 }, as: UTF8.self))
    }

    /// The descriptor bytes, keys sorted.
    public var descriptor: [UInt8] {
        Array(KeyValueLines.encode(fields).utf8)
    }

    /// The system kernel's firmware memory map, as `e820=ADDR:SIZE:TYPE,…` (hex).
    public var firmwareMemoryMap: [E820Entry]? {
        get {
            guard let text = fields["e820"] else { return nil }
            var entries: [E820Entry] = []
            for item in text.split(separator: ",") {
                let parts = item.split(separator: ":")
                guard parts.count == 3, let address = UInt64(hex: parts[0]), let size = UInt64(hex: parts[1]),
                      let type = UInt32(parts[2], radix: 16) else { return nil }
                entries.append(E820Entry(address: address, size: size, type: E820Type(rawValue: type)))
            }
            return entries
        }
        set {
            fields["e820"] = newValue?.map {
                "\(String($0.address, radix: 16)):\(String($0.size, radix: 16)):\(String($0.type.rawValue, radix: 16))"
            }.joined(separator: ",")
        }
    }
}
