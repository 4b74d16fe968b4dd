import KJumpCore
import SystemPackage

/// A failure of an operation on the running kernel, with the context needed
/// to act on it. `description` reads as a sentence.
public enum KJumpLinuxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `open(2)` of `path` failed.
    case open(path: String, errno: Errno)
    /// `read(2)` of `path` failed.
    case read(path: String, errno: Errno)
    /// `write(2)` (or `fsync(2)`) of `path` failed.
    case write(path: String, errno: Errno)
    /// `stat(2)` of `path` failed.
    case stat(path: String, errno: Errno)
    /// `path` is not in the gzip format, or is damaged.
    case gzip(path: String, reason: String)
    /// A system call failed.
    case syscall(name: String, errno: Errno)
    /// A write to physical memory outside the ranges it may touch was refused.
    case outsideAllowedMemory(address: UInt64)
    /// A kernel-provided file does not say what it should.
    case malformed(path: String, reason: String)
    /// `path` should be a block device but is not.
    case notABlockDevice(path: String, purpose: String)
    /// A file of `neededBytes` does not fit the `availableBytes` its filesystem has free.
    case noSpace(path: String, neededBytes: UInt64, availableBytes: UInt64)
    /// No disk's partition table lists this PARTUUID.
    case partitionNotFound(partUUID: String, disks: [String])

    public var description: String {
        switch self {
        case .open(let path, let errno): "cannot open \(path): \(errno)"
        case .read(let path, let errno): "cannot read \(path): \(errno)"
        case .write(let path, let errno): "cannot write \(path): \(errno)"
        case .stat(let path, let errno): "cannot stat \(path): \(errno)"
        case .gzip(let path, let reason): "cannot decompress \(path): \(reason)"
        case .syscall(let name, let errno): "\(name) failed: \(errno)"
        case .outsideAllowedMemory(let address): "refusing to write physical address \(HexText.number(address)): it is not the system kernel's memory outside the H region"
        case .malformed(let path, let reason): "\(path) is not in the expected format: \(reason)"
        case .notABlockDevice(let path, let purpose): "\(path) is not a block device; \(purpose)"
        case let .partitionNotFound(partUUID, disks):
            "no partition has PARTUUID \(partUUID): the partition tables of \(disks.isEmpty ? "no disk (none was found)" : disks.joined(separator: ", ")) do not list it; is the disk attached, and is its driver built into this kernel?"
        case let .noSpace(path, needed, available):
            "\(path) needs \((needed + (1 << 20) - 1) >> 20) MiB but its filesystem has only \(available >> 20) MiB free: free some space or choose a smaller --size or another filesystem; nothing was written"
        }
    }
}
