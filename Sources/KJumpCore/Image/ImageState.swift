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
/// ```
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

    public init(state: ImageState, imageID: ImageID, headerChecksum: UInt64, imageLength: UInt64,
                startedAt: Int64, committedAt: Int64? = nil, consumedAt: Int64? = nil) {
        self.state = state
        self.imageID = imageID
        self.headerChecksum = headerChecksum
        self.imageLength = imageLength
        self.startedAt = startedAt
        self.committedAt = committedAt
        self.consumedAt = consumedAt
    }

    /// The same block marked consumed at `time` (unix seconds). The restorer
    /// writes `consumed(at:).encoded()` at `offset`, and makes it durable,
    /// before it writes the first page back.
    public func consumed(at time: Int64) -> ImageStateBlock {
        var copy = self
        copy.state = .consumed
        copy.consumedAt = time
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
            throw .stateCorrupt(offset: offset, reason: "its checksum is \(imageChecksumText(computed)) but it records \(imageChecksumText(recorded))")
        }
        let rawState = bytes.imageLoad(UInt32.self, at: 16)
        guard let state = ImageState(rawValue: rawState) else {
            throw .stateCorrupt(offset: offset + 16, reason: "the state \(rawState) is unknown (1 writing, 2 committed, 3 consumed)")
        }
        let committedAt = bytes.imageLoad(Int64.self, at: 64)
        let consumedAt = bytes.imageLoad(Int64.self, at: 72)
        self.init(state: state, imageID: ImageID(bytes: Array(bytes[24..<40])),
                  headerChecksum: bytes.imageLoad(UInt64.self, at: 40),
                  imageLength: bytes.imageLoad(UInt64.self, at: 48),
                  startedAt: bytes.imageLoad(Int64.self, at: 56),
                  committedAt: committedAt == 0 ? nil : committedAt,
                  consumedAt: consumedAt == 0 ? nil : consumedAt)
    }
}
