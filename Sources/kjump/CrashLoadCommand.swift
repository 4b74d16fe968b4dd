import ArgumentParser
import KJumpCore
import KJumpLinux

/// `kjump crash-load`: the hibernation kernel as the crash (kdump) kernel.
struct CrashLoadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crash-load",
        abstract: "Load the hibernation kernel as the crash kernel, to save a dump when this system panics.",
        discussion: """
            Loads the hibernation kernel into the memory reserved with \
            crashkernel= (see /proc/iomem, "Crash kernel") with \
            kexec_load(KEXEC_ON_CRASH). When this kernel panics, the hibernation \
            kernel starts there, saves this system's memory as a crash image on \
            --target (dump level 31 by default: free, cache, user and zero pages \
            dropped) and reboots. Read the dump afterwards with 'kjump inspect', \
            'kjump dmesg' and 'kjump export'.

            The target is a raw block device (or partition) that nothing else \
            uses: the hibernation kernel writes it without mounting anything. \
            With --directory the target holds an ext4 filesystem of its own \
            (not one this system has mounted read-write): the hibernation \
            kernel mounts it, writes the dump as a file there, and unmounts it. \
            Run 'kjump crash-load' again after changing CPUs or memory \
            (hotplug), and at every boot: the package's kjump-crash.service \
            does, when the kernel command line has crashkernel= and \
            /etc/kjump/kjump.conf sets crash-device (and crash-directory), \
            which fill in --target and --directory when they are not given.

            Examples:
              kjump crash-load
              kjump crash-load --target /dev/disk/by-partlabel/kjump-dump
              kjump crash-load --target /dev/sdb1 --directory /dumps
              kjump crash-load --status
              kjump crash-load --unload
            """
    )

    @Option(help: ArgumentHelp("The block device the dump is written to: raw, or holding the filesystem of --directory (default: crash-device in kjump.conf).", valueName: "device"))
    var target: String?

    @Option(name: .customLong("config"), help: ArgumentHelp(
        "The configuration whose crash-device and crash-directory are used when --target is not given (default: \(KJumpConfiguration.defaultPath), if it exists).",
        valueName: "path"))
    var configPath: String?

    @Flag(help: "When neither --target nor the configuration names a dump target, say so and succeed, loading nothing (kjump-crash.service runs this at every boot).")
    var ifConfigured = false

    @Option(help: ArgumentHelp(
        "Write the dump as a file kjump-crash-<time>.kjimg in this directory of the ext4 filesystem on --target (which this system must not have mounted read-write), instead of to the raw device.",
        valueName: "path"))
    var directory: String?

    @OptionGroup var dump: DumpOptions

    @Option(name: .customLong("kernel"), help: ArgumentHelp(
        "The hibernation kernel (a bzImage with kjump built in).", valueName: "path"))
    var kernelPath = "/usr/lib/kjump/hibernation.bzImage"

    @Option(help: ArgumentHelp(
        "CPUs the crash kernel brings up. 1 (default) is the safest after a crash; 2 or more compress the dump in parallel.",
        valueName: "n"))
    var cpus = 1

    @Option(help: ArgumentHelp("More words for the crash kernel's command line (e.g. irqpoll).", valueName: "words"))
    var append: String?

    @Flag(help: "Unload the crash kernel.")
    var unload = false

    @Flag(help: "Say whether a crash kernel is loaded and how much memory is reserved.")
    var status = false

    @Flag(help: "Plan and print the segments, but do not load.")
    var dryRun = false

    func validate() throws {
        if unload && status { throw ValidationError("choose one of --unload and --status") }
        if unload || status {
            if target != nil || append != nil || directory != nil || ifConfigured {
                throw ValidationError("--target, --directory, --append and --if-configured are for loading; leave them out with --unload or --status")
            }
            return
        }
        guard (1...64).contains(cpus) else { throw ValidationError("--cpus must be between 1 and 64") }
        if let directory, !directory.hasPrefix("/") {
            throw ValidationError("--directory is a path from the root of the dump filesystem, e.g. /dumps")
        }
    }

    /// The dump target and directory: the command line's, else kjump.conf's; nil when neither names one.
    func dumpTarget() throws -> (device: String, directory: String?)? {
        var given = KJumpConfiguration()
        (given.crashDevice, given.crashDirectory) = (target, directory)
        let settings = try KJumpConfiguration.loaded(configPath: configPath, given: given)
        guard let device = settings.crashDevice else { return nil }
        let directory = settings.crashDirectory
        for (name, value) in [("the dump target", device), ("the dump directory", directory ?? "/")] where value.contains(" ") || value.contains("\"") {
            throw ValidationError("\(name) '\(value)' cannot contain spaces or quotes (it travels on the kernel command line)")
        }
        return (device, directory)
    }

    func run() throws {
        if status { return print("kjump crash-load: " + CrashCapture.status) }
        if unload {
            try CrashCapture.unload()
            return print("kjump crash-load: crash kernel unloaded")
        }
        guard let (target, directory) = try dumpTarget() else {
            let advice = "give --target DEVICE or set crash-device in \(configPath ?? KJumpConfiguration.defaultPath)"
            if ifConfigured { return print("kjump crash-load: no dump target is set, nothing loaded (\(advice))") }
            throw ValidationError(advice)
        }
        let request = CrashCapture.Request(
            kernelPath: kernelPath, target: target, directory: directory, dumpLevel: dump.level, compression: dump.compression,
            cpus: cpus, extraCommandLine: RunningKernel.consoleArguments() + KernelCommandLine(parsing: append ?? "").words)
        let capture = try CrashCapture(request)
        if directory == nil, let found = CrashCapture.dumpDescription(on: capture.device) {
            print("kjump crash-load: \(capture.device) holds \(found); read it with 'kjump dmesg \(capture.device)' or 'kjump export': the next crash overwrites it")
        }
        print(PlanDescription.render(capture.plan, kernelPath: kernelPath, memoryLabel: "system memory to dump"))
        if dryRun { return }
        try capture.load()
        print("kjump crash-load: loaded; after a panic the dump goes to " + (directory.map { "\($0) on \(capture.device)" } ?? capture.device))
    }
}
