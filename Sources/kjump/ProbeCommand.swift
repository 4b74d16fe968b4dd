import ArgumentParser
import KJumpCore
import KJumpLinux

/// `kjump probe`: in the hibernation kernel, read the system kernel's memory and check it.
struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "In the hibernation kernel: read the frozen system kernel's memory and check it.",
        discussion: """
            Opens /proc/vmcore, finds the kexec backup pages that hold the system \
            kernel's contents of the H region, prints the system kernel's release, \
            page size and RAM pages, and checks init_uts_ns against VMCOREINFO. \
            Exits non-zero on a mismatch.
            """
    )

    @Option(help: ArgumentHelp("The system kernel's memory as an ELF core.", valueName: "path"))
    var vmcore = "/proc/vmcore"

    @Option(help: ArgumentHelp(
        "Also write every page the probe read, with the command line, as a page recording (a file or a raw disk) for replay in tests.",
        valueName: "path"))
    var record: String?

    func run() throws {
        if try !HibernationKernelTasks.probe(vmcore: vmcore, record: record) { throw ExitCode.failure }
    }
}
