import KJumpCore

/// The read-write filesystems mounted from block devices, and their identity
/// (for refusing a resume after one of them was mounted elsewhere).
public enum MountedFilesystems {
    /// One entry per read-write `/dev/…` mount in `/proc/mounts`: its identity,
    /// or nil when it is not ext2/3/4 (then it cannot be checked at resume).
    public static func readWrite() throws(KJumpLinuxError) -> [(device: String, identity: FilesystemIdentity?)] {
        var seen = Set<String>()
        var out: [(device: String, identity: FilesystemIdentity?)] = []
        for line in try KernelFile.readText("/proc/mounts").split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 4, fields[0].hasPrefix("/dev/"),
                  fields[3].split(separator: ",").contains("rw") else { continue }
            let device = String(fields[0])
            guard seen.insert(device).inserted else { continue }
            out.append((device, identity(of: device)))
        }
        return out
    }

    /// The ext2/3/4 identity read from `device`'s superblock, nil if none.
    public static func identity(of device: String) -> FilesystemIdentity? {
        guard let bytes = try? FileByteSource(path: device)
            .read(at: FilesystemIdentity.superblockOffset, count: FilesystemIdentity.superblockSize) else { return nil }
        return FilesystemIdentity(device: device, ext4Superblock: bytes)
    }
}
