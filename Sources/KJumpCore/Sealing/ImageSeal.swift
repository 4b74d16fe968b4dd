import Crypto
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Seals and opens one image's frames and authenticates its trailer, bound
/// to its header: every frame's associated data holds the header's SHA-256
/// and the frame's own header (number, first page, physical address, page
/// count, sizes, codec), and its nonce is its number. So a frame altered,
/// moved, renumbered or taken from another image does not open, and a
/// header altered after sealing opens no frame. The trailer's HMAC covers
/// the header's SHA-256, the frame count, the chain checksum and the
/// index's SHA-256, so dropped, added or truncated frames and an altered
/// index are refused before any page is placed.
public struct ImageSeal: Sendable {
    /// Bytes AES-GCM adds to every frame's payload.
    public static let tagSize = 16
    /// Bytes of the trailer's authenticator and of the index digest.
    public static let digestSize = 32

    public let keys: ImageSealKeys
    /// SHA-256 of the encoded header.
    public let headerDigest: [UInt8]

    public init(keys: ImageSealKeys, header encoded: [UInt8]) {
        self.init(keys: keys, headerDigest: Self.digest(encoded))
    }

    public init(keys: ImageSealKeys, headerDigest: [UInt8]) {
        self.keys = keys
        self.headerDigest = headerDigest
    }

    /// SHA-256 of `bytes` (the encoded header; the index).
    static func digest(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: bytes)) }

    /// Frame `number`'s nonce: four zero bytes, then the number (big-endian).
    /// Unique because every image has keys of its own.
    static func nonce(frame number: UInt64) -> AES.GCM.Nonce {
        var bytes = [UInt8](repeating: 0, count: 12)
        for index in 0..<8 { bytes[4 + index] = UInt8(truncatingIfNeeded: number >> (8 * (7 - index))) }
        return try! AES.GCM.Nonce(data: bytes)   // 12 bytes: always a valid nonce
    }

    /// The associated data of a frame: the header's digest and the first
    /// 48 bytes of the frame header (everything but its checksums, which
    /// are computed over the sealed bytes).
    func associatedData(_ frame: ImageFrameHeader) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: ImageFrameHeader.size)
        header.withUnsafeMutableBytes { frame.store(into: $0) }
        return headerDigest + header[0..<48]
    }

    /// Seals `plaintext` (the frame's compressed or raw pages) as frame
    /// `frame` (whose stored size must already count the tag) into
    /// `output`, which must hold `plaintext.count + tagSize` bytes.
    func seal(_ plaintext: UnsafeRawBufferPointer, as frame: ImageFrameHeader, into output: UnsafeMutableRawBufferPointer) throws {
        precondition(output.count >= plaintext.count + Self.tagSize && frame.storedSize == plaintext.count + Self.tagSize)
        let box = try AES.GCM.seal(plaintext, using: keys.frameKey, nonce: Self.nonce(frame: frame.number),
                                   authenticating: associatedData(frame))
        box.ciphertext.withUnsafeBytes { output.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: plaintext.count) }
        box.tag.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: output[plaintext.count..<plaintext.count + Self.tagSize]).copyMemory(from: $0) }
    }

    /// Opens frame `frame`'s stored bytes (ciphertext, then tag); returns
    /// the plaintext (in swift-crypto's own buffer: not copied again), or
    /// throws `SealingError.frameNotAuthentic`.
    func open(_ stored: ArraySlice<UInt8>, as frame: ImageFrameHeader) throws(SealingError) -> Data {
        guard stored.count >= Self.tagSize else { throw .frameNotAuthentic(frame: Int(frame.number)) }
        let split = stored.endIndex - Self.tagSize
        do {
            let box = try AES.GCM.SealedBox(nonce: Self.nonce(frame: frame.number), ciphertext: stored[..<split], tag: stored[split...])
            return try AES.GCM.open(box, using: keys.frameKey, authenticating: associatedData(frame))
        } catch {
            throw .frameNotAuthentic(frame: Int(frame.number))
        }
    }

    /// The HMAC-SHA256 of the header's digest and `trailer` (the trailer's
    /// bytes before its authenticator, its checksum field zeroed).
    func authenticator(trailer: some Collection<UInt8>) -> [UInt8] {
        var mac = HMAC<SHA256>(key: keys.trailerKey)
        mac.update(data: headerDigest)
        mac.update(data: Array(trailer))
        return Array(mac.finalize())
    }
}

/// SHA-256 of bytes given in pieces (the index, written and read in pieces).
public struct SealingDigestStream {
    private var hash = SHA256()
    public init() {}
    public mutating func add(_ bytes: UnsafeRawBufferPointer) { hash.update(bufferPointer: bytes) }
    public mutating func add(_ bytes: [UInt8]) { hash.update(data: bytes) }
    public func finish() -> [UInt8] { Array(hash.finalize()) }
}
