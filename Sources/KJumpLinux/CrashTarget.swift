#if canImport(Glibc)
import Glibc
#endif
import SystemPackage

/// The device a crash dump is written to.
public enum CrashTarget {
    /// `path` with symbolic links resolved (`/dev/disk/by-…` → `/dev/vdb`), so
    /// that the crash kernel, which has only devtmpfs, finds it by its kernel
    /// name. It must be a block device.
    public static func resolve(_ path: String) throws(KJumpLinuxError) -> String {
        guard let resolved = realpath(path, nil) else {
            throw .open(path: path, errno: Errno(rawValue: errno))
        }
        defer { free(resolved) }
        let device = String(cString: resolved)
        var status = stat()
        guard stat(device, &status) == 0, status.st_mode & S_IFMT == S_IFBLK else {
            throw .notABlockDevice(path: path, purpose: "the crash kernel writes dumps to a raw disk or partition that nothing else uses")
        }
        return device
    }
}
