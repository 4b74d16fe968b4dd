#if canImport(Glibc)
import Glibc
#endif
import KJumpCore

extension KJumpConfiguration {
    /// The configuration at `path`; with `path` nil, the installed one at
    /// `defaultPath` when it exists, and nothing configured otherwise. A path
    /// given explicitly must exist.
    public static func load(path: String?) throws -> KJumpConfiguration {
        let chosen = path ?? defaultPath
        if path == nil, access(chosen, F_OK) != 0 { return KJumpConfiguration() }
        return try KJumpConfiguration(parsing: try KernelFile.readText(chosen), path: chosen)
    }
}
