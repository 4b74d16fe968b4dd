#if canImport(Glibc)
import Glibc
#endif
import SystemPackage

/// The device a crash dump is written to: raw, or holding the dump filesystem.
public enum CrashTarget {
    /// `path` with symbolic links resolved (`/dev/disk/by-…` → `/dev/vdb`), so
    /// that the crash kernel, which has only devtmpfs, finds it by its kernel
    /// name. It must be a block device.
    public static func resolve(_ path: String) throws(KJumpLinuxError) -> String {
        guard let device = DirectoryPaths.resolved(path) else { throw .open(path: path, errno: Errno(rawValue: errno)) }
        var status = stat()
        guard stat(device, &status) == 0, status.st_mode & S_IFMT == S_IFBLK else {
            throw .notABlockDevice(path: path, purpose: "the crash kernel writes dumps to a raw disk or partition that nothing else uses")
        }
        return device
    }

    /// Checks a dump filesystem for `--directory`: `device` (resolved) must
    /// hold ext2/3/4, which the crash kernel mounts, and must not be mounted
    /// read-write by this system (the crash kernel never mounts a filesystem
    /// the crashed system was writing).
    public static func checkDumpFilesystem(_ device: String) throws(KJumpLinuxError) {
        guard MountedFilesystems.identity(of: device) != nil else {
            throw .malformed(path: device, reason: "it holds no ext2/3/4 filesystem; make one with mkfs.ext4, or write dumps to the raw device without --directory")
        }
        if try MountedFilesystems.readWrite().contains(where: { (DirectoryPaths.resolved($0.device) ?? $0.device) == device }) {
            throw .malformed(path: device, reason: "it is mounted read-write by this system; a crash kernel must not mount a filesystem the crashed system was writing: use a filesystem of its own (unmounted, or mounted read-only)")
        }
    }
}
