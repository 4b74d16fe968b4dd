import ArgumentParser
import KJumpCore
import KJumpLinux

/// `kjump keygen`: the machine's hibernation key and the resume key that opens its images.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Make the keys that seal hibernation images.",
        discussion: """
            Writes two files, each readable by root only:

              the hibernation key (default \(SealingKeyFiles.defaultHibernationKeyPath)): \
            what 'kjump hibernate' seals images with, without asking anything;
              the resume key (default \(SealingKeyFiles.defaultResumeKeyPath)): what opens them. \
            Its private half is sealed by a passphrase (Argon2id), typed on the console at resume; \
            or, with --no-passphrase, kept as it is, for a file on a device that is not this \
            machine's (a USB key given at resume).

            Whoever holds the hibernation key can make images the resume key accepts, \
            but can open none: see docs/security.md.

            Examples:
              kjump keygen
              kjump keygen --no-passphrase --resume-key /media/usb/kjump-resume.key
            """
    )

    @Option(help: ArgumentHelp("Where to write the hibernation key.", valueName: "path"))
    var hibernationKey = SealingKeyFiles.defaultHibernationKeyPath

    @Option(help: ArgumentHelp("Where to write the resume key.", valueName: "path"))
    var resumeKey: String?

    @Flag(help: "Keep the resume key's private half unprotected, for a file on another device: give --resume-key.")
    var noPassphrase = false

    @Option(help: ArgumentHelp("Read the passphrase from the first line of this file instead of asking twice on the terminal.", valueName: "path"))
    var passphraseFile: String?

    @Option(help: "Memory for Argon2id, in MiB: the hibernation kernel must hold it at resume.")
    var argon2MemoryMib: UInt32 = Argon2idParameters.default.memoryKiB >> 10

    @Flag(help: "Replace existing key files (images sealed to the old keys can then no longer be opened).")
    var force = false

    func validate() throws {
        if noPassphrase, resumeKey == nil {
            throw ValidationError("--no-passphrase keeps the resume key unprotected: give --resume-key on a device that is not this machine's")
        }
        if noPassphrase, passphraseFile != nil { throw ValidationError("--no-passphrase and --passphrase-file contradict each other") }
        let parameters = Argon2idParameters(memoryKiB: argon2MemoryMib << 10, iterations: Argon2idParameters.default.iterations,
                                            parallelism: Argon2idParameters.default.parallelism)
        if let problem = parameters.problem { throw ValidationError(problem) }
    }

    func run() throws {
        let resumePath = resumeKey ?? SealingKeyFiles.defaultResumeKeyPath
        let parameters = Argon2idParameters(memoryKiB: argon2MemoryMib << 10, iterations: Argon2idParameters.default.iterations,
                                            parallelism: Argon2idParameters.default.parallelism)
        let (hibernation, resume) = try SealingKeyGeneration.generate(passphrase: try passphrase(), parameters: parameters)
        try SealingKeyFiles.create(resumePath, text: resume.text, replace: force)
        do {
            try SealingKeyFiles.create(hibernationKey, text: hibernation.text, replace: force)
        } catch {
            try? SealingKeyFiles.remove(resumePath)   // a failed step removes what it wrote
            throw error
        }
        print("kjump keygen: resume key \(resume.id) in \(resumePath)"
              + (resume.needsPassphrase ? " (protected by the passphrase)" : " (unprotected: keep it off this machine)"))
        print("kjump keygen: hibernation key \(hibernation.id) in \(hibernationKey): images are sealed to resume key \(resume.id)")
    }

    private func passphrase() throws -> [UInt8]? {
        if noPassphrase { return nil }
        if let passphraseFile { return try PassphrasePrompt.fromFile(passphraseFile) }
        let prompt = PassphrasePrompt()
        guard let first = try prompt.read("Passphrase for the resume key: "), !first.isEmpty else {
            throw ValidationError("an empty passphrase protects nothing: type one, or use --no-passphrase with --resume-key on another device")
        }
        guard try prompt.read("The same again: ") == first else { throw ValidationError("the two passphrases differ") }
        return first
    }
}
