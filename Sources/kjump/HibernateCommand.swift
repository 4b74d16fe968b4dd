import ArgumentParser
import KJumpCore
import KJumpLinux
#if canImport(Glibc)
import Glibc
#endif

/// `kjump hibernate`: save this system to the resume device and power off.
struct HibernateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hibernate",
        abstract: "Save this system to the resume device through the hibernation kernel, and power off.",
        discussion: """
            Syncs, loads the hibernation kernel, and jumps. The hibernation kernel \
            writes this system's memory (free pages dropped, zero pages recorded, \
            lz4-compressed, checksummed) to the resume device and powers off. At \
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
        "lz4 (default: fastest to save and to resume) or zstd (a smaller image, slower to save; for slow disks).",
        valueName: "codec"))
    var compress = "lz4"

    @OptionGroup var kernel: HibernationKernelOptions

    func validate() throws {
        try kernel.validate()
        guard compress == "lz4" || compress == "zstd" else { throw ValidationError("--compress must be lz4 or zstd") }
        guard (resumeDevice == nil) != (resumeFile == nil) else {
            throw ValidationError("give one of --resume-device DEVICE and --resume-file PATH")
        }
    }

    func run() throws {
        let target: ResumeTarget
        if let resumeFile {
            let location = try ResumeFile.locate(path: resumeFile)
            target = ResumeTarget(device: location.device, mapOffset: location.mapOffset)
            print("kjump: resume file \(resumeFile): \(location.map.imageCapacity >> 20) MiB for the image, \(location.map.extents.count) extents on \(location.device)")
        } else {
            let device = SystemFactsReader().readResumeDevice(resumeDevice!)
            let check = Doctor().resumeDeviceCheck(device, memory: nil)
            guard check.status != .fail else { throw ValidationError(check.message) }
            target = ResumeTarget(device: resumeDevice!)
        }
        let resumeDevice = target.device

        var loader = HibernationKernelLoader(kernelPath: kernel.path, region: kernel.region, role: "hibernate",
                                             extraCommandLine: kernel.consoleArguments() + target.commandLineWords
                                                 + (compress == "lz4" ? [] : ["kjump.compress=\(compress)"]))
        // Mounted filesystems: the resume refuses if one was mounted in between.
        let filesystems = try MountedFilesystems.readWrite()
        for (device, identity) in filesystems where identity == nil {
            print("kjump: warning: \(device) is not ext2/3/4; a resume cannot tell whether it was mounted in between")
        }
        // Names this attempt, so that a reason H leaves on the target is known to be this attempt's.
        let attempt = SystemRandom.bytes(8).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        loader.noteFields["attempt"] = attempt
        loader.noteFields["filesystems"] = filesystems.compactMap(\.identity).map(\.description).joined(separator: ",")
        // The plan holds the bzImage's bytes: it ends with this scope, so the
        // heap can hand them back before the jump (they would be in the image).
        let loadSeconds = try {
            let plan = try loader.plan()
            print(PlanDescription.render(plan, kernelPath: kernel.path))
            let loading = Clocks.now()
            try loader.load(plan)
            return Double(Clocks.now().monotonic - loading.monotonic) / 1e9
        }()
        if let grubEntry {
            do { try ProgramRunner.run(["grub-reboot", grubEntry]) } catch {
                try? Kexec.unload(flags: Kexec.preserveContext)
                throw ValidationError("cannot arm the boot entry for the resume: grub-reboot \(grubEntry) failed (\(error)); nothing was changed")
            }
            print("kjump: the next boot starts GRUB entry '\(grubEntry)' once (grub-reboot)")
        }
        print("kjump: hibernation kernel loaded in \(ImageDescription.format2(loadSeconds)) s; syncing filesystems and hibernating to \(target.description)")
        sync()
        ProcessMemory.releaseFreedHeap()
        let before = Clocks.now()
        do { try Kexec.jump() } catch {
            try? Kexec.unload(flags: Kexec.preserveContext)
            disarmBootEntry()
            throw JumpError.system(error)
        }
        let after = Clocks.now()
        try? Kexec.unload(flags: Kexec.preserveContext)
        // Back: either resumed from the image (now consumed) or the hibernation kernel gave up.
        // What this kernel cached of the device predates the jump.
        PageCache.drop(resumeDevice)
        let probe = try? ImageReader.probe(target.openImageSource())
        let state = probe?.state
        guard let state, state.state == .consumed else {
            disarmBootEntry()
            // H's reason, if this attempt's image carries one (not an older attempt's: H may have failed before starting its image).
            if let probe, probe.state.state == .writing, let reason = probe.state.failure,
               probe.header.note("attempt") == attempt {
                throw HibernationError.notSaved(reason: reason)
            }
            throw HibernationError.notResumed(state: state.map { "\($0.state)" } ?? "none")
        }
        var line = "kjump: resumed; the system was away \(after.seconds(since: before))"
        if let consumedAt = state.consumedAt {
            line += "; the image was consumed \(Int64(time(nil)) - consumedAt) s ago (resume)"
        }
        print(line + "; kexec image unloaded")
    }

    /// Not hibernated after all: the next boot must be the normal one again.
    func disarmBootEntry() {
        guard grubEntry != nil else { return }
        do { try ProgramRunner.run(["grub-editenv", "-", "unset", "next_entry"]) } catch {
            print("kjump: warning: the next boot may still start the hibernation kernel: \(error); run 'grub-editenv - unset next_entry'")
        }
    }
}

/// `kjump save-hibernation`: the hibernation kernel's half of `kjump hibernate`.
struct SaveHibernationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "save-hibernation",
        abstract: "In the hibernation kernel: save the frozen system kernel to the resume device.",
        shouldDisplay: false
    )

    func run() throws {
        try HibernationKernelTasks.saveHibernation()
    }
}

/// `kjump resume`: the restorer, in the hibernation kernel started by the boot loader.
struct ResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "In the hibernation kernel at boot: restore the hibernated system and jump into it.",
        discussion: "Refuses (and returns non-zero) when there is no committed image for this machine; never resumes an image twice."
    )

    @Option(name: .customLong("resume-device"), help: ArgumentHelp(
        "The resume device (default: kjump.resume= and kjump.resume-offset= on the command line).", valueName: "device"))
    var resumeDevice: String?

    func run() throws {
        try HibernationKernelTasks.resume(device: resumeDevice)
    }
}
