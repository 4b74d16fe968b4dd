#if canImport(Glibc)
import Glibc
#endif
import KJumpCore
import SystemPackage

/// Reads a passphrase from a terminal without echoing it: the user's
/// terminal for `kjump keygen`, the console in the hibernation kernel.
public struct PassphrasePrompt {
    /// The terminal to read from and write the prompt to.
    public var terminal: String

    public init(terminal: String = "/dev/tty") {
        self.terminal = terminal
    }

    /// Prints `prompt` and reads one line with echo off; nil at end of input.
    public func read(_ prompt: String) throws(KJumpLinuxError) -> [UInt8]? {
        let fd = open(terminal, O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { throw .open(path: terminal, errno: Errno(rawValue: errno)) }
        defer { close(fd) }
        var saved = termios()
        let isTerminal = tcgetattr(fd, &saved) == 0
        if isTerminal {
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            quiet.c_lflag |= tcflag_t(ECHONL)
            tcsetattr(fd, TCSAFLUSH, &quiet)
        }
        defer { if isTerminal { tcsetattr(fd, TCSAFLUSH, &saved) } }
        let text = Array(prompt.utf8)
        _ = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let count = Glibc.read(fd, &byte, 1)
            if count < 0, errno == EINTR { continue }
            if count < 0 { throw .read(path: terminal, errno: Errno(rawValue: errno)) }
            if count == 0 { return line.isEmpty ? nil : line }
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") { return line }
            line.append(byte)
        }
    }

    /// A new passphrase, typed twice; throws when empty or the two differ.
    public func readNew() throws -> [UInt8] {
        guard let first = try read("Passphrase for the resume key: "), !first.isEmpty else {
            throw SealingError.malformedKeyFile(what: "the passphrase", reason: "it is empty, which protects nothing: type one, or use --no-passphrase with --resume-key on another device")
        }
        guard try read("The same again: ") == first else {
            throw SealingError.malformedKeyFile(what: "the passphrase", reason: "the two passphrases typed differ")
        }
        return first
    }

    /// The passphrase kept in `path` (its first line), for scripts and the lab.
    public static func fromFile(_ path: String) throws(KJumpLinuxError) -> [UInt8] {
        let text = try KernelFile.readText(path)
        return Array((text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? "").utf8)
    }
}

/// Opens a resume key: as it is, or with a passphrase from a file or typed
/// at a prompt, up to `tries` times (each wrong one is said on the terminal).
public struct ResumeKeyOpener {
    public var passphraseFile: String?
    public var prompt: PassphrasePrompt
    public var tries: Int

    public init(passphraseFile: String? = nil, prompt: PassphrasePrompt = PassphrasePrompt(), tries: Int = 3) {
        self.passphraseFile = passphraseFile
        self.prompt = prompt
        self.tries = tries
    }

    /// The resume key at `path`, opened, as an unwrapper for `ImageReader`.
    public func unwrapper(keyPath path: String, say: (String) -> Void = { _ in }) throws -> ResumeKeyUnwrapper {
        ResumeKeyUnwrapper(key: try open(try SealingKeyFiles.resumeKey(at: path), say: say))
    }

    /// The opened key, or `SealingError.wrongPassphrase` after the last try.
    public func open(_ key: ResumeKey, say: (String) -> Void = { _ in }) throws -> OpenedResumeKey {
        guard key.needsPassphrase else { return try key.open() }
        if let passphraseFile { return try key.open(passphrase: try PassphrasePrompt.fromFile(passphraseFile)) }
        for attempt in 1...max(tries, 1) {
            guard let passphrase = try prompt.read("Passphrase for resume key \(key.id): ") else { break }
            do { return try key.open(passphrase: passphrase) } catch SealingError.wrongPassphrase {
                say(attempt < tries ? "wrong passphrase: \(tries - attempt) \(tries - attempt == 1 ? "try" : "tries") left" : "wrong passphrase: no tries left")
            }
        }
        throw SealingError.wrongPassphrase
    }
}
