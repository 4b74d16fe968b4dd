import Foundation
import Testing

@Suite struct DmesgCLITests {
    static let realVmcore = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../lab/out/vmcore/vmcore.elf").standardized.path

    @Test func aFileThatIsNoDumpIsNamed() throws {
        let result = try KJumpBinary.run(["dmesg", #filePath])
        #expect(result.status == 1)
        #expect(result.stderr.contains("is neither an ELF vmcore nor a kjump image: it starts with 69 6d 70 6f 72 74 20 46"))
    }

    /// The image fixture keeps no VMCOREINFO note: nothing in it can be located.
    @Test func anImageWithoutVmcoreinfoSaysSo() throws {
        let result = try KJumpBinary.run(["dmesg", CLITests.imageFixture])
        #expect(result.status == 1)
        #expect(result.stderr.contains("image-v1-lz4.kjimg is a kjump image without VMCOREINFO, so the kernel's structures cannot be found in it"))
        #expect(result.stdout.isEmpty)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: realVmcore), "needs lab/out/vmcore/vmcore.elf (run lab/vmcore)"))
    func printsTheRealKernelsLog() throws {
        let result = try KJumpBinary.run(["dmesg", "--show-caller", Self.realVmcore])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.first?.hasPrefix("[    0.000000][    T0] Linux version 6.12") == true)
        #expect(lines.count > 200)
        #expect(!result.stdout.contains("**"))
    }

    static let hibernationFixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../KJumpCoreTests/Fixtures/hibernation-6.12-dmesg.kjimg").standardized.path

    /// One kind of image: a hibernation image (pages cut from one of `lab/run
    /// hibernate`) reads as a crash dump does, and so does its ELF export.
    @Test func printsTheLogOfAHibernationImageAndOfItsElfExport() throws {
        let result = try KJumpBinary.run(["dmesg", Self.hibernationFixture])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.first?.hasPrefix("[    0.000000] Linux version 6.12.118 (") == true)
        #expect(lines.count > 200)
        #expect(!result.stdout.contains("**"))

        let elf = FileManager.default.temporaryDirectory.appendingPathComponent("kjump-hibernation-\(UUID().uuidString).elf").path
        defer { try? FileManager.default.removeItem(atPath: elf) }
        let export = try KJumpBinary.run(["export", "--elf", elf, Self.hibernationFixture])
        #expect(export.status == 0, "\(export.stderr)")
        #expect(export.stdout.contains("VMCOREINFO note"))
        let fromElf = try KJumpBinary.run(["dmesg", elf])
        #expect(fromElf.status == 0, "\(fromElf.stderr)")
        #expect(fromElf.stdout == result.stdout)

        let kdump = FileManager.default.temporaryDirectory.appendingPathComponent("kjump-hibernation-\(UUID().uuidString).kdump").path
        defer { try? FileManager.default.removeItem(atPath: kdump) }
        let kdumpExport = try KJumpBinary.run(["export", "--kdump", kdump, Self.hibernationFixture])
        #expect(kdumpExport.status == 0, "\(kdumpExport.stderr)")
        #expect(kdumpExport.stdout.contains("103 pages"))
    }

    @Test func helpTeachesTheFormat() throws {
        let result = try KJumpBinary.run(["dmesg", "--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("[    1.234567] message"))
        #expect(try KJumpBinary.run(["--help"]).stdout.contains("dmesg                   Print the kernel log"))
    }
}
