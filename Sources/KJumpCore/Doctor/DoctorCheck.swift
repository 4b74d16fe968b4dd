/// The outcome of one `kjump doctor` check.
public struct DoctorCheck: Sendable, Equatable, Codable {
    /// How a check ended.
    public enum Status: String, Sendable, Equatable, Comparable, Codable {
        case ok, warn, fail

        private var rank: Int {
            switch self {
            case .ok: 0
            case .warn: 1
            case .fail: 2
            }
        }

        public static func < (lhs: Status, rhs: Status) -> Bool { lhs.rank < rhs.rank }
    }

    /// How it ended.
    public var status: Status
    /// What was checked, short (`CONFIG_KEXEC_JUMP`, `lockdown`). JSON key: `check`.
    public var name: String
    /// What was found, and for `warn` and `fail` what to do about it.
    public var message: String

    enum CodingKeys: String, CodingKey {
        case status, name = "check", message
    }

    public init(_ status: Status, _ name: String, _ message: String) {
        self.status = status
        self.name = name
        self.message = message
    }
}

/// All checks of one `kjump doctor` run.
public struct DoctorReport: Sendable, Equatable, Codable {
    public var checks: [DoctorCheck]

    public init(checks: [DoctorCheck]) { self.checks = checks }

    /// True when no check failed: `kjump doctor` then exits 0.
    public var passed: Bool { !checks.contains { $0.status == .fail } }

    /// One line per check: `ok|warn|fail  <check>  <message>`, columns aligned.
    public func renderText() -> String {
        let width = checks.map(\.name.count).max() ?? 0
        return checks.map { check in
            let status = check.status.rawValue.padding(to: 4)
            return "\(status)  \(check.name.padding(to: width))  \(check.message)"
        }.joined(separator: "\n")
    }

}

extension String {
    /// The string padded with spaces on the right to at least `width` characters.
    func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
