import Foundation
import KJumpCore
import Testing
@testable import KJumpLinux

@Suite struct SystemFactsReaderTests {
    /// A fake /proc and /sys tree in a temporary directory.
    func makeTree(_ files: [String: String]) throws -> String {
        let root = FileManager.default.temporaryDirectory
            .appendingPathComponent("kjump-facts-\(UUID().uuidString)").path
        for (path, text) in files {
            let full = root + path
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try text.write(toFile: full, atomically: true, encoding: .utf8)
        }
        return root
    }

    @Test func readsEveryFactFromTheTree() throws {
        let release = SystemFactsReader.unameFields().release
        let root = try makeTree([
            "/proc/meminfo": "MemTotal: 1048576 kB\nMemFree: 524288 kB\nMemAvailable: 786432 kB\n",
            "/boot/config-\(release)": "CONFIG_KEXEC=y\nCONFIG_KEXEC_JUMP=y\n",
            "/sys/kernel/security/lockdown": "[none] integrity confidentiality\n",
            "/proc/sys/kernel/kexec_load_disabled": "0\n",
            "/sys/kernel/vmcoreinfo": "3b84000 1024\n",
            "/sys/kernel/kexec_crash_size": "0\n",
        ])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let facts = SystemFactsReader(root: root).read(resumeDevicePath: nil)
        #expect(facts.machine == "x86_64")
        #expect(facts.kernelConfig?.path == root + "/boot/config-\(release)")
        #expect(facts.kernelConfig?.config.isBuiltIn("CONFIG_KEXEC_JUMP") == true)
        #expect(facts.memory == MemoryInfo(total: 1 << 30, free: 512 << 20, available: 768 << 20))
        #expect(facts.lockdown == .content("[none] integrity confidentiality\n"))
        #expect(facts.kexecLoadLimitReboot == .missing)
        #expect(facts.vmcoreinfo.text == "3b84000 1024\n")
        #expect(facts.resumeDevice == nil)
    }

    @Test func prefersProcConfigGz() throws {
        let root = try makeTree(["/proc/meminfo": ""])
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.copyItem(atPath: try fixturePath("config-host.gz"), toPath: root + "/proc/config.gz")
        let facts = SystemFactsReader(root: root).read(resumeDevicePath: nil)
        #expect(facts.kernelConfig?.path == "/proc/config.gz")
        #expect(facts.memory == nil)
    }

    @Test func noConfigAnywhereListsThePathsTried() throws {
        let root = try makeTree(["/proc/meminfo": ""])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let facts = SystemFactsReader(root: root).read(resumeDevicePath: nil)
        #expect(facts.kernelConfig == nil)
        #expect(facts.kernelConfigPathsTried.count == 2)
        #expect(facts.kernelConfigPathsTried[0] == root + "/proc/config.gz")
    }

    @Test func resumeDeviceThatIsNotABlockDevice() {
        let reader = SystemFactsReader()
        let null = reader.readResumeDevice("/dev/null")
        #expect(null.exists && !null.isBlockDevice)
        let missing = reader.readResumeDevice("/dev/kjump-no-such-device")
        #expect(!missing.exists)
    }
}
