import ArgumentParser
import KJumpLinux

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
