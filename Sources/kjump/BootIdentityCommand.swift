import ArgumentParser
import KJumpCore
import KJumpLinux

/// `kjump boot-identity`: the words a resume boot entry carries about the
/// system kernel it would boot normally, for H to compare with the image.
struct BootIdentityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "boot-identity",
        abstract: "Print the resume command-line words that bind an image to the system kernel and command line the boot loader starts now.",
        discussion: """
            kjump hibernate records the SHA-256 of the running kernel's image and \
            of its command line in the image. A boot loader configuration that \
            adds this command's output to the hibernation kernel's resume entry \
            (made when the configuration is, e.g. by update-grub) makes the \
            resume refuse an image whose system kernel or command line has \
            changed since: a newly installed kernel or an edited command line \
            then boots normally instead of resuming the old kernel. Words the boot \
            loader adds by itself (BOOT_IMAGE=, initrd=) are left out of the digest.

            Example: kjump boot-identity --kernel /boot/vmlinuz-6.12.0 --command-line "root=UUID=… ro quiet"
            """
    )

    @Option(help: ArgumentHelp("The kernel image the normal boot entry starts.", valueName: "path"))
    var kernel: String

    @Option(name: .customLong("command-line"), help: ArgumentHelp("The command line the normal boot entry gives it.", valueName: "text"))
    var commandLine: String

    func run() throws {
        let identity = try SystemBootIdentity.bootEntry(kernelPath: kernel, commandLine: commandLine)
        print(identity.resumeCommandLineWords.joined(separator: " "))
    }
}
