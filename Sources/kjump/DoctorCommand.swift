import ArgumentParser
import KJumpCore
import KJumpLinux
import Logging

/// `kjump doctor`: checks this machine's prerequisites.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check that this machine can hibernate and capture crashes with kjump.",
        discussion: """
            Prints one line per check: 'ok', 'warn' or 'fail', what was checked, \
            and what was found or what to do. Exits 0 when no check fails.
            Checks: x86-64, root, kernel options (CONFIG_KEXEC_JUMP, \
            CONFIG_HIBERNATION, CONFIG_CRASH_DUMP, CONFIG_PROC_VMCORE from \
            /proc/config.gz or /boot/config-$(uname -r)), kernel lockdown, \
            kexec_load_disabled, /sys/kernel/vmcoreinfo, free memory for the \
            hibernation kernel's region, the resume device, the crashkernel= \
            reservation.
            """
    )

    @Flag(help: "Print the report as one JSON object.")
    var json = false

    @Option(name: .customLong("resume-device"), help: ArgumentHelp(
        "The partition or disk hibernation images go to.", valueName: "device"))
    var resumeDevice: String?

    @OptionGroup var regionOptions: RegionOptions

    func run() throws {
        let logger = Logger(label: "kjump.doctor")
        let facts = SystemFactsReader().read(resumeDevicePath: resumeDevice)
        logger.debug("facts gathered", metadata: ["release": "\(facts.kernelRelease)"])
        let report = Doctor(region: regionOptions.region).evaluate(facts)
        print(json ? report.renderJSON() : report.renderText())
        if !report.passed { throw ExitCode.failure }
    }
}
