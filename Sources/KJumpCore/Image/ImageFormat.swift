/// Constants of the kjump image format (`docs/image-format.md`), shared by
/// `ImageWriter` and `ImageReader`.
///
/// An image is a sequence of 4 KiB blocks:
/// ```
/// 0        header block      (ImageHeader, first 4096 bytes of it)
/// 4096     state block       (ImageStateBlock: writing → committed → consumed)
/// 8192     header continued  (only when the header is longer than 4096 bytes)
/// F        frames            (each 4 KiB-aligned: 64-byte frame header + payload + zero padding)
/// I        index             (extents of the page set + one entry per frame)
/// E−4096   trailer           (ImageTrailer; E = image length, recorded in the committed state block)
/// ```
public enum ImageFormat {
    /// The unit of layout: every structure starts at a multiple of it and
    /// every write the writer makes is a multiple of it.
    public static let blockSize = 4096
    /// The version this code writes for an image that is not sealed.
    public static let currentVersion = ImageFormatVersion(major: 1, minor: 1)
    /// The version this code writes for a sealed image (frames encrypted and
    /// authenticated, `ImageSeal`), and the newest major version it reads.
    /// A format 1 reader must not read one: it would take the sealed frames
    /// for corrupt ones.
    public static let sealedVersion = ImageFormatVersion(major: 2, minor: 0)
    /// Byte offset of the state block. Fixed for every version, so that any
    /// tool can invalidate an image (mark it consumed) by rewriting one block.
    public static let stateBlockOffset: UInt64 = 4096
    /// Byte offset where a header longer than one block continues.
    public static let headerContinuationOffset: UInt64 = 8192
    /// The longest header a reader accepts (and a writer produces).
    public static let maximumHeaderLength = 1 << 20
    /// The default and the largest amount of page data compressed as one frame.
    public static let defaultFrameInputBytes = 1 << 20
    public static let maximumFrameInputBytes = 64 << 20

    static let headerMagic: [UInt8] = Array("KJUMPIMG".utf8)
    static let stateMagic: [UInt8] = Array("KJUMPSTA".utf8)
    static let indexMagic: [UInt8] = Array("KJUMPIDX".utf8)
    static let trailerMagic: [UInt8] = Array("KJUMPEND".utf8)
    static let frameMagic: [UInt8] = Array("KJFR".utf8)

    /// Where the first frame starts for a header of `headerLength` bytes:
    /// after the header block and the state block, and after the header's
    /// continuation blocks when it has any.
    public static func framesOffset(headerLength: Int) -> UInt64 {
        headerContinuationOffset + UInt64(roundUp(max(headerLength - blockSize, 0)))
    }

    /// `value` rounded up to a multiple of `blockSize`.
    static func roundUp(_ value: Int) -> Int {
        (value + blockSize - 1) / blockSize * blockSize
    }

    static func roundUp(_ value: UInt64) -> UInt64 {
        (value + UInt64(blockSize) - 1) / UInt64(blockSize) * UInt64(blockSize)
    }
}

/// A format version. Readers refuse a newer **major** version (the layout
/// changed incompatibly) and accept a newer **minor** version (only
/// additions that an older reader may safely ignore).
public struct ImageFormatVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var major: UInt16
    public var minor: UInt16

    public init(major: UInt16, minor: UInt16) {
        self.major = major
        self.minor = minor
    }

    public static func < (a: Self, b: Self) -> Bool { (a.major, a.minor) < (b.major, b.minor) }

    public var description: String { "\(major).\(minor)" }
}

/// The 16 random bytes that name one image. Core has no source of
/// randomness: the caller supplies them (KJumpLinux reads `/dev/urandom`).
public struct ImageID: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]

    /// `bytes` must hold exactly 16 bytes.
    public init(bytes: [UInt8]) {
        precondition(bytes.count == 16, "an image ID is 16 bytes, not \(bytes.count)")
        self.bytes = bytes
    }

    /// The ID spelled as `description` spells it; nil for any other text.
    public init?(uuid text: some StringProtocol) {
        let groups = text.split(separator: "-", omittingEmptySubsequences: false)
        guard groups.map(\.count) == [8, 4, 4, 4, 12], let bytes = HexText.decode(groups.joined()) else { return nil }
        self.init(bytes: bytes)
    }

    /// UUID text: 8-4-4-4-12 lowercase hexadecimal digits.
    public var description: String {
        [0..<4, 4..<6, 6..<8, 8..<10, 10..<16].map { HexText.bytes(bytes[$0]) }.joined(separator: "-")
    }
}
