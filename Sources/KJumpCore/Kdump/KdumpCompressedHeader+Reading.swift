/// Why bytes are not a kdump-compressed header kjump can read.
public enum KdumpFormatError: Error, Equatable, CustomStringConvertible {
    /// Fewer bytes than the structure needs.
    case truncated(what: String, offset: UInt64, count: Int, available: Int)
    /// The first 8 bytes are not `KDUMP   `.
    case foreign(signature: [UInt8])
    /// A field is out of range.
    case corrupt(offset: UInt64, reason: String)

    public var description: String {
        switch self {
        case let .truncated(what, offset, count, available):
            "the kdump file is truncated: the \(what) needs \(count) bytes at byte \(HexText.number(offset)) but only \(available) are there"
        case let .foreign(signature):
            "not a kdump-compressed file: it starts with \(HexText.bytes(signature, separator: " ")) instead of \"KDUMP   \""
        case let .corrupt(offset, reason):
            "the kdump header is corrupt at byte \(HexText.number(offset)): \(reason)"
        }
    }
}

extension KdumpCompressedHeader {
    /// Parses the main header from the start of block 0 and the sub-header
    /// from the start of block 1 (`subHeader`, at least 104 bytes).
    public init(parsing headerBlock: [UInt8], subHeader: [UInt8]) throws(KdumpFormatError) {
        guard headerBlock.count >= KdumpCompressedFormat.headerSize else {
            throw .truncated(what: "main header", offset: 0, count: KdumpCompressedFormat.headerSize, available: headerBlock.count)
        }
        guard Array(headerBlock[0..<8]) == KdumpCompressedFormat.signature else { throw .foreign(signature: Array(headerBlock[0..<8])) }
        let version = headerBlock.imageLoad(Int32.self, at: 8)
        guard version >= 6 else { throw .corrupt(offset: 8, reason: "header version \(version) is older than 6, which this reader needs") }
        let blockSize = Int(headerBlock.imageLoad(Int32.self, at: 428))
        guard blockSize >= 4096, blockSize & (blockSize - 1) == 0 else {
            throw .corrupt(offset: 428, reason: "the block size \(blockSize) is not a power of two of at least 4096")
        }
        guard subHeader.count >= KdumpCompressedFormat.subHeaderSize else {
            throw .truncated(what: "sub-header", offset: UInt64(blockSize), count: KdumpCompressedFormat.subHeaderSize, available: subHeader.count)
        }
        func text(_ field: Int) -> String {
            let start = 12 + field * KdumpCompressedFormat.utsnameFieldSize
            return String(decoding: headerBlock[start..<start + KdumpCompressedFormat.utsnameFieldSize].prefix { $0 != 0 }, as: UTF8.self)
        }
        self.init(headerVersion: version,
                  utsname: KdumpUtsname(sysname: text(0), nodename: text(1), release: text(2), version: text(3),
                                        machine: text(4), domainname: text(5)),
                  timestampSeconds: headerBlock.imageLoad(Int64.self, at: 408),
                  timestampMicroseconds: headerBlock.imageLoad(Int64.self, at: 416),
                  status: KdumpFlags(rawValue: headerBlock.imageLoad(UInt32.self, at: 424)),
                  blockSize: blockSize,
                  subHeaderBlocks: Int(headerBlock.imageLoad(Int32.self, at: 432)),
                  bitmapBlocks: Int(headerBlock.imageLoad(UInt32.self, at: 436)),
                  maxMapnr: subHeader.imageLoad(UInt64.self, at: 96),
                  totalRAMBlocks: headerBlock.imageLoad(UInt32.self, at: 444),
                  deviceBlocks: headerBlock.imageLoad(UInt32.self, at: 448),
                  writtenBlocks: headerBlock.imageLoad(UInt32.self, at: 452),
                  currentCPU: headerBlock.imageLoad(UInt32.self, at: 456),
                  cpuCount: headerBlock.imageLoad(Int32.self, at: 460),
                  physBase: subHeader.imageLoad(UInt64.self, at: 0),
                  dumpLevel: subHeader.imageLoad(Int32.self, at: 8),
                  split: subHeader.imageLoad(Int32.self, at: 12),
                  startPFN: subHeader.imageLoad(UInt64.self, at: 80),
                  endPFN: subHeader.imageLoad(UInt64.self, at: 88),
                  vmcoreinfoOffset: subHeader.imageLoad(UInt64.self, at: 32),
                  vmcoreinfoSize: subHeader.imageLoad(UInt64.self, at: 40),
                  notesOffset: subHeader.imageLoad(UInt64.self, at: 48),
                  notesSize: subHeader.imageLoad(UInt64.self, at: 56),
                  eraseinfoOffset: subHeader.imageLoad(UInt64.self, at: 64),
                  eraseinfoSize: subHeader.imageLoad(UInt64.self, at: 72))
        guard subHeaderBlocks >= 1 else { throw .corrupt(offset: 432, reason: "the sub-header takes \(subHeaderBlocks) blocks") }
        guard bitmapBlocks % 2 == 0, bitmapBytes * 8 >= maxMapnr else {
            throw .corrupt(offset: 436, reason: "\(bitmapBlocks) bitmap blocks cannot hold two bitmaps of \(maxMapnr) pages")
        }
    }
}
