/// What an image holds.
public enum ImageKind: UInt16, Sendable, CaseIterable, CustomStringConvertible {
    /// A hibernation image: the restorer writes it back and jumps to the re-entry point.
    case hibernation = 1
    /// A crash dump saved after a panic: read and exported, never resumed.
    case crash = 2

    public var description: String {
        switch self {
        case .hibernation: "hibernation"
        case .crash: "crash"
        }
    }
}

/// How frames are compressed. The header names the codec the writer was
/// asked for; every frame records the codec it actually used (a frame that
/// does not compress is stored with `.none`).
public enum ImageCompression: UInt16, Sendable, CaseIterable, CustomStringConvertible {
    case none = 0
    case lz4 = 1
    case zstd = 2

    public var description: String {
        switch self {
        case .none: "none"
        case .lz4: "lz4"
        case .zstd: "zstd"
        }
    }

    /// Parses "none", "lz4" or "zstd".
    public init?(name: some StringProtocol) {
        guard let match = Self.allCases.first(where: { $0.description == name }) else { return nil }
        self = match
    }
}

/// Which system kernel an image belongs to: the restorer refuses to write
/// an image back under a kernel build other than the one that made it.
public struct SystemKernelIdentity: Sendable, Equatable {
    /// `OSRELEASE` from VMCOREINFO (`uname -r`), e.g. "6.12.117-kjump".
    public var osRelease: String
    /// XXH3-128 of the whole VMCOREINFO text: it changes with any rebuild
    /// (symbol addresses, structure layouts, BUILD-ID).
    public var vmcoreinfoXXH3: ImageHash128

    public init(osRelease: String, vmcoreinfoXXH3: ImageHash128) {
        self.osRelease = osRelease
        self.vmcoreinfoXXH3 = vmcoreinfoXXH3
    }

    /// The identity of the kernel whose VMCOREINFO text is `vmcoreinfo`
    /// (the note's bytes, as `/sys/kernel/vmcoreinfo`'s address points at them).
    public init(osRelease: String, vmcoreinfo: [UInt8]) {
        self.init(osRelease: osRelease, vmcoreinfoXXH3: ImageChecksum.xxh128(vmcoreinfo))
    }
}

/// One `key=value` note in the header: free-form facts for people and
/// tools (hostname, kjump version, filesystem identities, dump level…).
public struct ImageNote: Sendable, Equatable, CustomStringConvertible {
    /// Not empty, without "=".
    public var key: String
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }

    public var description: String { key + "=" + value }
}

extension ImageNote {
    /// The note that holds the system kernel's VMCOREINFO text (for `kjump export`).
    public static let vmcoreinfoKey = "vmcoreinfo"

    /// The VMCOREINFO note of an ELF note descriptor (trailing NULs dropped).
    public static func vmcoreinfo(descriptor: [UInt8]) -> ImageNote {
        ImageNote(key: vmcoreinfoKey, value: String(decoding: descriptor.prefix { $0 != 0 }, as: UTF8.self))
    }
}

/// The image header: everything known before the first page is written.
/// Encoded at byte 0 (continuing at 8192 when longer than one block),
/// little-endian, with its own XXH3-64 checksum. See `docs/image-format.md`.
public struct ImageHeader: Sendable, Equatable {
    /// The format version of the file (as read); the writer writes
    /// `ImageFormat.currentVersion`, or `sealedVersion` when `sealing` is set.
    public var version: ImageFormatVersion
    /// The image's name; the state block, trailer and chain checksum are bound to it.
    public var imageID: ImageID
    public var kind: ImageKind
    /// Unix seconds, supplied by the caller.
    public var createdAt: Int64
    /// Bytes per page: a power of two, at least 4096.
    public var pageSize: Int
    /// The codec the writer compresses frames with.
    public var compression: ImageCompression
    /// The codec's level; 0 means the codec's default (lz4: acceleration 1, zstd: level 1).
    public var compressionLevel: Int32
    /// The most page data one frame holds (a multiple of `pageSize`).
    public var frameInputBytes: Int
    public var systemKernel: SystemKernelIdentity
    /// Physical address where the system kernel continues after the jump back (0 for crash dumps).
    public var reentryPoint: UInt64
    /// R, the ranges the hibernation kernel owned while saving (empty if not applicable).
    public var hibernationRegion: HibernationRegion
    /// The system kernel's firmware memory map, in full.
    public var firmwareMemoryMap: [E820Entry]
    /// The command line the restorer kernel must boot with.
    public var resumeCommandLine: String
    public var notes: [ImageNote]
    /// How the frames are sealed (record 6, format 2); nil for an image that is not sealed.
    public var sealing: ImageSealingRecord?

