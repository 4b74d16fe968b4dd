/// What identifies the state of a filesystem on a block device between a
/// hibernation and its resume: if the filesystem was mounted in between (by
/// booting the normal system instead of resuming), resuming the image would
/// bring back a kernel whose cached view of that filesystem is stale, and
/// corrupt it. Only the ext2/3/4 superblock is read today.
public struct FilesystemIdentity: Sendable, Equatable, CustomStringConvertible {
    /// The block device, as the system kernel named it (`/dev/vda`).
    public var device: String
    /// The filesystem UUID, lowercase hex with dashes.
    public var uuid: String
    /// `s_mnt_count`: incremented at every mount.
    public var mountCount: UInt16
    /// `s_mtime`: last mount time, unix seconds.
    public var lastMountTime: UInt32

    public init(device: String, uuid: String, mountCount: UInt16, lastMountTime: UInt32) {
        self.device = device
        self.uuid = uuid
        self.mountCount = mountCount
        self.lastMountTime = lastMountTime
    }

    /// Byte offset and size of the ext2/3/4 superblock on its device.
    public static let superblockOffset: UInt64 = 1024
    public static let superblockSize = 1024

    /// Parses an ext2/3/4 superblock (the 1024 bytes at offset 1024); nil when
    /// the magic is not 0xEF53.
    public init?(device: String, ext4Superblock bytes: [UInt8]) {
        guard bytes.count >= 0x78,
              LittleEndianBytes.load(UInt16.self, from: bytes, at: 0x38) == 0xef53 else { return nil }
        let uuid = [0x68..<0x6c, 0x6c..<0x6e, 0x6e..<0x70, 0x70..<0x72, 0x72..<0x78].map { HexText.bytes(bytes[$0]) }.joined(separator: "-")
        self.init(device: device, uuid: uuid,
                  mountCount: LittleEndianBytes.load(UInt16.self, from: bytes, at: 0x34),
                  lastMountTime: LittleEndianBytes.load(UInt32.self, from: bytes, at: 0x2c))
    }

    /// `device:uuid:mountcount:mtime`, as recorded in the image.
    public var description: String { "\(device):\(uuid):\(mountCount):\(lastMountTime)" }

    /// Parses `description`'s form; nil when malformed.
    public init?(recorded text: some StringProtocol) {
        let parts = text.split(separator: ":")
        guard parts.count == 4, let count = UInt16(parts[2]), let time = UInt32(parts[3]) else { return nil }
        self.init(device: String(parts[0]), uuid: String(parts[1]), mountCount: count, lastMountTime: time)
    }

    /// A list recorded as `a,b,…` (empty text: none).
    public static func list(recorded text: some StringProtocol) -> [FilesystemIdentity] {
        text.split(separator: ",").compactMap { FilesystemIdentity(recorded: $0) }
    }

    /// nil when `now` (read from the same device at resume) shows the
    /// filesystem untouched; otherwise why resuming would corrupt it.
    public func staleness(now: FilesystemIdentity?) -> String? {
        guard let now else { return "\(device) no longer holds the ext4 filesystem \(uuid)" }
        if now.uuid != uuid { return "\(device) now holds the filesystem \(now.uuid), not \(uuid)" }
        if now.mountCount != mountCount || now.lastMountTime != lastMountTime {
            return "the filesystem \(uuid) on \(device) was mounted since the image was made (mount count \(mountCount) → \(now.mountCount)); resuming would corrupt it"
        }
        return nil
    }
}
