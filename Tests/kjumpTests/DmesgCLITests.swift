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

    @Test func helpTeachesTheFormat() throws {
        let result = try KJumpBinary.run(["dmesg", "--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("[    1.234567] message"))
        #expect(try KJumpBinary.run(["--help"]).stdout.contains("dmesg                   Print the kernel log"))
    }
}
