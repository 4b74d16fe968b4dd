import ArgumentParser
import KJumpCore
import KJumpLinux
#if canImport(Glibc)
import Glibc
#endif

/// `kjump jump-back`: in the hibernation kernel, return to the system kernel.
struct JumpBackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jump-back",
        abstract: "In the hibernation kernel: jump back into the system kernel.",
        discussion: "Reads the re-entry point from kjump.reentry= on the command line (written by kjump's purgatory)."
    )

    func run() throws {
        try HibernationKernelTasks.jumpBack()
    }
}
