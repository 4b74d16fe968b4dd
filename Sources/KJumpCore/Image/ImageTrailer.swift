/// The trailer: the last 4 KiB block of a committed image, at
/// `imageLength − 4096` (the length is recorded by the committed state
/// block). It seals the image: counts, the index's place and checksum, and
/// the chain checksum over the header and every frame. An image without a
/// valid trailer is never resumed.
///
/// Layout (little-endian, the rest of the block zero):
/// ```
/// 0    8  magic "KJUMPEND"
/// 8    8  XXH3-64 of the 4096-byte block with this field zeroed
/// 16  16  image ID
/// 32   8  header checksum
/// 40   8  chain checksum (XXH3-64 of header checksum ‖ per frame: uncompressed, stored checksum)
/// 48   8  frames offset
/// 56   8  frames length (bytes, padding included)
/// 64   8  index offset
/// 72   8  index length (bytes, unpadded)
/// 80   8  XXH3-64 of the index bytes
/// 88   8  frame count
/// 96   8  extent count
/// 104  8  data pages
/// 112  8  zero pages
/// 120  8  uncompressed bytes (data pages × page size)
/// 128  8  stored bytes (sum of frame payloads)
/// 136  8  raw frames (stored with codec none)
/// 144  8  missing pages (1.1): pages the writer was given but could not
///         store because the target was full; nonzero = a partial image
/// 152 32  SHA-256 of the index bytes (2.0, sealed; zero otherwise)
/// 184 32  authenticator (2.0, sealed; zero otherwise): HMAC-SHA256 under
///         the image's trailer key of the header's SHA-256 ‖ bytes 0–183
///         with the checksum field zeroed (`ImageSeal.authenticator`)
/// ```
public struct ImageTrailer: Sendable, Equatable {
    public static let size = ImageFormat.blockSize

    /// Byte offset of the trailer in the image.
    public var offset: UInt64
    public var imageID: ImageID
    public var headerChecksum: UInt64
    public var chainChecksum: UInt64
    public var framesOffset: UInt64
    public var framesLength: UInt64
    public var indexOffset: UInt64
    public var indexLength: UInt64
    public var indexChecksum: UInt64
    public var frameCount: UInt64
    public var extentCount: UInt64
    public var dataPages: UInt64
    public var zeroPages: UInt64
    public var uncompressedBytes: UInt64
    public var storedBytes: UInt64
    public var rawFrames: UInt64
    /// Pages left out because the target was full (format 1.1; 0 in 1.0
    /// images). An image with missing pages is a partial dump: readable,
    /// never resumable.
    public var missingPages: UInt64
    /// SHA-256 of the index (sealed images; empty otherwise).
    public var indexDigest: [UInt8] = []
    /// The trailer's HMAC (sealed images; empty otherwise).
    public var authenticator: [UInt8] = []

    static let authenticatedLength = 184

    /// Whether the writer stopped early (`missingPages` > 0).
    public var isPartial: Bool { missingPages > 0 }

    init(offset: UInt64, imageID: ImageID, headerChecksum: UInt64, chainChecksum: UInt64,
         framesOffset: UInt64, framesLength: UInt64, indexOffset: UInt64, indexLength: UInt64, indexChecksum: UInt64,
         frameCount: UInt64, extentCount: UInt64, dataPages: UInt64, zeroPages: UInt64,
         uncompressedBytes: UInt64, storedBytes: UInt64, rawFrames: UInt64, missingPages: UInt64 = 0) {
        self.offset = offset
        self.imageID = imageID
        self.headerChecksum = headerChecksum
        self.chainChecksum = chainChecksum
        self.framesOffset = framesOffset
        self.framesLength = framesLength
        self.indexOffset = indexOffset
        self.indexLength = indexLength
        self.indexChecksum = indexChecksum
        self.frameCount = frameCount
        self.extentCount = extentCount
        self.dataPages = dataPages
        self.zeroPages = zeroPages
        self.uncompressedBytes = uncompressedBytes
        self.storedBytes = storedBytes
        self.rawFrames = rawFrames
        self.missingPages = missingPages
    }

    /// Bytes 0–183 with the checksum zeroed: what the authenticator covers.
    private func authenticatedBytes() -> [UInt8] {
        var out = ImageByteWriter(capacity: Self.authenticatedLength)
        out.put(ImageFormat.trailerMagic)
        out.put(UInt64(0))
        out.put(imageID.bytes)
        for value in [headerChecksum, chainChecksum, framesOffset, framesLength, indexOffset, indexLength, indexChecksum,
                      frameCount, extentCount, dataPages, zeroPages, uncompressedBytes, storedBytes, rawFrames, missingPages] {
            out.put(value)
        }
        out.put(indexDigest.isEmpty ? [UInt8](repeating: 0, count: ImageSeal.digestSize) : indexDigest)
        return out.bytes
    }

    /// Sets the authenticator of a sealed image's trailer (its index digest already set).
    mutating func authenticate(with seal: ImageSeal) {
        authenticator = seal.authenticator(trailer: authenticatedBytes())
    }

    /// Whether the authenticator is `seal`'s over this trailer.
    func isAuthentic(under seal: ImageSeal) -> Bool {
        authenticator.count == ImageSeal.digestSize && seal.authenticator(trailer: authenticatedBytes()) == authenticator
    }

    /// Exactly `size` bytes.
    func encoded() -> [UInt8] {
        var out = ImageByteWriter(capacity: Self.size)
        out.put(authenticatedBytes())
        out.put(authenticator.isEmpty ? [UInt8](repeating: 0, count: ImageSeal.digestSize) : authenticator)
        out.zeros(Self.size - out.count)
        out.set(ImageChecksum.xxh3(out.bytes), at: 8)
        return out.bytes
    }

    /// Decodes the trailer block read at `offset`.
    init(decoding bytes: [UInt8], offset: UInt64) throws(ImageError) {
        guard bytes.count == Self.size, Array(bytes[0..<8]) == ImageFormat.trailerMagic else {
            throw .trailerCorrupt(offset: offset, reason: "it does not start with \"KJUMPEND\"; the image is truncated or was never finished")
        }
        let recorded = bytes.imageLoad(UInt64.self, at: 8)
        var zeroed = bytes
        zeroed.imageStore(UInt64(0), at: 8)
        let computed = ImageChecksum.xxh3(zeroed)
        guard recorded == computed else {
            throw .trailerCorrupt(offset: offset, reason: "its checksum is \(HexText.number(computed, digits: 16)) but it records \(HexText.number(recorded, digits: 16))")
        }
        func field(_ number: Int) -> UInt64 { bytes.imageLoad(UInt64.self, at: 32 + 8 * number) }
        self.init(offset: offset, imageID: ImageID(bytes: Array(bytes[16..<32])),
                  headerChecksum: field(0), chainChecksum: field(1), framesOffset: field(2), framesLength: field(3),
                  indexOffset: field(4), indexLength: field(5), indexChecksum: field(6), frameCount: field(7),
                  extentCount: field(8), dataPages: field(9), zeroPages: field(10), uncompressedBytes: field(11),
                  storedBytes: field(12), rawFrames: field(13), missingPages: field(14))
        let digest = Array(bytes[152..<184]), authenticator = Array(bytes[184..<216])
        if digest.contains(where: { $0 != 0 }) || authenticator.contains(where: { $0 != 0 }) {
            indexDigest = digest
            self.authenticator = authenticator
        }
    }
}
