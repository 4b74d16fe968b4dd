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

    @Option(help: ArgumentHelp("Instead of new keys: write this resume key again to --resume-key with a new protection (a new passphrase, or none with --no-passphrase). The keys stay the same, so images already sealed open with it.", valueName: "resume-key"))
    var reprotect: String?

    @Option(help: ArgumentHelp("With --reprotect: read the key's present passphrase from this file instead of asking.", valueName: "path"))
    var oldPassphraseFile: String?

    func validate() throws {
        if reprotect != nil, resumeKey == nil, !force {
            throw ValidationError("--reprotect writes the key to --resume-key; give it (or --force to rewrite the key in place)")
        }
        if noPassphrase, resumeKey == nil, reprotect == nil {
            throw ValidationError("--no-passphrase keeps the resume key unprotected: give --resume-key on a device that is not this machine's")
        }
        if noPassphrase, passphraseFile != nil { throw ValidationError("--no-passphrase and --passphrase-file contradict each other") }
        if let problem = parameters.problem { throw ValidationError(problem) }
    }

    func run() throws {
        let resumePath = resumeKey ?? SealingKeyFiles.defaultResumeKeyPath
        if let reprotect {
            let opened = try ResumeKeyOpener(passphraseFile: oldPassphraseFile).open(try SealingKeyFiles.resumeKey(at: reprotect)) { print("kjump: \($0)") }
            let resume = try opened.protected(passphrase: try passphrase(), parameters: parameters)
            try SealingKeyFiles.create(resumePath, text: resume.text, replace: force)
            print("kjump keygen: resume key \(resume.id) written again in \(resumePath)"
                  + (resume.needsPassphrase ? " (protected by the new passphrase)" : " (unprotected: keep it off this machine)"))
            return
        }
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

    private var parameters: Argon2idParameters {
        Argon2idParameters(memoryKiB: argon2MemoryMib << 10, iterations: Argon2idParameters.default.iterations,
                           parallelism: Argon2idParameters.default.parallelism)
    }

    private func passphrase() throws -> [UInt8]? {
        if noPassphrase { return nil }
        if let passphraseFile { return try PassphrasePrompt.fromFile(passphraseFile) }
        return try PassphrasePrompt().readNew()
    }
}
