#if canImport(Glibc)
import Glibc
#endif

/// Paths as the file system has them: links resolved, directories listed.
public enum DirectoryPaths {
    /// `path` with every symbolic link resolved (`realpath(3)`); nil, with
    /// errno set, when it cannot be (it does not exist).
    public static func resolved(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// The names in `directory`, without "." and "..", in no order; nil when it cannot be opened.
    public static func names(in directory: String) -> [String]? {
        guard let stream = opendir(directory) else { return nil }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != ".", name != ".." { names.append(name) }
        }
        return names
    }
}
