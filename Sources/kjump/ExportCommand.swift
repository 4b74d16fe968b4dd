import ArgumentParser
import KJumpCore
import KJumpLinux

/// `kjump export`: an image back to a standard vmcore, ELF or kdump-compressed.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write an image as a standard vmcore for crash(8) and makedumpfile: ELF or kdump-compressed.",
        discussion: """
            --elf writes an ELF vmcore: pages the image left out are absent, zero pages read as zeros. \
            --kdump writes makedumpfile's kdump-compressed format (header version 6): pages the image left \
            out are absent from its bitmap of dumped pages, zero pages share one stored page, the others are \
            compressed one by one (zlib by default, which every makedumpfile and crash reads). \
            Every frame's checksum is checked on the way. Progress is shown on a terminal.
            """
    )

    @Argument(help: ArgumentHelp("The image: a file or a block device.", valueName: "image"))
    var image: String

    @Option(help: ArgumentHelp("Write an ELF vmcore to this path.", valueName: "path"))
    var elf: String?

    @Option(help: ArgumentHelp("Write a kdump-compressed file to this path.", valueName: "path"))
    var kdump: String?

    @Option(name: .customLong("kdump-compression"),
            help: ArgumentHelp("zlib (default), zstd (smaller; needs readers built with zstd) or none.", valueName: "codec"))
    var kdumpCompression: String?

    @OptionGroup var key: KeyOptions

    @Option(help: "Compression threads for --kdump (default: all processors).")
    var workers: Int?

    func validate() throws {
        switch (elf, kdump) {
        case (nil, nil): throw ValidationError("say which format to write: --elf <path> or --kdump <path>")
        case (.some, .some): throw ValidationError("--elf and --kdump cannot be combined: export one format at a time")
        default: break
        }
        if let kdumpCompression {
            guard kdump != nil else { throw ValidationError("--kdump-compression applies to --kdump only") }
            guard KdumpCompression(rawValue: kdumpCompression) != nil else {
                throw ValidationError("--kdump-compression must be zlib, zstd or none")
            }
        }
        if let workers {
            guard kdump != nil else { throw ValidationError("--workers applies to --kdump only") }
            guard workers >= 0 else { throw ValidationError("--workers must not be negative") }
        }
    }

    func run() throws {
        let unwrapper = try key.unwrapper()
        if let elf {
            var exporter = ElfExporter(image: image, output: elf)
            exporter.unwrapper = unwrapper
            let result = try exporter.run()
            print("kjump export: \(elf): \(result.loads) PT_LOAD segments, \(result.fileSize >> 20) MiB"
                  + (result.hasVmcoreinfo ? ", VMCOREINFO note" : ", no VMCOREINFO (the image does not carry it)"))
        } else if let kdump {
            let compression = KdumpCompression(rawValue: kdumpCompression ?? "zlib")!
            var exporter = KdumpExporter(image: image, output: kdump, compression: compression,
                                         workers: workers ?? ImageWriter.Options.defaultWorkers)
            exporter.unwrapper = unwrapper
            let total = try KdumpExporter.memoryBytes(ofImage: image, unwrapper: unwrapper)
            let result = try exporter.run(progress: ProgressMeter(label: "kjump export", totalBytes: total))
            let s = result.summary, header = result.header
            print("kjump export: \(kdump): kdump-compressed (\(compression)), \(s.dumpedPages) pages: "
                  + "\(s.compressedPages) compressed, \(s.rawPages) raw, \(s.zeroPages) zero (one shared page)")
            print("kjump export: \(s.fileSize >> 10) KiB written in \(ImageDescription.format1(result.seconds)) s; "
                  + "\(header.cpuCount) CPU\(header.cpuCount == 1 ? "" : "s"), "
                  + (header.vmcoreinfoSize > 0 ? "VMCOREINFO note" : "no VMCOREINFO (the image does not carry it)")
                  + (header.status.contains(.incomplete) ? ", marked incomplete (the image is partial)" : ""))
            if result.pagesBeyondMemoryEnd > 0 {
                print("kjump export: \(result.pagesBeyondMemoryEnd) pages above the kernel's last memory section "
                      + "(no struct page, e.g. device memory) left out, as makedumpfile does")
            }
        }
    }
}
