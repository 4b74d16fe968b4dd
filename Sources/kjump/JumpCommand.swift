import ArgumentParser
import KJumpCore
import KJumpLinux

/// `kjump jump`: a round trip into the hibernation kernel and back.
struct JumpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jump",
        abstract: "Jump into the hibernation kernel, optionally run a command there, and come back.",
        discussion: """
            Loads the hibernation kernel into the H region with \
            kexec_load(KEXEC_PRESERVE_CONTEXT), freezes this system and jumps. \
            The hibernation kernel runs --exec (if given), then jumps back; this \
            system resumes where it was. Afterwards the kexec image is unloaded \
            so that nothing can jump into stale code. Needs about the size of \
            the H region in free memory.
            """
    )

    @Option(name: .customLong("exec"), help: ArgumentHelp(
        "A shell command to run in the hibernation kernel before jumping back.", valueName: "command"))
    var command: String?

    @OptionGroup var kernel: HibernationKernelOptions

    @Flag(help: "Plan and print the segments, but do not load or jump.")
    var dryRun = false

    func validate() throws {
        try kernel.validate()
        if let command, command.contains("\"") {
            throw ValidationError("--exec cannot contain double quotes (it travels on the kernel command line)")
        }
    }

    func run() throws {
        var extra = kernel.consoleArguments()
        if let command { extra.append("kjump.exec=" + KernelCommandLine.quoted(command)) }
        let loader = HibernationKernelLoader(kernelPath: kernel.path, region: kernel.region, role: "jump",
                                             extraCommandLine: extra)
        let plan = try loader.plan()
        print(PlanDescription.render(plan, kernelPath: kernel.path))
        if dryRun { return }
        try loader.load(plan)
        print("kjump: loaded; syncing filesystems and jumping")
        let (before, after) = try PreservedContextJump.perform()
        print("kjump: back after \(after.seconds(since: before)); kexec image unloaded")
    }
}

/// Options shared by the commands that start the hibernation kernel.
struct HibernationKernelOptions: ParsableArguments {
    @Option(name: .customLong("kernel"), help: ArgumentHelp(
        "The hibernation kernel (a bzImage with kjump built in).", valueName: "path"))
    var path = "/usr/lib/kjump/hibernation.bzImage"

    @OptionGroup var regionOptions: RegionOptions

    @Option(help: ArgumentHelp("More words for the hibernation kernel's command line (kernel parameters, or kjump.* ones).", valueName: "words"))
    var append: String?

    func validate() throws { try regionOptions.validate() }

    var region: HibernationRegion { regionOptions.region }

    /// The running kernel's console= words, so the hibernation kernel prints
    /// where this one does, and the words of --append.
    func consoleArguments() -> [String] { RunningKernel.consoleArguments() + KernelCommandLine(parsing: append ?? "").words }
}
