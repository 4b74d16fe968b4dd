import ArgumentParser
import KJumpCore

/// `--region-mib`: the size of R's main block, shared by every command that plans R.
struct RegionOptions: ParsableArguments {
    @Option(name: .customLong("region-mib"), help: ArgumentHelp(
        "Size of the hibernation kernel's memory block at 1 MiB, in MiB.", valueName: "MiB"))
    var regionMiB: UInt64 = HibernationRegion.defaultMainBlockBytes >> 20

    func validate() throws {
        guard (64...4096).contains(regionMiB) else {
            throw ValidationError("--region-mib must be between 64 and 4096")
        }
    }

    /// The H region these options describe.
    var region: HibernationRegion { HibernationRegion(mainBlockBytes: regionMiB << 20) }
}
