#if canImport(Glibc)
import Glibc
#endif
import CKJump
import KJumpCore
import SystemPackage

/// A resume file: a preallocated file on a filesystem whose blocks the
/// hibernation kernel reads and writes directly on the block device, through
/// the map kjump keeps in the file's first block (`ResumeFileMap`), found
/// with `FS_IOC_FIEMAP` as swap files are.
public enum ResumeFile {
    /// Extent flags that rule out raw I/O: unknown or delayed location,
    /// encoded, encrypted, inline, tail-packed, unaligned, unwritten or shared
    /// (`FIEMAP_EXTENT_*` 0x2, 0x4, 0x8, 0x80, 0x100, 0x200, 0x400, 0x800, 0x2000).
    static let unusableExtentFlags: UInt32 = 0x2 | 0x4 | 0x8 | 0x80 | 0x100 | 0x200 | 0x400 | 0x800 | 0x2000

    /// Where a resume file's map is: the block device and the byte offset there.
    public struct Location: Sendable, Equatable {
        public var device: String
        public var map: ResumeFileMap
        public var mapOffset: UInt64 { map.deviceOffset }
    }

    /// Makes `path` a resume file of `size` bytes (rounded up to 4 KiB): writes
    /// it in full (no holes, no unwritten extents), syncs, maps its extents and
    /// writes the map into its first block. An existing file is replaced only
    /// if it is empty or already a resume file. Checks first that the
    /// filesystem has room (`statvfs`), and removes the file again when any
    /// later step fails, so a failure never leaves a full filesystem or a
    /// half-written resume file behind.
    public static func create(path: String, size: UInt64, progress: ProgressMeter? = nil) throws(KJumpLinuxError) -> Location {
        let size = (size + 4095) / 4096 * 4096
        let existed = access(path, F_OK) == 0
        do {
            return try createChecked(path: path, size: size, progress: progress)
        } catch {
            // What this call wrote goes again; a file that was there and is not a resume file was never touched.
            if case .malformed = error, existed {} else if case .noSpace = error, existed {} else { unlink(path) }
            throw error
        }
    }

