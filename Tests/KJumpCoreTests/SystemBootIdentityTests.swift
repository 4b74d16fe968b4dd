import KJumpCore
import Testing

@Suite struct SystemBootIdentityTests {
    static let kernel = Array("a kernel image".utf8)

    @Test func theCommandLineDigestIsOfTheWordsWithoutTheBootLoaders() {
        let grub = SystemBootIdentity.commandLineDigest(of: "BOOT_IMAGE=/boot/vmlinuz-6.12 root=UUID=1234 ro quiet\n")
        #expect(grub == SystemBootIdentity.commandLineDigest(of: "root=UUID=1234   ro quiet"))
        #expect(grub == SystemBootIdentity.commandLineDigest(of: "initrd=\\initrd.img root=UUID=1234 ro quiet"))
        #expect(grub != SystemBootIdentity.commandLineDigest(of: "root=UUID=1234 ro"))
        #expect(grub != SystemBootIdentity.commandLineDigest(of: "ro root=UUID=1234 quiet"))   // order is meaning
        // Quoted words keep their spaces: "a b" is one word, not two.
        #expect(SystemBootIdentity.commandLineDigest(of: "x=\"a b\"") != SystemBootIdentity.commandLineDigest(of: "x=a b"))
        #expect(grub.count == 64 && grub == grub.lowercased())
    }

    @Test func theEntryWordsAndTheNoteRoundTrip() {
        let identity = SystemBootIdentity(kernelImage: Self.kernel, commandLine: "root=/dev/vda ro")
        let expected = SystemBootIdentity.Expected(commandLine: KernelCommandLine(parsing: identity.resumeCommandLineWords.joined(separator: " ")))
        #expect(expected == .init(kernelDigest: identity.kernelDigest, commandLineDigest: identity.commandLineDigest))
        let fields = identity.noteFields
        #expect(SystemBootIdentity(note: { fields[$0] }) == identity)
        #expect(SystemBootIdentity(note: { _ in nil }) == nil)
        // Without the kernel's image only the command line is recorded and carried.
        let noImage = SystemBootIdentity(kernelImage: nil, commandLine: "ro")
        #expect(noImage.noteFields.keys.sorted() == ["system-cmdline"])
        #expect(noImage.resumeCommandLineWords == ["kjump.system-cmdline=\(noImage.commandLineDigest)"])
    }

    @Test func mismatchesAreNamed() {
        let hibernated = SystemBootIdentity(kernelImage: Self.kernel, commandLine: "root=/dev/vda ro")
        let same = SystemBootIdentity.Expected(kernelDigest: hibernated.kernelDigest, commandLineDigest: hibernated.commandLineDigest)
        #expect(SystemBootIdentity.mismatch(recorded: hibernated, expected: same) == nil)
        // Upper-case hex from a boot loader script is the same digest.
        let upper = SystemBootIdentity.Expected(kernelDigest: hibernated.kernelDigest!.uppercased(), commandLineDigest: nil)
        #expect(SystemBootIdentity.mismatch(recorded: hibernated, expected: upper) == nil)
        #expect(SystemBootIdentity.mismatch(recorded: nil, expected: .init(kernelDigest: nil, commandLineDigest: nil)) == nil)

        let newKernel = SystemBootIdentity.Expected(kernelDigest: SystemBootIdentity(kernelImage: [1], commandLine: "").kernelDigest,
                                                    commandLineDigest: hibernated.commandLineDigest)
        #expect(SystemBootIdentity.mismatch(recorded: hibernated, expected: newKernel)?.hasPrefix("the system kernel changed since hibernation") == true)
        let newLine = SystemBootIdentity.Expected(kernelDigest: nil, commandLineDigest: SystemBootIdentity.commandLineDigest(of: "ro"))
        #expect(SystemBootIdentity.mismatch(recorded: hibernated, expected: newLine)?.hasPrefix("the system kernel's command line changed") == true)
        // What the image does not record cannot be checked, so it is refused.
        #expect(SystemBootIdentity.mismatch(recorded: nil, expected: same) != nil)
        let noImage = SystemBootIdentity(kernelImage: nil, commandLine: "root=/dev/vda ro")
        #expect(SystemBootIdentity.mismatch(recorded: noImage, expected: same)?.contains("does not record the system kernel's image") == true)
        #expect(SystemBootIdentity.mismatch(recorded: noImage, expected: .init(kernelDigest: nil, commandLineDigest: hibernated.commandLineDigest)) == nil)
    }
}
