#if canImport(Glibc)
import Glibc
#endif
import KJumpCore

/// Opening an image for reading by path: a device or file that holds an
/// image from byte 0, or a resume file (`kjump setup --file`), whose image
/// starts after its map block.
public enum ImageFile {
    /// A block device is read past the page cache (`O_DIRECT`), a file through it.
    public static func source(path: String) throws -> any ByteSource {
        var status = stat()
        let isBlockDevice = stat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFBLK
        let raw = try FileByteSource(path: path, direct: isBlockDevice)
        guard raw.size > ResumeFileMap.imageOffset,
              try raw.read(at: 0, count: ResumeFileMap.magic.count) == ResumeFileMap.magic else { return raw }
        // Read as a file, the resume file is its own single extent.
        let size = raw.size / 4096 * 4096
        let map = try ResumeFileMap(fileSize: size, extents: [.init(fileOffset: 0, deviceOffset: 0, length: size)])
        return ExtentMappedByteSource(device: raw, map: map)
    }
}
