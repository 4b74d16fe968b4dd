/// A kernel command line split into words the way the kernel does it:
/// spaces separate words, double quotes group (`kjump.exec="kjump probe"`).
public struct KernelCommandLine: Sendable, Equatable {
    /// The words, quotes removed.
    public var words: [String]

    public init(parsing text: some StringProtocol) {
        var words: [String] = []
        var current = ""
        var inQuotes = false
        var started = false
        for character in text {
            switch character {
            case "\"":
                inQuotes.toggle()
                started = true
            case " ", "\n", "\t":
                if inQuotes {
                    current.append(character)
                } else {
                    if started { words.append(current) }
                    current = ""
                    started = false
                }
            default:
                current.append(character)
                started = true
            }
        }
        if started { words.append(current) }
        self.words = words
    }

    /// The value of the last `key=value` word, nil when `key` is absent.
    public func value(of key: String) -> String? {
        let prefix = key + "="
        return words.last { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
    }

    /// True when the bare word `key` or `key=…` appears.
    public func contains(_ key: String) -> Bool {
        words.contains { $0 == key || $0.hasPrefix(key + "=") }
    }

    /// `value` quoted for a command line when it contains spaces.
    public static func quoted(_ value: String) -> String {
        value.contains(" ") ? "\"" + value + "\"" : value
    }
}
