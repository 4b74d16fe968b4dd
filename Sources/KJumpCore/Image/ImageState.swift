/// Where an image is in its life. Only `committed` may be resumed.
public enum ImageState: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    /// The writer has started; frames may be missing. Never resumable.
    case writing = 1
    /// The writer finished: the trailer and index are durable and complete.
    case committed = 2
    /// A restorer took the image (before writing its first page back): never resume it again.
    case consumed = 3

    public var description: String {
        switch self {
        case .writing: "writing"
        case .committed: "committed"
        case .consumed: "consumed"
        }
    }
}

/// The state block: the one 4 KiB block of an image that changes after it
/// is written, at the fixed offset `ImageStateBlock.offset` (4096), so that
/// KJumpLinux can rewrite it alone with one aligned 4 KiB (O_DIRECT) write.
///
/// Layout (little-endian, the rest of the block zero):
/// ```
/// 0   8  magic "KJUMPSTA"
/// 8   8  XXH3-64 of the 4096-byte block with this field zeroed
/// 16  4  state: 1 writing, 2 committed, 3 consumed
/// 20  4  reserved, zero
/// 24 16  image ID (must equal the header's)
/// 40  8  header checksum (must equal the header's)
/// 48  8  image length E in bytes: the trailer is the block at E − 4096 (0 while writing)
/// 56  8  started at   (i64 unix seconds)
/// 64  8  committed at (i64 unix seconds, 0 = not yet)
/// 72  8  consumed at  (i64 unix seconds, 0 = not yet)
/// 80  4  failure length n (0 = none), at most 1024
/// 84  n  failure: why the writer stopped, UTF-8 (only in a `writing` image)
/// 1112 8  saved in:    ms the writing kernel had run at the commit (0 = not recorded)
/// 1120 8  restored in: ms the restoring kernel had run when it marked the image consumed (0 = not recorded)
/// ```
/// The failure and the two times came later than the rest: writers before
/// them left these bytes zero (none), and readers before them ignore them
/// (the checksum covers them either way), so the format version did not change.
public struct ImageStateBlock: Sendable, Equatable {
    /// Byte offset of the state block in every image.
    public static let offset: UInt64 = ImageFormat.stateBlockOffset
    /// Size of the block in bytes.
    public static let size = ImageFormat.blockSize

    public var state: ImageState
    public var imageID: ImageID
    /// The header checksum of the image this block belongs to.
    public var headerChecksum: UInt64
    /// Length of the committed image in bytes; 0 while writing.
    public var imageLength: UInt64
    public var startedAt: Int64
    public var committedAt: Int64?
    public var consumedAt: Int64?
    /// Why the writer stopped before the commit (`ImageWriter.abandon`), for the
    /// system kernel to report after the hibernation kernel jumped back.
    public var failure: String?
    /// How long the hibernation kernel had run (CLOCK_BOOTTIME, milliseconds)
    /// when it committed the image: its boot after the jump, and the save.
    public var savedInMilliseconds: UInt64?
    /// How long the hibernation kernel had run when it marked the image
    /// consumed, every page in place: its boot, the checks and the restore.
    public var restoredInMilliseconds: UInt64?
    /// The longest failure text kept, in bytes (longer ones are cut at a character boundary).
    public static let maximumFailureBytes = 1024
    /// Where the two times are, after the longest failure text.
    static let savedInOffset = 1112, restoredInOffset = 1120

    public init(state: ImageState, imageID: ImageID, headerChecksum: UInt64, imageLength: UInt64,
                startedAt: Int64, committedAt: Int64? = nil, consumedAt: Int64? = nil, failure: String? = nil,
                savedInMilliseconds: UInt64? = nil, restoredInMilliseconds: UInt64? = nil) {
        self.state = state
        self.imageID = imageID
        self.headerChecksum = headerChecksum
        self.imageLength = imageLength
        self.startedAt = startedAt
        self.committedAt = committedAt
        self.consumedAt = consumedAt
        self.failure = failure
        self.savedInMilliseconds = savedInMilliseconds
        self.restoredInMilliseconds = restoredInMilliseconds
    }

