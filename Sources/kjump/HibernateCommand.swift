import ArgumentParser
import KJumpCore
import KJumpLinux

/// `kjump hibernate`: save this system to the resume device and power off.
struct HibernateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hibernate",
        abstract: "Save this system to the resume device through the hibernation kernel, and power off.",
        discussion: """
            Syncs, loads the hibernation kernel, and jumps. The hibernation kernel \
            writes this system's memory (free pages dropped, zero pages recorded, \
            lz4-compressed, sealed with the hibernation key) to the resume device \
            and powers off. At \
            the next boot, start the hibernation kernel with the image's resume \
            command line ('kjump inspect --resume-command-line DEVICE'); it puts the \
            memory back and this command returns, printing how long the system was \
            away. If the hibernation kernel cannot save, it jumps back and this \
            command fails with the reason; nothing is lost.
            """
    )

    @Option(name: .customLong("resume-device"), help: ArgumentHelp(
        "The partition or disk the image goes to (overwritten).", valueName: "device"))
    var resumeDevice: String?

    @Option(name: .customLong("resume-file"), help: ArgumentHelp(
        "Instead of a device: a resume file made by 'kjump setup --file' (the hibernation kernel writes its blocks on the device directly).",
        valueName: "path"))
    var resumeFile: String?

    @Option(name: .customLong("grub-reboot"), help: ArgumentHelp(
        "Arm this GRUB menu entry (id or title) for the next boot only, with grub-reboot, so that the machine boots the hibernation kernel once and the normal system after that (see docs/HIBERNATION.md). Disarmed again (grub-editenv unset next_entry) if the hibernation kernel returns without saving.",
        valueName: "entry"))
    var grubEntry: String?

    @Option(help: ArgumentHelp(
        "lz4 (default: fastest to save and to resume), zstd (a smaller image, slower to save; for slow disks) or none.",
        valueName: "codec"))
    var compress: CompressionArgument?

    @Option(name: .customLong("config"), help: ArgumentHelp(
        "The configuration whose settings fill in the options not given here (default: \(KJumpConfiguration.defaultPath), if it exists).",
        valueName: "path"))
    var configPath: String?

    @Option(name: .customLong("system-kernel"), help: ArgumentHelp(
        "This kernel's image file, recorded by digest so that a resume entry that starts another kernel refuses the image (default: /boot/vmlinuz-RELEASE). See 'kjump boot-identity'.",
        valueName: "path"))
    var systemKernel: String?

    @OptionGroup var kernel: HibernationKernelOptions

    @OptionGroup var sealing: SealingOptions

    @Flag(help: "Run as systemd-hibernate.service does (kjump's drop-in for it): systemd's sleep hooks (/usr/lib/systemd/system-sleep) before and after, and systemd's own hibernation when kjump.conf names no resume target.")
    var systemd = false

    func validate() throws {
        try kernel.validate()
        if resumeDevice != nil, resumeFile != nil {
            throw ValidationError("give one of --resume-device DEVICE and --resume-file PATH, not both")
        }
    }

    /// What this command line sets, as settings that override kjump.conf's.
    var given: KJumpConfiguration {
        var given = KJumpConfiguration()
        (given.resumeDevice, given.resumeFile) = (resumeDevice, resumeFile)
        given.compression = compress?.codec
        given.hibernationKey = sealing.hibernationKey
        given.seal = sealing.noSeal ? false : nil
        given.regionMiB = kernel.regionOptions.regionMiB
        given.grubEntry = grubEntry
        given.systemKernel = systemKernel
        return given
    }

    func run() throws {
        let settings = try KJumpConfiguration.loaded(configPath: configPath, given: given)
        guard systemd else { return try hibernate(settings) }
        guard settings.namesResumeTarget else {
            Swift.print("kjump: \(configPath ?? KJumpConfiguration.defaultPath) names no resume target: the kernel's own hibernation it is (\(SystemdHibernation.systemdSleep) hibernate)")
            try SystemdHibernation.handOverToSystemdSleep()
        }
        try SystemdHibernation().run(report: { Swift.print($0) }) { try hibernate(settings) }
    }

    private func hibernate(_ loaded: KJumpConfiguration) throws {
        let settings = try loaded.requiringResumeTarget(configPath: configPath)
        let sealingKey = try SealingOptions.key(settings)
        let target = try Hibernation.target(device: settings.resumeDevice, file: settings.resumeFile, report: Self.print)
        var request = Hibernation.Request(kernelPath: kernel.path,
                                          region: HibernationRegion(mainBlockBytes: settings.regionMiB.map { $0 << 20 } ?? HibernationRegion.defaultMainBlockBytes),
                                          target: target, compression: settings.compression ?? .lz4,
                                          extraCommandLine: kernel.consoleArguments(),
                                          bootEntry: settings.grubEntry.map(GrubOneShotBootEntry.init(name:)),
                                          sealing: sealingKey)
        let systemKernelPath = settings.systemKernel ?? SystemBootIdentity.defaultKernelPath
        request.system = try SystemBootIdentity.running(kernelPath: systemKernelPath)
        if request.system?.kernelDigest == nil {
            Swift.print("kjump: warning: no kernel image at \(systemKernelPath): a resume entry that names the system kernel will refuse this image (give --system-kernel PATH)")
        }
        Self.print(resumed: try Hibernation(request, report: { Self.print($0, kernelPath: kernel.path) }).run())
    }
}
