import ArgumentParser
import KJumpCore
import KJumpLinux

/// `kjump status`: is hibernation ready, and if not, why.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Say whether 'kjump hibernate' (and so 'systemctl hibernate') would go ahead now, and why not.",
        discussion: """
            Reads /etc/kjump/kjump.conf (or --config) and checks what a plain \
            'kjump hibernate' needs: the doctor's kernel and memory checks for \
            hibernation, the hibernation kernel, the resume device or resume \
            file and its room against the memory in use, the hibernation key \
            (or seal = no), the GRUB entry for the resume boot. Prints one line \
            per check ('ok', 'warn' or 'fail') and a last line 'hibernation: \
            ready' or 'hibernation: not ready'; exits 0 only when ready.
            """
    )

    @Option(name: .customLong("config"), help: ArgumentHelp(
        "The configuration to check (default: \(KJumpConfiguration.defaultPath)).", valueName: "path"))
    var configPath: String?

    @Option(name: .customLong("kernel"), help: ArgumentHelp("The hibernation kernel.", valueName: "path"))
    var kernelPath = "/usr/lib/kjump/hibernation.bzImage"

    @Flag(help: "Print the report as one JSON object.")
    var json = false

    func run() throws {
        let report = HibernationReadiness.read(configurationPath: configPath, kernelPath: kernelPath, region: nil)
        if json {
            print(report.renderJSON())
        } else {
            print(report.renderText())
            let problems = report.checks.filter { $0.status == .fail }.count
            print(report.passed ? "hibernation: ready" : "hibernation: not ready (\(problems) problem\(problems == 1 ? "" : "s") above)")
        }
        if !report.passed { throw ExitCode.failure }
    }
}
