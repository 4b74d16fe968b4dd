import ArgumentParser
import KJumpCore
import KJumpLinux

/// `--region-mib`: the size of R's main block, shared by every command that plans R.
struct RegionOptions: ParsableArguments {
    @Option(name: .customLong("region-mib"), help: ArgumentHelp(
        "Size of the hibernation kernel's memory block at 1 MiB, in MiB (default: 80, whatever the RAM).", valueName: "MiB"))
    var regionMiB: UInt64?

    func validate() throws {
        if let regionMiB, !(64...4096).contains(regionMiB) {
            throw ValidationError("--region-mib must be between 64 and 4096")
        }
    }

    /// The H region these options describe.
    var region: HibernationRegion {
        HibernationRegion(mainBlockBytes: regionMiB.map { $0 << 20 } ?? HibernationRegion.defaultMainBlockBytes)
    }
}
