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

    func run() throws {
        let context = try HibernationKernelContext.current()
        let memory = try SystemKernelMemory.open(vmcore: vmcore, context: context)
        let probe = try SystemKernelProbe.run(memory: memory.regionAware, loads: memory.outsideRegion.ranges,
                                              region: context.region, vmcoreinfo: context.vmcoreinfo)
        print(probe.render())
        if !probe.releasesMatch { throw ExitCode.failure }
    }
}
