import KJumpCore

/// Where a hibernation image lives: a whole raw device or partition, or a
/// resume file on it (`kjump setup --file`), whose map lies at `mapOffset`.
/// The hibernation kernel learns it from `kjump.resume=` and
/// `kjump.resume-offset=` on its command line, where a partition is named by
/// its PARTUUID (`PartitionNames`).
public struct ResumeTarget: Sendable, Equatable {
    /// The device's path, or `PARTUUID=…` (resolved when the image is opened).
    public var device: String
    /// Device byte offset of a resume file's map; nil for a raw device.
    public var mapOffset: UInt64?

    public init(device: String, mapOffset: UInt64? = nil) {
        self.device = device
        self.mapOffset = mapOffset
    }

    /// The target named on a hibernation kernel's command line.
    public init(commandLine: KernelCommandLine) throws(KJumpLinuxError) {
        guard let device = commandLine.value(of: "kjump.resume") else {
            throw .malformed(path: "/proc/cmdline", reason: "no kjump.resume=")
        }
        var offset: UInt64?
        if let text = commandLine.value(of: "kjump.resume-offset") {
            guard let value = UInt64(text) else { throw .malformed(path: "/proc/cmdline", reason: "kjump.resume-offset=\(text) is not a byte offset") }
            offset = value
        }
        self.init(device: device, mapOffset: offset)
    }

    /// The words that name this target on the hibernation kernel's command
    /// line: a partition by its PARTUUID, which H finds without udev and
    /// which does not change when kernel names do.
    public var commandLineWords: [String] {
        ["kjump.resume=\(PartitionNames.forHibernationKernel(device))"] + (mapOffset.map { ["kjump.resume-offset=\($0)"] } ?? [])
    }

    /// For messages: the device, or the resume file's place on it.
    public var description: String {
        mapOffset.map { "the resume file at byte \($0) of \(device)" } ?? device
    }

    /// The image's bytes, read past the page cache (`O_DIRECT`) where the device allows.
    public func openImageSource() throws -> any ByteSource {
        let raw = try FileByteSource(path: PartitionNames.resolve(device), direct: true)
        guard let map = try readMap(raw) else { return raw }
        return ExtentMappedByteSource(device: raw, map: map)
    }

    /// Where the image is written, past the page cache (`O_DIRECT`) where the
    /// device allows; writes past a resume file's end are refused.
    public func openImageSink() throws -> any ImageSink {
        let path = try PartitionNames.resolve(device)
        let raw = try FileImageSink(path: path, direct: true)
        guard let map = try readMap(try FileByteSource(path: path)) else { return raw }
        return ExtentMappedImageSink(device: raw, map: map)
    }

    private func readMap(_ raw: FileByteSource) throws -> ResumeFileMap? {
        guard let mapOffset else { return nil }
        return try ResumeFileMap(decoding: try raw.read(at: mapOffset, count: ResumeFileMap.size), at: mapOffset)
    }
}
