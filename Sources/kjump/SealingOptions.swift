import ArgumentParser
import KJumpCore
import KJumpLinux

/// `--hibernation-key` and `--no-seal`: how `kjump hibernate` seals the image.
struct SealingOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The hibernation key that seals the image (made by 'kjump keygen'; default: hibernation-key in kjump.conf, else \(SealingKeyFiles.defaultHibernationKeyPath)).", valueName: "path"))
    var hibernationKey: String?

    @Flag(help: "Write the image unsealed (or 'seal = no' in kjump.conf): anyone who reads the resume device reads this system's memory, and anyone who writes it can change what resumes.")
    var noSeal = false

    /// The key `settings` name (the command line's over kjump.conf's), or nil
    /// when they say `seal = no`; a missing key says how to make one.
    static func key(_ settings: KJumpConfiguration) throws -> HibernationKey? {
        if settings.seal == false { return nil }
        let hibernationKey = settings.hibernationKey ?? SealingKeyFiles.defaultHibernationKeyPath
        guard SealingKeyFiles.exists(hibernationKey) else {
            throw SealingError.hibernationKeyMissing(path: hibernationKey)
        }
        return try SealingKeyFiles.hibernationKey(at: hibernationKey)
    }
}
