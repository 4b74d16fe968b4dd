/// Little-endian encoding helpers for the image structures. They load and
/// store whole integers through raw pointers, so encoding an index of
/// 100 000 extents is not a per-byte loop.
struct ImageByteWriter {
    private(set) var bytes: [UInt8]

    init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    var count: Int { bytes.count }

    /// Empties the writer, keeping its storage for the next bytes.
    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
    }

    mutating func put<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func put(_ raw: some Collection<UInt8>) {
        bytes.append(contentsOf: raw)
    }

    mutating func zeros(_ count: Int) {
        bytes.append(contentsOf: [UInt8](repeating: 0, count: count))
    }

    /// Appends zeros up to the next multiple of `alignment`.
    mutating func pad(toMultipleOf alignment: Int) {
        let remainder = bytes.count % alignment
        if remainder != 0 { zeros(alignment - remainder) }
    }

    /// Overwrites the integer at `offset` (which must already be written).
    mutating func set<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        bytes.imageStore(value, at: offset)
    }
}

extension Array<UInt8> {
    /// The little-endian `T` at `offset`; the caller checks the bounds.
    func imageLoad<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
        precondition(offset >= 0 && offset + MemoryLayout<T>.size <= count, "image field out of bounds")
        return withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
    }

    /// Stores `value` little-endian at `offset`, inside the array.
    mutating func imageStore<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        precondition(offset >= 0 && offset + MemoryLayout<T>.size <= count, "image field out of bounds")
        withUnsafeMutableBytes { $0.storeBytes(of: value.littleEndian, toByteOffset: offset, as: T.self) }
    }
}

extension UnsafeRawBufferPointer {
    /// The little-endian `T` at `offset`; the caller checks the bounds.
    func imageLoad<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
        T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}

extension UnsafeMutableRawBufferPointer {
    func imageStore<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        storeBytes(of: value.littleEndian, toByteOffset: offset, as: T.self)
    }
}

