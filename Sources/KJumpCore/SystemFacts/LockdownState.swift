/// The kernel lockdown mode, from `/sys/kernel/security/lockdown`
/// (text such as `[none] integrity confidentiality`, the active mode in brackets).
public enum LockdownState: String, Sendable, Equatable {
    case none
    case integrity
    case confidentiality

    /// Parses the file's text; nil when no mode is bracketed.
    public init?(parsing text: some StringProtocol) {
        guard let open = text.firstIndex(of: "["),
              let close = text[open...].firstIndex(of: "]") else { return nil }
        self.init(rawValue: String(text[text.index(after: open)..<close]))
    }

    /// `kexec_load(2)` is refused in every lockdown mode but `none`.
    public var allowsKexecLoad: Bool { self == .none }
}
