/// The 24-byte descriptor of one dumped page (`page_desc`). Descriptors are
/// stored in page-frame order, one per bit set in the second bitmap; a
/// reader finds page *n*'s descriptor by counting the set bits before it.
/// ```
/// 0   8  offset: byte offset of the page's stored data
/// 8   4  size: bytes stored (the page size when stored raw)
/// 12  4  flags: how the data is compressed (`KdumpFlags`), 0 for raw
/// 16  8  page flags: 0 (makedumpfile writes 0 too)
/// ```
public struct KdumpPageDescriptor: Sendable, Equatable {
    public var offset: UInt64
    public var size: UInt32
    public var flags: KdumpFlags
    public var pageFlags: UInt64

    public init(offset: UInt64, size: UInt32, flags: KdumpFlags, pageFlags: UInt64 = 0) {
        self.offset = offset
        self.size = size
        self.flags = flags
        self.pageFlags = pageFlags
    }

    /// Appends the 24 encoded bytes to `bytes`.
    public func append(to bytes: inout [UInt8]) {
        withUnsafeBytes(of: offset.littleEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: size.littleEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: flags.rawValue.littleEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: pageFlags.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// The descriptor encoded at `offset` of `bytes` (the caller checks the bounds).
    public init(decoding bytes: [UInt8], at offset: Int) {
        self.init(offset: bytes.imageLoad(UInt64.self, at: offset), size: bytes.imageLoad(UInt32.self, at: offset + 8),
                  flags: KdumpFlags(rawValue: bytes.imageLoad(UInt32.self, at: offset + 12)),
                  pageFlags: bytes.imageLoad(UInt64.self, at: offset + 16))
    }
}
