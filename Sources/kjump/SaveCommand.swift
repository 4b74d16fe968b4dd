import ArgumentParser
import KJumpCore
import KJumpLinux

/// `kjump save`: a vmcore to a filtered, compressed, checksummed image.
struct SaveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "save",
        abstract: "Save a vmcore as a filtered, compressed kjump image.",
        discussion: """
            Reads an ELF vmcore (a file, or /proc/vmcore in a capture kernel), \
            drops pages by dump level (makedumpfile's -d bits: 1 zero, 2 non-private \
            cache, 4 private cache, 8 user data, 16 free) and writes a kjump image. \
            Zero pages are recorded, not stored. Progress is shown on a terminal.

            A crash dump that does not fit its block device is committed as a \
            partial dump with the pages that fit (the lowest addresses) and \
            says so; kjump save then exits with status 2.
            """
    )

    @Option(help: ArgumentHelp("The vmcore to read.", valueName: "vmcore"))
    var from = "/proc/vmcore"

    @Option(help: ArgumentHelp("The image to write: a file or a block device.", valueName: "path"))
    var to: String

    @OptionGroup var dump: DumpOptions

    @Option(help: "Compression threads (default: all processors).")
    var workers: Int?

    @Option(name: .customLong("hibernation-key"), help: ArgumentHelp(
        "Seal the dump with this hibernation key (made by 'kjump keygen'), as hibernation images are: only its resume key reads it ('--key' on inspect, verify, dmesg, export). Default: unsealed.",
        valueName: "path"))
    var hibernationKey: String?

    func validate() throws {
        if let workers, workers < 0 { throw ValidationError("--workers must not be negative") }
    }

    /// The exit status of a save that committed a partial dump.
    func run() throws {
        let complete = try HibernationKernelTasks.saveDump(from: from, to: to, level: dump.level,
                                                           compression: dump.compression,
                                                           workers: workers ?? ImageWriter.Options.defaultWorkers,
                                                           sealing: try hibernationKey.map { try SealingKeyFiles.hibernationKey(at: $0) })
        if !complete { throw ExitCode(HibernationKernelTasks.partialDumpExitStatus) }
    }
}
