import ArgumentParser
import KJumpCore
import KJumpLinux

/// `kjump resume-entry`: the resume boot entry's command line, before any image exists.
struct ResumeEntryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume-entry",
        abstract: "Print the kernel command line of the boot entry that starts the hibernation kernel to resume.",
        discussion: """
            For boot loader configurations made before any hibernation (a GRUB \
            snippet run by update-grub): the hibernation kernel's command line \
            that confines it to its region and names the resume target, the same \
            line 'kjump inspect --resume-command-line' reads from an image made \
            with these settings on this machine. With --system-kernel and \
            --command-line it ends with 'kjump boot-identity''s words for the \
            normal entry. The boot loader adds kjump.image= (grubenv's \
            kjump_image, set by kjump hibernate --grub-reboot) and console=.
            """
    )

    @Option(name: .customLong("config"), help: ArgumentHelp("The configuration (default: \(KJumpConfiguration.defaultPath), if it exists).", valueName: "path"))
    var configPath: String?

    @Option(name: .customLong("resume-device"), help: ArgumentHelp("The resume device (default: kjump.conf's).", valueName: "device"))
    var resumeDevice: String?

    @Option(name: .customLong("resume-file"), help: ArgumentHelp("The resume file (default: kjump.conf's).", valueName: "path"))
    var resumeFile: String?

    @OptionGroup var regionOptions: RegionOptions

    @Option(name: .customLong("system-kernel"), help: ArgumentHelp("The kernel image the normal entry starts.", valueName: "path"))
    var systemKernel: String?

    @Option(name: .customLong("command-line"), help: ArgumentHelp("The command line the normal entry gives it.", valueName: "text"))
    var commandLine: String?

    func validate() throws {
        try regionOptions.validate()
        guard (systemKernel == nil) == (commandLine == nil) else {
            throw ValidationError("give both --system-kernel and --command-line, or neither")
        }
    }

    func run() throws {
        var given = KJumpConfiguration()
        (given.resumeDevice, given.resumeFile) = (resumeDevice, resumeFile)
        given.regionMiB = regionOptions.regionMiB
        let settings = try KJumpConfiguration.loaded(configPath: configPath, given: given).requiringResumeTarget(configPath: configPath)
        let target = try Hibernation.target(device: settings.resumeDevice, file: settings.resumeFile)
        let region = HibernationRegion(mainBlockBytes: settings.regionMiB.map { $0 << 20 } ?? HibernationRegion.defaultMainBlockBytes)
        let system = try systemKernel.map { try SystemBootIdentity.bootEntry(kernelPath: $0, commandLine: commandLine ?? "") }
        print(try ResumeEntry.commandLine(target: target, region: region, system: system).joined(separator: " "))
    }
}