    private static func createChecked(path: String, size: UInt64, progress: ProgressMeter?) throws(KJumpLinuxError) -> Location {
        let descriptor: FileDescriptor
        do {
            descriptor = try FileDescriptor.open(FilePath(path), .readWrite, options: [.create, .closeOnExec],
                                                 permissions: [.ownerReadWrite])
        } catch {
            throw .open(path: path, errno: Errno(thrownBySystem: error))
        }
        defer { try? descriptor.close() }
        var status = stat()
        guard fstat(descriptor.rawValue, &status) == 0 else { throw .stat(path: path, errno: Errno(rawValue: errno)) }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw .malformed(path: path, reason: "not a regular file; give a path on a mounted filesystem")
        }
        if status.st_size > 0 {
            var head = [UInt8](repeating: 0, count: 8)
            let got = head.withUnsafeMutableBytes { pread(descriptor.rawValue, $0.baseAddress, 8, 0) }
            guard got == 8, head == ResumeFileMap.magic else {
                throw .malformed(path: path, reason: "it exists and is not a kjump resume file; remove it or choose another path")
            }
        }
        // Room first: the file's own blocks come back when it is cut to zero.
        var filesystem = statvfs()
        if fstatvfs(descriptor.rawValue, &filesystem) == 0 {
            let available = UInt64(filesystem.f_bavail) * UInt64(filesystem.f_frsize) + UInt64(status.st_blocks) * 512
            // The extent tree and the journal take a little too: 1/256 of the file and 1 MiB.
            let needed = size + size / 256 + (1 << 20)
            guard needed <= available else { throw .noSpace(path: path, neededBytes: needed, availableBytes: available) }
        }
        do { try descriptor.resize(to: 0, retryOnInterrupt: true) } catch {
            throw .write(path: path, errno: Errno(thrownBySystem: error))
        }
        // Written in full, so that every extent is allocated and initialised.
        let chunk = [UInt8](repeating: 0, count: 4 << 20)
        var written: UInt64 = 0
        while written < size {
            let count = Int(min(UInt64(chunk.count), size - written))
            do {
                _ = try chunk.withUnsafeBytes {
                    try descriptor.writeAll(toAbsoluteOffset: Int64(written), UnsafeRawBufferPointer(rebasing: $0[0..<count]))
                }
            } catch {
                throw .write(path: path, errno: Errno(thrownBySystem: error))
            }
            written += UInt64(count)
            progress?.update(written)
        }
        guard fsync(descriptor.rawValue) == 0 else { throw .write(path: path, errno: Errno(rawValue: errno)) }
        progress?.finish()
        let location = try locateExtents(descriptor, path: path, size: size, device: status.st_dev)
        let block = location.map.encoded()
        do { _ = try block.withUnsafeBytes { try descriptor.writeAll(toAbsoluteOffset: 0, $0) } } catch {
            throw .write(path: path, errno: Errno(thrownBySystem: error))
        }
        guard fsync(descriptor.rawValue) == 0 else { throw .write(path: path, errno: Errno(rawValue: errno)) }
        return location
    }

    /// The location of an existing resume file, checked: its extents now must
    /// be what its map says (a file that was moved or rewritten is refused).
    public static func locate(path: String) throws(KJumpLinuxError) -> Location {
        let descriptor: FileDescriptor
        do { descriptor = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec]) } catch {
            throw .open(path: path, errno: Errno(thrownBySystem: error))
        }
        defer { try? descriptor.close() }
        var status = stat()
        guard fstat(descriptor.rawValue, &status) == 0 else { throw .stat(path: path, errno: Errno(rawValue: errno)) }
        let location = try locateExtents(descriptor, path: path, size: UInt64(status.st_size), device: status.st_dev)
        var block = [UInt8](repeating: 0, count: ResumeFileMap.size)
        let got = block.withUnsafeMutableBytes { pread(descriptor.rawValue, $0.baseAddress, ResumeFileMap.size, 0) }
        guard got == ResumeFileMap.size, block == location.map.encoded() else {
            throw .malformed(path: path, reason: "it is not a kjump resume file, or it moved since 'kjump setup --file' made it: run kjump setup --file again")
        }
        return location
    }

    /// The file's extents as FIEMAP reports them, merged and checked, on the device that holds it.
    static func locateExtents(_ descriptor: FileDescriptor, path: String, size: UInt64, device: dev_t) throws(KJumpLinuxError) -> Location {
        let capacity = UInt32(ResumeFileMap.maximumExtents + 1)
        var raw = [ckjump_file_extent](repeating: ckjump_file_extent(), count: Int(capacity))
        var count: UInt32 = 0
        let rc = raw.withUnsafeMutableBufferPointer { ckjump_fiemap(descriptor.rawValue, $0.baseAddress!, capacity, &count) }
        guard rc == 0 else {
            throw .syscall(name: "ioctl(FS_IOC_FIEMAP) on \(path) (the filesystem must report file extents, as ext4 and XFS do)",
                           errno: Errno(rawValue: Int32(-rc)))
        }
        guard count < capacity else {
            throw .malformed(path: path, reason: ResumeFileMapError.tooFragmented(extents: Int(count)).description)
        }
        var extents: [ResumeFileMap.Extent] = []
        for extent in raw.prefix(Int(count)) {
            guard extent.flags & unusableExtentFlags == 0 else {
                throw .malformed(path: path, reason: "its extent at file offset \(extent.logical) has FIEMAP flags \(HexText.number(extent.flags)) (shared, encoded, inline or unwritten): the hibernation kernel cannot write it raw; use a plain ext4 or XFS file without reflinks or compression")
            }
            if let last = extents.last, last.fileOffset + last.length == extent.logical, last.deviceOffset + last.length == extent.physical {
                extents[extents.count - 1].length += extent.length
            } else {
                extents.append(.init(fileOffset: extent.logical, deviceOffset: extent.physical, length: extent.length))
            }
        }
        let map: ResumeFileMap
        do {
            map = try ResumeFileMap(fileSize: size, extents: extents)
        } catch {
            throw .malformed(path: path, reason: error.description)
        }
        return Location(device: try blockDevice(of: device, path: path), map: map)
    }

    /// `/dev/NAME` of the block device `device` (from `/sys/dev/block/MAJ:MIN/uevent`).
    static func blockDevice(of device: dev_t, path: String) throws(KJumpLinuxError) -> String {
        let major = (device >> 8) & 0xfff | ((device >> 32) & ~0xfff)
        let minor = (device & 0xff) | ((device >> 12) & ~0xff)
        let uevent = "/sys/dev/block/\(major):\(minor)/uevent"
        guard let text = KernelFile.probe(uevent).text,
              let name = KeyValueLines.decode(text)["DEVNAME"] else {
            throw .malformed(path: path, reason: "its filesystem is not on a block device (\(uevent) names none); a resume file must be on a disk or partition")
        }
        return "/dev/" + name
    }
}
