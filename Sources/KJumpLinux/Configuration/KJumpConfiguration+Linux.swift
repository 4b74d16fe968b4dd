#if canImport(Glibc)
import Glibc
#endif
import KJumpCore

extension KJumpConfiguration {
    /// The configuration at `path`; with `path` nil, the installed one at
    /// `defaultPath` when it exists, and nothing configured otherwise. A path
    /// given explicitly must exist.
    public static func load(path: String?) throws(ConfigurationError) -> KJumpConfiguration {
        let chosen = path ?? defaultPath
        if path == nil, !exists(path: chosen) { return KJumpConfiguration() }
        let text: String
        do { text = try KernelFile.readText(chosen) } catch { throw .unreadable(path: chosen, reason: "\(error)") }
        return try KJumpConfiguration(parsing: text, path: chosen)
    }

    /// Whether a configuration file is at `path`.
    public static func exists(path: String) -> Bool { access(path, F_OK) == 0 }
}
