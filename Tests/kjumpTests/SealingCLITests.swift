import Foundation
import KJumpCore
import Testing

/// `kjump keygen`, and the readers (`inspect`, `verify`, `dmesg`, `export`) on
/// a sealed image: a sealed copy of the hibernation fixture.
@Suite struct SealingCLITests {
    let directory: String

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kjump-sealing-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "correct horse battery staple\n".write(toFile: path("passphrase"), atomically: true, encoding: .utf8)
        try "tr0ub4dor&3\n".write(toFile: path("wrong"), atomically: true, encoding: .utf8)
    }

    func path(_ name: String) -> String { directory + "/" + name }

    func keygen(_ extra: [String] = []) throws -> KJumpBinary.Result {
        try KJumpBinary.run(["keygen", "--hibernation-key", path("hibernation.key"), "--resume-key", path("resume.key"),
                             "--passphrase-file", path("passphrase"), "--argon2-memory-mib", "8"] + extra)
    }

    /// The fixture's pages written again as a sealed image with the hibernation key keygen made.
    func sealedFixture() throws -> String {
        let key = try HibernationKey(parsing: String(contentsOfFile: path("hibernation.key"), encoding: .utf8), what: "hibernation.key")
        let fixture = try Data(contentsOf: URL(fileURLWithPath: DmesgCLITests.hibernationFixture))
        let reader = try ImageReader(source: ArrayByteSource([UInt8](fixture)))
        let sink = ArrayImageSink()
        let writer = try ImageWriter(header: reader.header, sink: sink, sealing: key)
        try reader.forEachRun { run in
            if let bytes = run.bytes { try writer.append(address: run.address, pages: Array(bytes)) } else {
                try writer.appendZero(address: run.address, pageCount: run.pageCount)
            }
        }
        try writer.finish(committedAt: 1)
        try Data(sink.bytes).write(to: URL(fileURLWithPath: path("sealed.kjimg")))
        return path("sealed.kjimg")
    }

    @Test func keygenWritesRootOnlyKeysAndKeepsExistingOnes() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let made = try keygen()
        #expect(made.status == 0, "\(made.stderr)")
        #expect(made.stdout.contains("(protected by the passphrase)"))
        for name in ["hibernation.key", "resume.key"] {
            let mode = try FileManager.default.attributesOfItem(atPath: path(name))[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(name)")
        }
        let again = try keygen()
        #expect(again.status != 0)
        #expect(again.stderr.contains("exists already; give --force"))
        #expect(try keygen(["--force"]).status == 0)
        // Missing directories are made (root-only), as for a key on a freshly mounted USB stick.
        let nested = try KJumpBinary.run(["keygen", "--no-passphrase", "--resume-key", path("usb/kjump/resume.key"),
                                          "--hibernation-key", path("etc/kjump/hibernation.key")])
        #expect(nested.status == 0, "\(nested.stderr)")
        let directoryMode = try FileManager.default.attributesOfItem(atPath: path("usb/kjump"))[.posixPermissions] as? Int
        #expect(directoryMode == 0o700)
        let unprotected = try KJumpBinary.run(["keygen", "--no-passphrase"])
        #expect(unprotected.status == 64)
        #expect(unprotected.stderr.contains("give --resume-key on a device that is not this machine's"))
    }

    /// A missing key is a runtime failure, not a usage error: exit 1 with the
    /// remedy, no usage text, checked before the resume target is touched.
    @Test func hibernatingWithoutTheKeyNamesTheRemedy() throws {
        let result = try KJumpBinary.run(["hibernate", "--config", "/dev/null", "--resume-device", "/nonexistent/disk",
                                          "--hibernation-key", "/nonexistent/hibernation.key"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("there is no hibernation key at /nonexistent/hibernation.key: make one with 'kjump keygen'"))
        #expect(!result.stderr.contains("Usage:"))
    }

    @Test func readersOpenASealedImageWithItsKeyOnly() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(try keygen().status == 0)
        let sealed = try sealedFixture()
        let key = ["--key", path("resume.key"), "--passphrase-file", path("passphrase")]

        let inspect = try KJumpBinary.run(["inspect", sealed])
        #expect(inspect.status == 0, "\(inspect.stderr)")
        #expect(inspect.stdout.contains("(format 2.0, hibernation)"))
        #expect(inspect.stdout.contains("sealed     AES-256-GCM frames, to resume key "))

        let keyless = try KJumpBinary.run(["dmesg", sealed])
        #expect(keyless.status == 1)
        #expect(keyless.stderr.contains("the image is sealed: give the resume key that opens it"))

        let plain = try KJumpBinary.run(["dmesg", DmesgCLITests.hibernationFixture])
        let dmesg = try KJumpBinary.run(["dmesg"] + key + [sealed])
        #expect(dmesg.status == 0, "\(dmesg.stderr)")
        #expect(dmesg.stdout == plain.stdout)
        #expect(dmesg.stdout.hasPrefix("[    0.000000] Linux version 6.12.118 ("))

        let verify = try KJumpBinary.run(["verify"] + key + [sealed])
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(verify.stdout.contains("sealed and authentic: OK"))

        let elf = path("sealed.elf")
        let export = try KJumpBinary.run(["export", "--elf", elf] + key + [sealed])
        #expect(export.status == 0, "\(export.stderr)")
        #expect(try KJumpBinary.run(["dmesg", elf]).stdout == plain.stdout)

        let wrong = try KJumpBinary.run(["verify", "--key", path("resume.key"), "--passphrase-file", path("wrong"), sealed])
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("the passphrase does not open the resume key"))

        // The same key written again under another protection opens the same images.
        let plainKey = path("resume-plain.key")
        let wrongOld = try KJumpBinary.run(["keygen", "--reprotect", path("resume.key"), "--old-passphrase-file", path("wrong"),
                                            "--no-passphrase", "--resume-key", plainKey])
        #expect(wrongOld.status == 1)
        #expect(wrongOld.stderr.contains("the passphrase does not open the resume key"))
        let reprotected = try KJumpBinary.run(["keygen", "--reprotect", path("resume.key"), "--old-passphrase-file", path("passphrase"),
                                               "--no-passphrase", "--resume-key", plainKey])
        #expect(reprotected.status == 0, "\(reprotected.stderr)")
        #expect(reprotected.stdout.contains("written again"))
        let plainDmesg = try KJumpBinary.run(["dmesg", "--key", plainKey, sealed])
        #expect(plainDmesg.stdout == plain.stdout)

        // With a key, an image that is not sealed proves nothing and is refused.
        let unsealed = try KJumpBinary.run(["verify"] + key + [DmesgCLITests.hibernationFixture])
        #expect(unsealed.status == 1)
        #expect(unsealed.stderr.contains("the image is not sealed"))
    }
}
