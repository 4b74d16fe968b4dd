/// The fields of `/proc/meminfo` that kjump uses, in bytes.
public struct MemoryInfo: Sendable, Equatable {
    /// `MemTotal`.
    public var total: UInt64
    /// `MemFree`.
    public var free: UInt64
    /// `MemAvailable`: what can be allocated without swapping.
    public var available: UInt64

    public init(total: UInt64, free: UInt64, available: UInt64) {
        self.total = total
        self.free = free
        self.available = available
    }

    /// Parses `/proc/meminfo`; nil when `MemTotal`, `MemFree` or `MemAvailable` is missing.
    public init?(parsing text: some StringProtocol) {
        var fields: [Substring: UInt64] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = Substring(line[..<colon])
            let words = line[line.index(after: colon)...].split(separator: " ")
            guard let number = words.first.flatMap({ UInt64($0) }) else { continue }
            let unit: UInt64 = words.count > 1 && words[1] == "kB" ? 1024 : 1
            fields[key] = number * unit
        }
        guard let total = fields["MemTotal"], let free = fields["MemFree"],
              let available = fields["MemAvailable"] else { return nil }
        self.init(total: total, free: free, available: available)
    }
}
