import Crypto

/// What the boot loader starts as the system kernel, by digest: the SHA-256
/// of the kernel image file and of the command line. Recorded in the image
/// at hibernation (kjump's note: `system-kernel`, `system-cmdline`) and given
/// again by the resume boot entry (`kjump.system-kernel=`,
/// `kjump.system-cmdline=`), written when the boot loader's configuration is
/// (`kjump boot-identity`). A resume whose entry describes another kernel or
/// command line is refused: the user installed a new kernel or changed the
/// command line since, and resuming would silently bring the old one back.
public struct SystemBootIdentity: Sendable, Equatable {
    /// SHA-256 of the kernel image file, lowercase hex; nil when it was not found.
    public var kernelDigest: String?
    /// SHA-256 of the command line's words (see `commandLineDigest(of:)`), lowercase hex.
    public var commandLineDigest: String

    public init(kernelDigest: String?, commandLineDigest: String) {
        self.kernelDigest = kernelDigest
        self.commandLineDigest = commandLineDigest
    }

    /// The identity of a kernel image (its bytes, if known) booted with `commandLine`.
    public init(kernelImage: [UInt8]?, commandLine: String) {
        self.init(kernelDigest: kernelImage.map { HexText.bytes(SHA256.hash(data: $0)) },
                  commandLineDigest: Self.commandLineDigest(of: commandLine))
    }

    /// SHA-256 of a kernel image read in pieces (a vmlinux can be hundreds of MiB).
    public struct KernelImageDigest {
        private var hash = SHA256()
        public init() {}
        public mutating func update(_ bytes: UnsafeRawBufferPointer) { hash.update(bufferPointer: bytes) }
        /// Lowercase hex.
        public consuming func finish() -> String { HexText.bytes(hash.finalize()) }
    }

    /// Words a boot loader adds that say nothing about the running system
    /// (GRUB's `BOOT_IMAGE=`, EFI stubs' `initrd=`): left out of the digest,
    /// so that a boot entry's command line and `/proc/cmdline` agree.
    public static let loaderWords = ["BOOT_IMAGE=", "initrd="]

    /// SHA-256 of the command line split as the kernel splits it, the
    /// boot loader's words left out, each word ended by a newline: spacing
    /// and quoting that do not change the words do not change the digest.
    public static func commandLineDigest(of commandLine: String) -> String {
        let words = KernelCommandLine(parsing: commandLine).words
            .filter { word in !loaderWords.contains { word.hasPrefix($0) } }
        return HexText.bytes(SHA256.hash(data: Array(words.map { $0 + "\n" }.joined().utf8)))
    }

    /// The note fields H copies into the image.
    public var noteFields: [String: String] {
        var fields = ["system-cmdline": commandLineDigest]
        if let kernelDigest { fields["system-kernel"] = kernelDigest }
        return fields
    }

    /// The identity recorded in an image's notes; nil when it records none (an
    /// image made without it).
    public init?(note: (String) -> String?) {
        guard let commandLine = note("system-cmdline"), !commandLine.isEmpty else { return nil }
        let kernel = note("system-kernel")
        self.init(kernelDigest: kernel?.isEmpty == false ? kernel : nil, commandLineDigest: commandLine)
    }

    /// The words a resume boot entry carries for H to compare.
    public var resumeCommandLineWords: [String] {
        (kernelDigest.map { ["kjump.system-kernel=\($0)"] } ?? []) + ["kjump.system-cmdline=\(commandLineDigest)"]
    }

    /// What the resume boot entry says of the system kernel now.
    public struct Expected: Sendable, Equatable {
        public var kernelDigest: String?
        public var commandLineDigest: String?

        public init(kernelDigest: String?, commandLineDigest: String?) {
            self.kernelDigest = kernelDigest
            self.commandLineDigest = commandLineDigest
        }

        /// From H's command line (`kjump.system-kernel=`, `kjump.system-cmdline=`).
        public init(commandLine: KernelCommandLine) {
            self.init(kernelDigest: commandLine.value(of: "kjump.system-kernel"),
                      commandLineDigest: commandLine.value(of: "kjump.system-cmdline"))
        }

        /// True when the entry names neither: nothing to compare.
        public var isEmpty: Bool { kernelDigest == nil && commandLineDigest == nil }
    }

    /// Why an image whose recorded identity is `recorded` must not resume
    /// under a boot entry expecting `expected`, as a sentence; nil when it may.
    /// What the entry names must match; an image that records nothing cannot
    /// be checked, and is refused when the entry names anything.
    public static func mismatch(recorded: SystemBootIdentity?, expected: Expected) -> String? {
        if expected.isEmpty { return nil }
        guard let recorded else {
            return "the image does not record which system kernel and command line hibernated, so the boot entry's cannot be checked against them"
        }
        if let kernel = expected.kernelDigest {
            guard let hibernated = recorded.kernelDigest else {
                return "the image does not record the system kernel's image (kjump hibernate did not find it), so the kernel the boot entry names cannot be checked against it"
            }
            if kernel.lowercased() != hibernated {
                return "the system kernel changed since hibernation: the boot entry now starts a kernel image with SHA-256 \(kernel.prefix(16))…, the image was made by one with \(hibernated.prefix(16))… (a new kernel was installed?)"
            }
        }
        if let commandLine = expected.commandLineDigest, commandLine.lowercased() != recorded.commandLineDigest {
            return "the system kernel's command line changed since hibernation: the boot entry's has SHA-256 \(commandLine.prefix(16))…, the hibernated kernel's \(recorded.commandLineDigest.prefix(16))…"
        }
        return nil
    }
}
