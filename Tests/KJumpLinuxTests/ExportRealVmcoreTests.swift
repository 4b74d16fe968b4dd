import Foundation
import KJumpCore
import Testing
@testable import KJumpLinux

/// The lab's real vmcore (lab/vmcore makes it; it is not committed).
private let vmcorePath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("lab/out/vmcore/vmcore.elf").path

/// kjump save → verify → export --elf on a real vmcore: every page the image
/// keeps is byte-identical in the exported ELF, which makedumpfile reads.
@Suite(.enabled(if: FileManager.default.fileExists(atPath: vmcorePath), "needs lab/out/vmcore/vmcore.elf (run lab/vmcore)"))
struct ExportRealVmcoreTests {
    @Test func saveVerifyExportKeepsEveryPage() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kjump-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let image = directory.appendingPathComponent("dump.kjimg").path
        let elf = directory.appendingPathComponent("dump.elf").path

        let saved = try VmcoreSaver(source: vmcorePath, destination: image, level: .crashDefault,
                                    compression: .zstd, kind: .crash).run()
        let reader = try ImageReader(source: try FileByteSource(path: image))
        #expect(try reader.verify().dataPages == saved.statistics.dataPages)
        let exported = try ElfExporter(image: image, output: elf).run()
        #expect(exported.hasVmcoreinfo)

        let originalCore = try ElfCoreFile(parsing: try FileByteSource(path: vmcorePath))
        let original = ElfCoreMemory(core: originalCore, source: try FileByteSource(path: vmcorePath))
        let elfSource = try FileByteSource(path: elf)
        let exportedCore = try ElfCoreFile(parsing: elfSource)
        let copy = ElfCoreMemory(core: exportedCore, source: elfSource)
        var pages: UInt64 = 0
        try reader.forEachRun { run in
            let count = Int(run.pageCount) * 4096
            let exportedBytes = try copy.read(physicalAddress: run.address, count: count)
            let originalBytes = try original.read(physicalAddress: run.address, count: count)
            #expect(exportedBytes == originalBytes, "run at \(run.address)")
            pages += run.pageCount
        }
        #expect(pages == saved.statistics.dataPages + saved.statistics.zeroPages)
        #expect(exportedCore.loads.reduce(0) { $0 + $1.memorySize } / 4096 == pages)
        #expect(exportedCore.note(named: "VMCOREINFO")?.descriptor.prefix { $0 != 0 }
                == originalCore.note(named: "VMCOREINFO")?.descriptor.prefix { $0 != 0 })

        // makedumpfile reads the exported file.
        if let makedumpfile = ["/usr/sbin/makedumpfile", "/sbin/makedumpfile"].first(where: FileManager.default.fileExists) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: makedumpfile)
            process.arguments = ["-d", "31", "-l", elf, directory.appendingPathComponent("dump.kdump").path]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "makedumpfile could not read the exported ELF")
        }
    }
}
