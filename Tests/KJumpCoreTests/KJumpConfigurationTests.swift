import Foundation
import KJumpCore
import Testing

@Suite struct KJumpConfigurationTests {
    @Test func everyKeyIsRead() throws {
        let text = """
            # kjump's defaults
            resume-device = /dev/disk/by-partlabel/kjump   # the swap-sized partition
            compress=zstd
            hibernation-key = /etc/kjump/hibernation.key
            seal = yes
              region-mib = 96
            grub-entry = kjump-resume
            system-kernel = /boot/vmlinuz-6.12.0-kjump
            crash-device = /dev/disk/by-partlabel/kjump-dump
            crash-directory = /dumps

            """
        let configuration = try KJumpConfiguration(parsing: text, path: "/etc/kjump/kjump.conf")
        var expected = KJumpConfiguration()
        expected.resumeDevice = "/dev/disk/by-partlabel/kjump"
        expected.compression = .zstd
        expected.hibernationKey = "/etc/kjump/hibernation.key"
        expected.seal = true
        expected.regionMiB = 96
        expected.grubEntry = "kjump-resume"
        expected.systemKernel = "/boot/vmlinuz-6.12.0-kjump"
        expected.crashDevice = "/dev/disk/by-partlabel/kjump-dump"
        expected.crashDirectory = "/dumps"
        #expect(configuration == expected)
        #expect(try KJumpConfiguration(parsing: "", path: "x") == KJumpConfiguration())
        #expect(try KJumpConfiguration(parsing: "seal = no\nseal = NO", path: "x").seal == false)
    }

    @Test func mistakesNameTheFileTheLineAndTheFix() {
        func error(_ text: String) -> String {
            do { _ = try KJumpConfiguration(parsing: text, path: "/etc/kjump/kjump.conf"); return "" } catch { return error.description }
        }
        #expect(error("\ncompress = lzma") == "/etc/kjump/kjump.conf, line 2: compress must be lz4, zstd or none, not 'lzma'")
        #expect(error("region-mib = 32") == "/etc/kjump/kjump.conf, line 1: region-mib must be a number of MiB from 64 to 4096, not '32'")
        #expect(error("seal = maybe") == "/etc/kjump/kjump.conf, line 1: seal must be yes or no, not 'maybe'")
        #expect(error("resume_device = /dev/vdb").hasPrefix("/etc/kjump/kjump.conf, line 1: unknown key 'resume_device' (known: resume-device, "))
        #expect(error("resume-device") == "/etc/kjump/kjump.conf, line 1: 'resume-device' is not 'key = value'")
        #expect(error("resume-device =") == "/etc/kjump/kjump.conf, line 1: resume-device has no value")
        #expect(error("resume-device = /dev/vdb\nresume-file = /swap/kjump") == "/etc/kjump/kjump.conf: it names both a resume-device and a resume-file; keep one")
        #expect(error("crash-device = /dev/vdc\ncrash-directory = dumps") == "/etc/kjump/kjump.conf, line 2: crash-directory is a path from the root of the dump filesystem, e.g. /dumps, not 'dumps'")
        #expect(error("crash-directory = /dumps") == "/etc/kjump/kjump.conf: crash-directory needs a crash-device (the device whose filesystem holds it)")
    }
}

@Suite struct ShippedConfigurationTests {
    /// packaging/kjump.conf, as the package installs it.
    static var shipped: String {
        let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return (try? String(contentsOf: tests.appendingPathComponent("packaging/kjump.conf"), encoding: .utf8)) ?? ""
    }

    @Test func theShippedFileParsesAndDocumentsEveryKey() throws {
        let text = Self.shipped
        #expect(!text.isEmpty)
        // Every line is commented out: installing it changes no default.
        #expect(try KJumpConfiguration(parsing: text, path: "packaging/kjump.conf") == KJumpConfiguration())
        for key in KJumpConfiguration.keys {
            #expect(text.contains("\n#\(key) = "), "packaging/kjump.conf does not document \(key)")
        }
    }
}

@Suite struct ConfigurationOverrideTests {
    @Test func theCommandLineWinsAndAResumeTargetReplacesBoth() throws {
        let file = try KJumpConfiguration(parsing: "resume-device = /dev/vdb\ncompress = zstd\nseal = yes\ngrub-entry = kjump-resume\nregion-mib = 96",
                                          path: "kjump.conf")
        var given = KJumpConfiguration()
        given.resumeFile = "/var/lib/kjump/resume"
        given.seal = false
        let merged = file.overridden(by: given)
        #expect(merged.resumeFile == "/var/lib/kjump/resume" && merged.resumeDevice == nil)
        #expect(merged.seal == false)
        #expect(merged.compression == .zstd && merged.grubEntry == "kjump-resume" && merged.regionMiB == 96)
        #expect(file.overridden(by: KJumpConfiguration()) == file)
        #expect(KJumpConfiguration().overridden(by: file) == file)
    }

    @Test func aCrashDeviceGivenReplacesTheFilesDeviceAndDirectory() throws {
        let file = try KJumpConfiguration(parsing: "crash-device = /dev/vdc\ncrash-directory = /dumps", path: "kjump.conf")
        var given = KJumpConfiguration()
        given.crashDevice = "/dev/vdd"
        let merged = file.overridden(by: given)
        #expect(merged.crashDevice == "/dev/vdd" && merged.crashDirectory == nil)
        var directoryOnly = KJumpConfiguration()
        directoryOnly.crashDirectory = "/other"
        let onFilesDevice = file.overridden(by: directoryOnly)
        #expect(onFilesDevice.crashDevice == "/dev/vdc" && onFilesDevice.crashDirectory == "/other")
        #expect(file.overridden(by: KJumpConfiguration()) == file)
    }
}
