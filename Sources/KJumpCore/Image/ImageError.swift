/// Why an image cannot be read, resumed or trusted. Every description is a
/// sentence that names the byte offset (and, for frames, the physical
/// address) where the reader found the problem.
public enum ImageError: Error, Equatable, CustomStringConvertible {
    /// The first block is all zeros: no image was ever written here (or it was wiped).
    case empty
    /// The first 8 bytes are not `KJUMPIMG`: this is not a kjump image.
    case foreign(magic: [UInt8])
    /// The image's major version is one this reader does not know.
    case unsupportedVersion(found: ImageFormatVersion, supported: ImageFormatVersion)
    /// The source ends before a structure the image needs.
    case truncated(what: String, offset: UInt64, count: Int, sourceSize: UInt64)
    /// The header's checksum does not match its bytes.
    case headerChecksumMismatch(recorded: UInt64, computed: UInt64)
    /// A header field is malformed or out of range.
    case headerCorrupt(offset: UInt64, reason: String)
    /// The state block is malformed or its checksum fails.
    case stateCorrupt(offset: UInt64, reason: String)
    /// The state block (or trailer) belongs to another image than the header: a stale leftover.
    case stale(what: String, offset: UInt64, found: ImageID, expected: ImageID)
    /// The image was never committed (the writer did not finish).
    case notCommitted(ImageState)
    /// The image is sound but must not be resumed.
    case notResumable(reason: String)
    /// The trailer is missing, malformed or its checksum fails.
    case trailerCorrupt(offset: UInt64, reason: String)
    /// The index is malformed, its checksum fails, or it disagrees with the trailer.
    case indexCorrupt(offset: UInt64, reason: String)
    /// A frame's header, checksums or payload are wrong.
    case frameCorrupt(frame: Int, offset: UInt64, physicalAddress: UInt64, reason: String)

    public var description: String {
        switch self {
        case .empty:
            "no kjump image: the first 4096 bytes are all zeros"
        case let .foreign(magic):
            "not a kjump image: it starts with \(HexText.bytes(magic, separator: " ")) instead of \"KJUMPIMG\""
        case let .unsupportedVersion(found, supported):
            found.major > supported.major
                ? "the image has format version \(found), newer than this kjump reads (major version \(supported.major)); use a newer kjump"
                : "the image has format version \(found), which this kjump (format \(supported)) does not read"
        case let .truncated(what, offset, count, sourceSize):
            "the image is truncated: the \(what) needs bytes [\(HexText.number(offset)), \(HexText.number(offset &+ UInt64(count)))) but the source holds only \(sourceSize) bytes"
        case let .headerChecksumMismatch(recorded, computed):
            "the image header at byte 0 is corrupt: its checksum is \(HexText.number(computed, digits: 16)) but the header records \(HexText.number(recorded, digits: 16))"
        case let .headerCorrupt(offset, reason):
            "the image header is corrupt at byte \(HexText.number(offset)): \(reason)"
        case let .stateCorrupt(offset, reason):
            "the image state block at byte \(HexText.number(offset)) is corrupt: \(reason)"
        case let .stale(what, offset, found, expected):
            "the \(what) at byte \(HexText.number(offset)) is stale: it belongs to image \(found), not to image \(expected) named by the header"
        case let .notCommitted(state):
            "the image was never committed (state: \(state)): its writer did not finish, so it is incomplete and must not be used"
        case let .notResumable(reason):
            "the image must not be resumed: \(reason)"
        case let .trailerCorrupt(offset, reason):
            "the image trailer at byte \(HexText.number(offset)) is corrupt: \(reason)"
        case let .indexCorrupt(offset, reason):
            "the image index at byte \(HexText.number(offset)) is corrupt: \(reason)"
        case let .frameCorrupt(frame, offset, address, reason):
            "frame \(frame) at byte \(HexText.number(offset)) (pages from physical address \(HexText.number(address))) is corrupt: \(reason)"
        }
    }

}

/// Why an `ImageWriter` refused a call. Ordering and alignment mistakes are
/// thrown (not preconditions) and leave the writer unchanged, so the caller
/// may report them and continue; after a sink or codec failure the writer
/// is `failed` and refuses everything.
public enum ImageWriterError: Error, Equatable, CustomStringConvertible {
    /// A run starts below the end of the previous one: runs must come in
    /// ascending physical order and must not overlap.
    case outOfOrder(address: UInt64, expectedAtLeast: UInt64)
    /// A run's address is not a multiple of the page size.
    case misaligned(address: UInt64, pageSize: Int)
    /// A data run's length is not a multiple of the page size.
    case partialPage(byteCount: Int, pageSize: Int)
    /// A run ends past the end of the 64-bit physical address space.
    case addressOverflow(address: UInt64, pageCount: UInt64)
    /// The header cannot be written as given.
    case invalidHeader(String)
    /// The options are out of range.
    case invalidOptions(String)
    /// `finish` was already called.
    case finished
    /// An earlier call failed; the image is incomplete and the writer refuses further work.
    case failed(UnderlyingError)
    /// `abandon(reason:)` gave the image up.
    case abandoned(reason: String)
    /// The target is full: the image (frames, index and trailer, and the
    /// index kept at the target's end while the frames are written) needs
    /// more than its `capacity` bytes.
    case noRoom(neededBytes: UInt64, capacity: UInt64)

    public var description: String {
        switch self {
        case let .outOfOrder(address, expected):
            "pages at physical address \(HexText.number(address)) arrive out of order: runs must be ascending and not overlap, and the next run may start at \(HexText.number(expected)) at the earliest"
        case let .misaligned(address, pageSize):
            "physical address \(HexText.number(address)) is not a multiple of the page size (\(pageSize) bytes)"
        case let .partialPage(count, pageSize):
            "a data run of \(count) bytes is not a whole number of \(pageSize)-byte pages"
        case let .addressOverflow(address, pageCount):
            "\(pageCount) pages at physical address \(HexText.number(address)) would run past the end of the 64-bit address space"
        case let .invalidHeader(reason):
            "the image header cannot be written: \(reason)"
        case let .invalidOptions(reason):
            "invalid image writer options: \(reason)"
        case .finished:
            "the image is already finished; nothing more can be appended"
        case let .failed(failure):
            "the image writer failed earlier (\(failure)); the image is incomplete"
        case let .abandoned(reason):
            "the image was given up: \(reason)"
        case let .noRoom(needed, capacity):
            "the image does not fit its target: it needs more than \(needed >> 20) MiB of the target's \(capacity >> 20) MiB"
        }
    }
}
