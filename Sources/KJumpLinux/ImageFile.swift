import KJumpCore

/// Opening an image for reading by path: a device or file that holds an
/// image from byte 0, or a resume file (`kjump setup --file`), whose image
/// starts after its map block.
public enum ImageFile {
    public static func source(path: String) throws -> any ByteSource {
        let raw = try FileByteSource(path: path)
        guard raw.size > ResumeFileMap.imageOffset,
              try raw.read(at: 0, count: ResumeFileMap.magic.count) == ResumeFileMap.magic else { return raw }
        // Read as a file, the resume file is its own single extent.
        let size = raw.size / 4096 * 4096
        let map = try ResumeFileMap(fileSize: size, extents: [.init(fileOffset: 0, deviceOffset: 0, length: size)])
        return ExtentMappedByteSource(device: raw, map: map)
    }
}
