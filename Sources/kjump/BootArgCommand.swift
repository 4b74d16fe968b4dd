import ArgumentParser
import KJumpCore
import KJumpLinux

/// `kjump boot-arg KEY`: prints the value of KEY= from /proc/cmdline, quotes
/// removed (for the hibernation kernel's /init, which cannot parse quotes).
struct BootArgCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "boot-arg",
        abstract: "Print the value of KEY= on the kernel command line.",
        shouldDisplay: false
    )

    @Argument(help: "The key, e.g. kjump.exec.")
    var key: String

    func run() throws {
        guard let value = try HibernationKernelTasks.bootArgument(key) else { throw ExitCode.failure }
        print(value)
    }
}
