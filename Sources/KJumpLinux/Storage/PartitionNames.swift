#if canImport(Glibc)
import Glibc
#endif
import KJumpCore

/// Names for partitions that mean the same partition in the system kernel
/// and in the hibernation kernel. Kernel names (`/dev/sda2`) may change from
/// one boot to the next, and the hibernation kernel has no udev, so none of
/// the `/dev/disk/by-*` links: a resume partition goes on H's command line as
/// `PARTUUID=…` (from its disk's partition table, `PartitionTable`), which H
/// finds again by reading the tables of its disks, as Linux does for `root=`.
public enum PartitionNames {
    /// The name for the hibernation kernel's command line: `PARTUUID=…` for a
    /// partition its disk's table lists; otherwise the device with symbolic
    /// links resolved (`/dev/disk/by-id/…` → `/dev/vdb`); `name` itself when
    /// it is already a `PARTUUID=` or cannot be resolved.
    public static func forHibernationKernel(_ name: String) -> String {
        if partUUID(in: name) != nil { return name }
        guard let path = DirectoryPaths.resolved(name), path.hasPrefix("/dev/") else { return name }
        let kernelName = String(path.dropFirst(5))
        guard let number = readNumber("/sys/class/block/\(kernelName)/partition"),
              let disk = parentDisk(of: kernelName),
              let table = try? table(ofDisk: disk),
              let entry = table.partitions.first(where: { $0.number == number }) else { return path }
        return "PARTUUID=" + entry.partUUID
    }

    /// The device node `name` stands for: for `PARTUUID=…` (or a
    /// `/dev/disk/by-partuuid/…` link that does not exist here) the partition
    /// whose disk's table lists it, looked for again for up to `waitSeconds`
    /// while disks appear; any other name unchanged.
    public static func resolve(_ name: String, waitSeconds: Double = 10) throws(KJumpLinuxError) -> String {
        guard let wanted = partUUID(in: name) ?? missingByPartUUIDLink(name) else { return name }
        var waited = 0.0
        while true {
            var disks: [String] = []
            for disk in diskNames() {
                disks.append(disk)
                guard let table = try? table(ofDisk: disk), let entry = table.partition(partUUID: wanted),
                      let partition = partitionName(disk: disk, number: entry.number) else { continue }
                return "/dev/" + partition
            }
            if waited >= waitSeconds { throw .partitionNotFound(partUUID: wanted, disks: disks.map { "/dev/" + $0 }) }
            usleep(200_000)
            waited += 0.2
        }
    }

    /// The PARTUUID in "PARTUUID=x" (any case of the key), lower-cased.
    static func partUUID(in name: String) -> String? {
        guard name.count > 9, name.prefix(9).uppercased() == "PARTUUID=" else { return nil }
        return name.dropFirst(9).lowercased()
    }

    /// The PARTUUID of a `/dev/disk/by-partuuid/` link that does not exist (H has no udev).
    static func missingByPartUUIDLink(_ name: String) -> String? {
        let prefix = "/dev/disk/by-partuuid/"
        guard name.hasPrefix(prefix), access(name, F_OK) != 0 else { return nil }
        return name.dropFirst(prefix.count).lowercased()
    }

    /// Whole disks: the block devices without a partition number, loop and RAM disks left out.
    static func diskNames() -> [String] {
        (DirectoryPaths.names(in: "/sys/class/block") ?? []).filter { name in
            !name.hasPrefix("loop") && !name.hasPrefix("ram")
                && access("/sys/class/block/\(name)/partition", F_OK) != 0
                && (readNumber("/sys/class/block/\(name)/size") ?? 0) > 0
        }.sorted()
    }

    /// The partition table of `/dev/<disk>`, read with its logical sector size.
    static func table(ofDisk disk: String) throws -> PartitionTable? {
        let sectorSize = readNumber("/sys/class/block/\(disk)/queue/logical_block_size") ?? 512
        let source = try FileByteSource(path: "/dev/" + disk)
        return try PartitionTable.read(sectorSize: sectorSize) { offset, count in
            guard offset < source.size else { return [] }
            return try source.read(at: offset, count: Int(min(UInt64(count), source.size - offset)))
        }
    }

    /// The disk a partition belongs to: its sysfs directory's parent.
    static func parentDisk(of partition: String) -> String? {
        guard let path = DirectoryPaths.resolved("/sys/class/block/\(partition)") else { return nil }
        let parts = path.split(separator: "/")
        return parts.count >= 2 ? String(parts[parts.count - 2]) : nil
    }

    /// The kernel name of partition `number` of `disk` (vda2, nvme0n1p2, mmcblk0p1).
    static func partitionName(disk: String, number: Int) -> String? {
        DirectoryPaths.names(in: "/sys/class/block/\(disk)")?.first { name in
            name.hasPrefix(disk) && readNumber("/sys/class/block/\(disk)/\(name)/partition") == number
        }
    }

    static func readNumber(_ path: String) -> Int? {
        guard let text = try? KernelFile.readText(path) else { return nil }
        return Int(text.trimmingSpaces())
    }
}