    /// Whether the frames are encrypted and authenticated.
    public var isSealed: Bool { sealing != nil }

    public init(imageID: ImageID, kind: ImageKind, createdAt: Int64,
                pageSize: Int = 4096,
                compression: ImageCompression = .lz4, compressionLevel: Int32 = 0,
                frameInputBytes: Int = ImageFormat.defaultFrameInputBytes,
                systemKernel: SystemKernelIdentity, reentryPoint: UInt64,
                hibernationRegion: HibernationRegion, firmwareMemoryMap: [E820Entry],
                resumeCommandLine: String, notes: [ImageNote] = [], sealing: ImageSealingRecord? = nil) {
        self.version = ImageFormat.currentVersion
        self.imageID = imageID
        self.kind = kind
        self.createdAt = createdAt
        self.pageSize = pageSize
        self.compression = compression
        self.compressionLevel = compressionLevel
        self.frameInputBytes = frameInputBytes
        self.systemKernel = systemKernel
        self.reentryPoint = reentryPoint
        self.hibernationRegion = hibernationRegion
        self.firmwareMemoryMap = firmwareMemoryMap
        self.resumeCommandLine = resumeCommandLine
        self.notes = notes
        self.sealing = sealing
    }

    /// The version an image with this header is written in.
    public var versionForWriting: ImageFormatVersion {
        sealing == nil ? ImageFormat.currentVersion : ImageFormat.sealedVersion
    }

    /// XXH3-64 of the map packed as `E820.encode` packs it (20 bytes per entry).
    public static func checksum(ofFirmwareMemoryMap entries: [E820Entry]) -> UInt64 {
        ImageChecksum.xxh3(E820.encode(entries))
    }

    /// The recorded map's checksum, as the header stores it.
    public var firmwareMemoryMapChecksum: UInt64 { Self.checksum(ofFirmwareMemoryMap: firmwareMemoryMap) }

    /// The value of the first note named `key`.
    public func note(_ key: String) -> String? {
        notes.first { $0.key == key }?.value
    }
}

extension ImageNote {
    /// The note that holds the dumped kernel's ELF notes other than
    /// VMCOREINFO (one `NT_PRSTATUS` per CPU after a crash…), for `kjump
    /// export` and `kjump inspect`: lowercase hex of the notes encoded as in
    /// a `PT_NOTE` segment.
    public static let elfNotesKey = "elf-notes"

    /// The `elf-notes` note holding `notes` (nil when there are none).
    public static func elfNotes(_ notes: [ElfNote]) -> ImageNote? {
        guard !notes.isEmpty else { return nil }
        let bytes = notes.flatMap { ElfNoteEncoding.encode(name: $0.name, type: $0.type, descriptor: $0.descriptor) }
        return ImageNote(key: elfNotesKey, value: HexText.bytes(bytes))
    }
}

extension ImageHeader {
    /// The ELF notes recorded in the `elf-notes` note, encoded as in a
    /// `PT_NOTE` segment (empty when the image has none or the note is not
    /// even-length hex).
    public var elfNoteBytes: [UInt8] {
        guard let text = note(ImageNote.elfNotesKey) else { return [] }
        return HexText.decode(text) ?? []
    }
}
