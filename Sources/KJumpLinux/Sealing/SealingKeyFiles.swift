#if canImport(Glibc)
import Glibc
#endif
import KJumpCore
import SystemPackage

/// The machine's key files on disk: written once by `kjump keygen`, read
/// at hibernate (the hibernation key) and at resume (the resume key).
public enum SealingKeyFiles {
    /// Where `kjump keygen` puts the hibernation key, and `kjump hibernate` looks for it.
    public static let defaultHibernationKeyPath = "/etc/kjump/hibernation.key"
    /// Where a passphrase-protected resume key goes by default.
    public static let defaultResumeKeyPath = "/etc/kjump/resume.key"

    /// Creates `path` with `text`, readable and writable by its owner only
    /// (0600), refusing to replace a file that exists unless `replace`.
    /// Missing directories are created (0700). On failure nothing is left at `path`.
    public static func create(_ path: String, text: String, replace: Bool) throws(KJumpLinuxError) {
        try makeDirectories(FilePath(path).removingLastComponent())
        var options: FileDescriptor.OpenOptions = [.create, .closeOnExec, .truncate]
        if !replace { options.insert(.exclusiveCreate) }
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(FilePath(path), .writeOnly, options: options, permissions: [.ownerReadWrite])
        } catch {
            let cause = Errno(thrownBySystem: error)
            if cause == .fileExists {
                throw .malformed(path: path, reason: "it exists already; give --force to replace it (images sealed to the old key can then no longer be opened with a new one)")
            }
            throw .open(path: path, errno: cause)
        }
        defer { try? fd.close() }
        var failure: Errno?
        // A file that existed with wider permissions keeps them through open: narrow them.
        if fchmod(fd.rawValue, 0o600) != 0 { failure = Errno(rawValue: errno) }
        if failure == nil {
            do { _ = try fd.writeAll(Array(text.utf8)) } catch { failure = Errno(thrownBySystem: error) }
        }
        if failure == nil, fsync(fd.rawValue) != 0 { failure = Errno(rawValue: errno) }
        if let failure {
            unlink(path)
            throw .write(path: path, errno: failure)
        }
    }

    /// `directory` and its missing parents, each 0700.
    private static func makeDirectories(_ directory: FilePath) throws(KJumpLinuxError) {
        guard !directory.isEmpty, access(directory.string, F_OK) != 0 else { return }
        try makeDirectories(directory.removingLastComponent())
        if mkdir(directory.string, 0o700) != 0, errno != EEXIST {
            throw .write(path: directory.string, errno: Errno(rawValue: errno))
        }
    }

    /// Whether a file is at `path`.
    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// Removes a key file `create` wrote.
    public static func remove(_ path: String) throws(KJumpLinuxError) {
        if unlink(path) != 0, errno != ENOENT { throw .write(path: path, errno: Errno(rawValue: errno)) }
    }

    /// The hibernation key at `path`. It holds a private key: a file that
    /// others can read is refused, with the command that fixes it.
    public static func hibernationKey(at path: String) throws -> HibernationKey {
        try checkPrivate(path)
        return try HibernationKey(parsing: try KernelFile.readText(path), what: path)
    }

    /// The resume key at `path` (not opened yet: it may need a passphrase).
    public static func resumeKey(at path: String) throws -> ResumeKey {
        let key = try ResumeKey(parsing: try KernelFile.readText(path), what: path)
        if !key.needsPassphrase { try checkPrivate(path) }
        return key
    }

    /// Refuses a key file that its group or others may read.
    static func checkPrivate(_ path: String) throws(KJumpLinuxError) {
        var status = stat()
        guard stat(path, &status) == 0 else { throw .stat(path: path, errno: Errno(rawValue: errno)) }
        let mode = status.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw .malformed(path: path, reason: "it holds a private key but its mode is \(String(mode, radix: 8)): run chmod 600 \(path)")
        }
    }
}
