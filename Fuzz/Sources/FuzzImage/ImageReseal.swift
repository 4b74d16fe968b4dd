import KJumpCore

/// Redoes the checksums of a kjump image after a mutation, so that the
/// reader looks past them: the header's, the stored checksum of every frame
/// the index lists (and the uncompressed one of raw frames; a compressed
/// frame's pages are not decompressed here), the index's, the chain
/// checksum, the trailer's and the state block's, with the header checksum
/// each of them repeats. Nothing else changes: a field that no longer fits
/// stays wrong, for the reader to refuse. Offsets follow docs/image-format.md;
/// anything out of place is left as it is (best effort, never a crash).
enum ImageReseal {
    static let block = 4096

    static func reseal(_ bytes: inout [UInt8]) {
        guard bytes.count >= 2 * block, bytes.starts(with: Array("KJUMPIMG".utf8)) else { return }
        let headerLength = Int(load(UInt32.self, bytes, 12))
        guard headerLength >= 128, headerLength <= 1 << 20,
              headerLength <= block || 2 * block + headerLength - block <= bytes.count else { return }
        store(UInt64(0), &bytes, 16)
        var header = Array(bytes[0..<min(headerLength, block)])
        if headerLength > block { header += bytes[2 * block..<2 * block + headerLength - block] }
        let headerChecksum = ImageChecksum.xxh3(header)
        store(headerChecksum, &bytes, 16)

        let imageLength = load(UInt64.self, bytes, block + 48)
        if imageLength >= UInt64(3 * block), imageLength <= UInt64(bytes.count) {
            let trailer = Int(imageLength) - block
            if let index = resealIndex(&bytes, trailer: trailer, headerChecksum: headerChecksum) {
                store(index.checksum, &bytes, trailer + 80)
                store(index.chain, &bytes, trailer + 40)
            }
            store(headerChecksum, &bytes, trailer + 32)
            sealBlock(&bytes, at: trailer)
        }
        store(headerChecksum, &bytes, block + 40)
        sealBlock(&bytes, at: block)
    }

    /// Reseals the frames the index lists; returns the index's checksum and the chain checksum.
    private static func resealIndex(_ bytes: inout [UInt8], trailer: Int,
                                    headerChecksum: UInt64) -> (checksum: UInt64, chain: UInt64)? {
        let offset = load(UInt64.self, bytes, trailer + 64), length = load(UInt64.self, bytes, trailer + 72)
        guard offset <= UInt64(bytes.count), length >= 32, length <= UInt64(bytes.count) - offset else { return nil }
        let start = Int(offset), end = Int(offset + length)
        let extents = load(UInt64.self, bytes, start + 8), frames = load(UInt64.self, bytes, start + 16)
        guard extents <= length / 24 else { return nil }
        let table = start + 32 + Int(extents) * 24
        let chain = ImageChecksumStream()
        chain.update(littleEndian(headerChecksum))
        for number in 0..<Int(min(frames, length / 56)) {
            let entry = table + number * 56
            guard entry + 56 <= end else { break }
            let fileOffset = load(UInt64.self, bytes, entry), storedSize = Int(load(UInt32.self, bytes, entry + 28))
            if storedSize <= bytes.count - 64, fileOffset >= UInt64(2 * block), fileOffset <= UInt64(bytes.count - 64 - storedSize) {
                let frame = Int(fileOffset)
                let stored = ImageChecksum.xxh3(bytes[frame + 64..<frame + 64 + storedSize])
                store(stored, &bytes, entry + 48)
                store(stored, &bytes, frame + 56)
                if load(UInt16.self, bytes, entry + 32) == 0 {   // codec none: the payload is the pages
                    store(stored, &bytes, entry + 40)
                    store(stored, &bytes, frame + 48)
                }
            }
            chain.update(littleEndian(load(UInt64.self, bytes, entry + 40)))
            chain.update(littleEndian(load(UInt64.self, bytes, entry + 48)))
        }
        return (ImageChecksum.xxh3(bytes[start..<end]), chain.digest)
    }

    /// Fills in the checksum at byte 8 of the 4 KiB block at `offset` (state block, trailer).
    private static func sealBlock(_ bytes: inout [UInt8], at offset: Int) {
        store(UInt64(0), &bytes, offset + 8)
        store(ImageChecksum.xxh3(bytes[offset..<offset + block]), &bytes, offset + 8)
    }

    private static func load<Value: FixedWidthInteger>(_: Value.Type, _ bytes: [UInt8], _ offset: Int) -> Value {
        var value: Value = 0
        for index in 0..<MemoryLayout<Value>.size { value |= Value(truncatingIfNeeded: bytes[offset + index]) << (8 * index) }
        return value
    }

    private static func store<Value: FixedWidthInteger>(_ value: Value, _ bytes: inout [UInt8], _ offset: Int) {
        for index in 0..<MemoryLayout<Value>.size { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
    }

    private static func littleEndian(_ value: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }
}
