/// True when every byte is zero: the content test behind dump level 1.
///
/// Reads 64 bytes per step as eight unaligned 64-bit loads OR-ed together
/// and stops at the first non-zero block, so a data page usually answers
/// after its first 64 bytes and a zero page costs one pass at memory speed.
/// Any length works (the tail is checked byte by byte).
public func isZeroPage(_ bytes: UnsafeRawBufferPointer) -> Bool {
    guard let base = bytes.baseAddress else { return true }
    let count = bytes.count
    var offset = 0
    while offset + 64 <= count {
        let word = base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            | base.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self)
            | base.loadUnaligned(fromByteOffset: offset + 16, as: UInt64.self)
            | base.loadUnaligned(fromByteOffset: offset + 24, as: UInt64.self)
            | base.loadUnaligned(fromByteOffset: offset + 32, as: UInt64.self)
            | base.loadUnaligned(fromByteOffset: offset + 40, as: UInt64.self)
            | base.loadUnaligned(fromByteOffset: offset + 48, as: UInt64.self)
            | base.loadUnaligned(fromByteOffset: offset + 56, as: UInt64.self)
        if word != 0 { return false }
        offset += 64
    }
    while offset < count {
        if base.load(fromByteOffset: offset, as: UInt8.self) != 0 { return false }
        offset += 1
    }
    return true
}

/// `isZeroPage` over an array (or a slice of one, e.g. one page of a larger read).
public func isZeroPage(_ bytes: [UInt8]) -> Bool {
    bytes.withUnsafeBytes { isZeroPage($0) }
}

/// `isZeroPage` over a slice.
public func isZeroPage(_ bytes: ArraySlice<UInt8>) -> Bool {
    bytes.withUnsafeBytes { isZeroPage($0) }
}
