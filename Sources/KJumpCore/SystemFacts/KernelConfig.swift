/// A parsed Linux kernel configuration (the text of `.config`,
/// `/proc/config.gz` or `/boot/config-<release>`).
public struct KernelConfig: Sendable, Equatable {
    /// The value of one `CONFIG_` option.
    public enum Value: Sendable, Equatable {
        /// `=y`
        case builtIn
        /// `=m`
        case module
        /// `# CONFIG_X is not set`
        case notSet
        /// Any other value: a number, a hex constant or a quoted string (quotes removed).
        case value(String)
    }

    /// Every option that appears in the text, keyed by its full name (`CONFIG_KEXEC_JUMP`).
    public private(set) var options: [String: Value]

    /// Parses configuration text. Unknown lines are ignored, as Kconfig does.
    public init(parsing text: some StringProtocol) {
        var options: [String: Value] = [:]
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingSpaces()
            if line.hasPrefix("# CONFIG_"), line.hasSuffix(" is not set") {
                let name = line.dropFirst(2).dropLast(" is not set".count)
                options[String(name)] = .notSet
                continue
            }
            guard line.hasPrefix("CONFIG_"), let equals = line.firstIndex(of: "=") else { continue }
            let name = String(line[..<equals])
            let raw = line[line.index(after: equals)...]
            switch raw {
            case "y": options[name] = .builtIn
            case "m": options[name] = .module
            case "n": options[name] = .notSet
            default:
                if raw.count >= 2, raw.first == "\"", raw.last == "\"" {
                    options[name] = .value(String(raw.dropFirst().dropLast()))
                } else {
                    options[name] = .value(String(raw))
                }
            }
        }
        self.options = options
    }

    /// The value of `name` (with or without the `CONFIG_` prefix); `.notSet` when absent.
    public subscript(name: String) -> Value {
        options[name.hasPrefix("CONFIG_") ? name : "CONFIG_" + name] ?? .notSet
    }

    /// True when `name` is `=y`.
    public func isBuiltIn(_ name: String) -> Bool { self[name] == .builtIn }
}
