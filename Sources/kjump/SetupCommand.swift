import ArgumentParser
import KJumpCore
import KJumpLinux

/// `kjump setup --file`: a resume file on a filesystem, instead of a partition.
struct SetupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "setup",
        abstract: "Make a resume file on a mounted filesystem for 'kjump hibernate --resume-file'.",
        discussion: """
            Writes PATH in full (SIZE bytes, no holes), finds where its blocks lie \
            on the disk (FIEMAP, as for swap files) and keeps that map in the \
            file's first block. The hibernation kernel never mounts the \
            filesystem: it reads and writes the file's blocks on the device \
            directly, starting from the map at the byte offset this command \
            prints (kjump.resume-offset=). The file must stay where it is: do \
            not move, copy over, defragment or delete it while an image is in \
            it; 'kjump hibernate --resume-file' checks that it has not moved. \
            ext4 and XFS work; files that are shared (reflinks), compressed or \
            encrypted are refused.

            SIZE should hold the image: used memory minus free pages, about \
            what 'free' shows as used plus buff/cache; the whole RAM is always \
            enough.

            Example:
              kjump setup --file /var/lib/kjump/resume --size 8G
              kjump hibernate --resume-file /var/lib/kjump/resume
            """
    )

    @Option(help: ArgumentHelp("The resume file to make (an existing one is replaced only if it is a resume file).", valueName: "path"))
    var file: String

    @Option(help: ArgumentHelp("Its size, in bytes or with a K, M or G suffix.", valueName: "size"))
    var size: String

    func validate() throws {
        guard let bytes = Self.parseSize(size), bytes > 1 << 20 else {
            throw ValidationError("--size must be a size above 1M, like 512M or 8G, not '\(size)'")
        }
        _ = bytes
    }

    func run() throws {
        let bytes = Self.parseSize(size)!
        let location = try ResumeFile.create(path: file, size: bytes,
                                             progress: ProgressMeter(label: "kjump setup", totalBytes: bytes))
        print("kjump setup: \(file): \(location.map.imageCapacity >> 20) MiB for the image in \(location.map.extents.count) extents on \(location.device)")
        print("kjump setup: the hibernation kernel finds it with: kjump.resume=\(location.device) kjump.resume-offset=\(location.mapOffset)")
        print("kjump setup: hibernate with: kjump hibernate --resume-file \(file)")
    }

    /// Bytes of `text`: a number with an optional K, M or G (powers of 1024).
    static func parseSize(_ text: String) -> UInt64? {
        let units: [Character: UInt64] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
        if let last = text.last?.uppercased().first, let unit = units[last] {
            return UInt64(text.dropLast()).flatMap { $0.multipliedReportingOverflow(by: unit).overflow ? nil : $0 * unit }
        }
        return UInt64(text)
    }
}
