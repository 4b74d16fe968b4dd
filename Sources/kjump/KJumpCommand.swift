import ArgumentParser
import KJumpCore
import KJumpLinux

/// The `kjump` command: hibernation and crash capture on kexec jump.
@main
struct KJumpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kjump",
        abstract: "Hibernate Linux and capture crash dumps through kexec jump.",
        discussion: """
            kjump jumps from the running kernel (the system kernel) into a small \
            hibernation kernel that saves the system's memory to disk and, at the \
            next boot, writes it back and jumps home. Start with 'kjump doctor' to \
            see whether this machine can do it.
            """,
        version: KJumpVersion.string,
        subcommands: [DoctorCommand.self, StatusCommand.self, SetupCommand.self, HibernateCommand.self, ResumeCommand.self, JumpCommand.self, CrashLoadCommand.self, SaveCommand.self, KeygenCommand.self, InspectCommand.self, VerifyCommand.self, ExportCommand.self, DmesgCommand.self, ProbeCommand.self, JumpBackCommand.self, SaveHibernationCommand.self, BootArgCommand.self, BootIdentityCommand.self, ResumeEntryCommand.self]
    )

    /// Runs the command with standard output flushed at each line: when
    /// systemd runs kjump (systemctl hibernate, kjump-crash.service) its
    /// output goes to the journal through a pipe, which stdio would buffer to
    /// the end, stamping every line with the time kjump exited. Freed image
    /// frames stay in malloc's heap for the next ones
    /// (`ProcessMemory.keepFreedFramesInHeap`).
    static func main() {
        StandardOutput.flushEachLine()
        ProcessMemory.keepFreedFramesInHeap()
        main(nil)
    }
}
