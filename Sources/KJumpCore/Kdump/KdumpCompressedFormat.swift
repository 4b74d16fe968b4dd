/// Constants of the kdump-compressed ("diskdump") format: what makedumpfile
/// writes with `-c`, `-l` or `-z`, and crash(8) reads. The layout is drawn
/// in `docs/kdump-export.md`; all integers are little-endian, the structures
/// are those of a 64-bit (x86-64) machine.
public enum KdumpCompressedFormat {
    /// The 8-byte signature at byte 0: `KDUMP` and three spaces.
    public static let signature: [UInt8] = Array("KDUMP   ".utf8)
    /// The header version written: 6 adds the 64-bit page-frame counts to the sub-header.
    public static let headerVersion: Int32 = 6
    /// Bytes of the main header (`disk_dump_header`), at byte 0 of block 0.
    public static let headerSize = 464
    /// Bytes of the sub-header (`kdump_sub_header`), at byte 0 of block 1.
    public static let subHeaderSize = 104
    /// Bytes of one page descriptor.
    public static let pageDescriptorSize = 24
    /// Bytes of each of the six strings of the `utsname` field.
    public static let utsnameFieldSize = 65
    /// The `machine` string: kjump dumps only x86-64 kernels.
    public static let machine = "x86_64"
}

/// The flags of the main header's `status` word and of each page
/// descriptor's `flags` word (they share one numbering).
public struct KdumpFlags: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Pages compressed with zlib (one zlib stream per page).
    public static let zlib = KdumpFlags(rawValue: 0x1)
    /// Pages compressed with LZO (not written by kjump).
    public static let lzo = KdumpFlags(rawValue: 0x2)
    /// Pages compressed with snappy (not written by kjump).
    public static let snappy = KdumpFlags(rawValue: 0x4)
    /// Header only: the dump is incomplete (some pages could not be saved).
    public static let incomplete = KdumpFlags(rawValue: 0x8)
    /// Header only: unused vmemmap pages were excluded (not written by kjump).
    public static let excludedVmemmap = KdumpFlags(rawValue: 0x10)
    /// Pages compressed with zstd (one zstd frame per page).
    public static let zstd = KdumpFlags(rawValue: 0x20)

    public var description: String {
        let names: [(KdumpFlags, String)] = [(.zlib, "zlib"), (.lzo, "lzo"), (.snappy, "snappy"), (.incomplete, "incomplete"),
                                            (.excludedVmemmap, "excluded-vmemmap"), (.zstd, "zstd")]
        let known = names.filter { contains($0.0) }.map(\.1)
        let unknown = subtracting(KdumpFlags(names.map(\.0)))
        return (known + (unknown.isEmpty ? [] : [HexText.number(unknown.rawValue)])).joined(separator: "|")
    }
}