    /// The same block marked consumed at `time` (unix seconds), with the
    /// restoring kernel's run time so far. The restorer writes it at
    /// `offset`, durably, once every page is in place and before it jumps back.
    public func consumed(at time: Int64, restoredInMilliseconds: UInt64? = nil) -> ImageStateBlock {
        var copy = self
        copy.state = .consumed
        copy.consumedAt = time
        copy.restoredInMilliseconds = restoredInMilliseconds
        return copy
    }

    /// Exactly `size` bytes.
    public func encoded() -> [UInt8] {
        var out = ImageByteWriter(capacity: Self.size)
        out.put(ImageFormat.stateMagic)
        out.put(UInt64(0))
        out.put(state.rawValue)
        out.put(UInt32(0))
        out.put(imageID.bytes)
        out.put(headerChecksum)
        out.put(imageLength)
        out.put(startedAt)
        out.put(committedAt ?? 0)
        out.put(consumedAt ?? 0)
        let failureBytes = Self.truncatedUTF8(failure ?? "", maximumBytes: Self.maximumFailureBytes)
        out.put(UInt32(failureBytes.count))
        out.put(failureBytes)
        out.zeros(Self.savedInOffset - out.count)
        out.put(savedInMilliseconds ?? 0)
        out.put(restoredInMilliseconds ?? 0)
        out.zeros(Self.size - out.count)
        out.set(ImageChecksum.xxh3(out.bytes), at: 8)
        return out.bytes
    }

    /// Decodes a state block; `bytes` must be the whole block.
    public init(decoding bytes: [UInt8]) throws(ImageError) {
        let offset = Self.offset
        guard bytes.count == Self.size else {
            throw .stateCorrupt(offset: offset, reason: "it has \(bytes.count) bytes instead of \(Self.size)")
        }
        guard Array(bytes[0..<8]) == ImageFormat.stateMagic else {
            throw .stateCorrupt(offset: offset, reason: "it does not start with \"KJUMPSTA\"")
        }
        let recorded = bytes.imageLoad(UInt64.self, at: 8)
        var zeroed = bytes
        zeroed.imageStore(UInt64(0), at: 8)
        let computed = ImageChecksum.xxh3(zeroed)
        guard recorded == computed else {
            throw .stateCorrupt(offset: offset, reason: "its checksum is \(HexText.number(computed, digits: 16)) but it records \(HexText.number(recorded, digits: 16))")
        }
        let rawState = bytes.imageLoad(UInt32.self, at: 16)
        guard let state = ImageState(rawValue: rawState) else {
            throw .stateCorrupt(offset: offset + 16, reason: "the state \(rawState) is unknown (1 writing, 2 committed, 3 consumed)")
        }
        let committedAt = bytes.imageLoad(Int64.self, at: 64)
        let consumedAt = bytes.imageLoad(Int64.self, at: 72)
        let failureLength = Int(bytes.imageLoad(UInt32.self, at: 80))
        guard failureLength <= Self.maximumFailureBytes else {
            throw .stateCorrupt(offset: offset + 80, reason: "its failure text is \(failureLength) bytes long, more than \(Self.maximumFailureBytes)")
        }
        let savedIn = bytes.imageLoad(UInt64.self, at: Self.savedInOffset)
        let restoredIn = bytes.imageLoad(UInt64.self, at: Self.restoredInOffset)
        self.init(state: state, imageID: ImageID(bytes: Array(bytes[24..<40])),
                  headerChecksum: bytes.imageLoad(UInt64.self, at: 40),
                  imageLength: bytes.imageLoad(UInt64.self, at: 48),
                  startedAt: bytes.imageLoad(Int64.self, at: 56),
                  committedAt: committedAt == 0 ? nil : committedAt,
                  consumedAt: consumedAt == 0 ? nil : consumedAt,
                  failure: failureLength == 0 ? nil : String(decoding: bytes[84..<84 + failureLength], as: UTF8.self),
                  savedInMilliseconds: savedIn == 0 ? nil : savedIn, restoredInMilliseconds: restoredIn == 0 ? nil : restoredIn)
    }

    /// The UTF-8 of `text`, cut to at most `maximumBytes` without splitting a character.
    static func truncatedUTF8(_ text: String, maximumBytes: Int) -> [UInt8] {
        var out: [UInt8] = []
        for character in text {
            let utf8 = Array(String(character).utf8)
            if out.count + utf8.count > maximumBytes { break }
            out += utf8
        }
        return out
    }
}
