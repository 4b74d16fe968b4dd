import ArgumentParser
import KJumpLinux

/// `kjump export`: an image back to a standard vmcore.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write an image as a standard ELF vmcore for crash(8) and makedumpfile.",
        discussion: "Pages the image left out are absent from the ELF file; zero pages read as zeros. Every frame's checksum is checked on the way."
    )

    @Argument(help: ArgumentHelp("The image: a file or a block device.", valueName: "image"))
    var image: String

    @Option(help: ArgumentHelp("The ELF vmcore to write.", valueName: "path"))
    var elf: String

    func run() throws {
        let result = try ElfExporter(image: image, output: elf).run()
        print("kjump export: \(elf): \(result.loads) PT_LOAD segments, \(result.fileSize >> 20) MiB"
              + (result.hasVmcoreinfo ? ", VMCOREINFO note" : ", no VMCOREINFO (the image does not carry it)"))
    }
}
