import ArgumentParser
import KJumpCore
import KJumpLinux

/// `--hibernation-key` and `--no-seal`: how `kjump hibernate` seals the image.
struct SealingOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The hibernation key that seals the image (made by 'kjump keygen').", valueName: "path"))
    var hibernationKey = SealingKeyFiles.defaultHibernationKeyPath

    @Flag(help: "Write the image unsealed: anyone who reads the resume device reads this system's memory, and anyone who writes it can change what resumes.")
    var noSeal = false

    /// The key, or nil with --no-seal; a missing key says how to make one.
    func key() throws -> HibernationKey? {
        if noSeal { return nil }
        guard SealingKeyFiles.exists(hibernationKey) else {
            throw ValidationError("there is no hibernation key at \(hibernationKey): make one with 'kjump keygen', or hibernate unsealed with --no-seal")
        }
        return try SealingKeyFiles.hibernationKey(at: hibernationKey)
    }
}
