import ArgumentParser
import KJumpCore
import KJumpLinux

/// `--key` and `--passphrase-file`: how a reader opens a sealed image.
struct KeyOptions: ParsableArguments {
    @Option(name: .customLong("key"),
            help: ArgumentHelp("The resume key that opens a sealed image (made by 'kjump keygen'). With it, an image that is not sealed is refused.",
                               valueName: "resume-key"))
    var keyPath: String?

    @Option(help: ArgumentHelp("Read the resume key's passphrase from the first line of this file instead of asking on the terminal.",
                               valueName: "path"))
    var passphraseFile: String?

    func validate() throws {
        if passphraseFile != nil, keyPath == nil { throw ValidationError("--passphrase-file goes with --key") }
    }

    /// The opened key, when `--key` was given (asks for its passphrase, three tries).
    func unwrapper() throws -> (any ImageKeyUnwrapper)? {
        guard let keyPath else { return nil }
        return try ResumeKeyOpener(passphraseFile: passphraseFile).unwrapper(keyPath: keyPath) { print("kjump: \($0)") }
    }
}
