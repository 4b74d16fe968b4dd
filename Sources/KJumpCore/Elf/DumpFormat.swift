/// The files that hold a kernel's memory, told apart by their first bytes.
public enum DumpFormat: Sendable, Equatable, CustomStringConvertible {
    /// An ELF core: `/proc/vmcore`, a QEMU `dump-guest-memory`, `kjump export --elf`.
    case elfCore
    /// A kjump image (`KJUMPIMG`): a crash dump or a hibernation image.
    case kjumpImage

    /// Bytes `init(magic:)` needs.
    public static let magicLength = 8

    /// The format whose magic `magic` starts with; nil for anything else.
    public init?(magic: [UInt8]) {
        if magic.starts(with: [0x7f, 0x45, 0x4c, 0x46]) {
            self = .elfCore
        } else if magic.starts(with: ImageFormat.headerMagic) {
            self = .kjumpImage
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .elfCore: "ELF vmcore"
        case .kjumpImage: "kjump image"
        }
    }
}
