/// The `utsname` copy in the main header: six NUL-padded 65-byte strings.
/// crash(8) checks only `machine` (against the architecture it was built
/// for); `release` is shown by `help -D`.
public struct KdumpUtsname: Sendable, Equatable {
    public var sysname: String
    public var nodename: String
    public var release: String
    public var version: String
    public var machine: String
    public var domainname: String

    public init(sysname: String = "Linux", nodename: String = "", release: String, version: String = "",
                machine: String = KdumpCompressedFormat.machine, domainname: String = "") {
        self.sysname = sysname
        self.nodename = nodename
        self.release = release
        self.version = version
        self.machine = machine
        self.domainname = domainname
    }

    var fields: [String] { [sysname, nodename, release, version, machine, domainname] }
}

/// The main header (`disk_dump_header`, block 0) and the sub-header
/// (`kdump_sub_header`, at the start of block 1) of a kdump-compressed file.
/// Offsets in the file are in bytes; sizes of areas in blocks of `blockSize`
/// bytes (the page size). See `docs/kdump-export.md` for the byte layout.
public struct KdumpCompressedHeader: Sendable, Equatable {
    // Main header.
    public var headerVersion: Int32
    public var utsname: KdumpUtsname
    /// The dump's time, unix seconds and microseconds (`struct timeval`).
    public var timestampSeconds: Int64
    public var timestampMicroseconds: Int64
    /// The compression flag pages use (if any) and `.incomplete`.
    public var status: KdumpFlags
    /// Bytes per block: the page size.
    public var blockSize: Int
    /// Blocks of the sub-header area (sub-header and ELF notes), after block 0.
    public var subHeaderBlocks: Int
    /// Blocks of both bitmaps together (each takes half).
    public var bitmapBlocks: Int
    /// Page frames the bitmaps describe: one past the highest page frame number.
    /// The main header keeps it truncated to 32 bits; the sub-header in full.
    public var maxMapnr: UInt64
    /// Always 0: makedumpfile leaves these diskdump-era fields unset and no reader uses them.
    public var totalRAMBlocks: UInt32
    public var deviceBlocks: UInt32
    public var writtenBlocks: UInt32
    /// The CPU that wrote the dump (0: unknown).
    public var currentCPU: UInt32
    public var cpuCount: Int32

    // Sub-header.
    /// The kernel image's physical placement (`NUMBER(phys_base)`).
    public var physBase: UInt64
    /// The makedumpfile dump level the pages were filtered with (0–31).
    public var dumpLevel: Int32
    /// 0: the whole dump is in this file (kjump never splits).
    public var split: Int32
    /// Page-frame range of a split file; 0 when not split.
    public var startPFN: UInt64
    public var endPFN: UInt64
    /// Where the VMCOREINFO text is (inside the note area) and its length.
    public var vmcoreinfoOffset: UInt64
    public var vmcoreinfoSize: UInt64
    /// Where the ELF notes are (right after the sub-header) and their length.
    public var notesOffset: UInt64
    public var notesSize: UInt64
    /// Erase information (makedumpfile's `--config` filtering); 0: none.
    public var eraseinfoOffset: UInt64
    public var eraseinfoSize: UInt64

    public init(headerVersion: Int32 = KdumpCompressedFormat.headerVersion, utsname: KdumpUtsname,
                timestampSeconds: Int64, timestampMicroseconds: Int64 = 0, status: KdumpFlags,
                blockSize: Int, subHeaderBlocks: Int, bitmapBlocks: Int, maxMapnr: UInt64,
                totalRAMBlocks: UInt32 = 0, deviceBlocks: UInt32 = 0, writtenBlocks: UInt32 = 0,
                currentCPU: UInt32 = 0, cpuCount: Int32,
                physBase: UInt64, dumpLevel: Int32, split: Int32 = 0, startPFN: UInt64 = 0, endPFN: UInt64 = 0,
                vmcoreinfoOffset: UInt64, vmcoreinfoSize: UInt64, notesOffset: UInt64, notesSize: UInt64,
                eraseinfoOffset: UInt64 = 0, eraseinfoSize: UInt64 = 0) {
        self.headerVersion = headerVersion
        self.utsname = utsname
        self.timestampSeconds = timestampSeconds
        self.timestampMicroseconds = timestampMicroseconds
        self.status = status
        self.blockSize = blockSize
        self.subHeaderBlocks = subHeaderBlocks
        self.bitmapBlocks = bitmapBlocks
        self.maxMapnr = maxMapnr
        self.totalRAMBlocks = totalRAMBlocks
        self.deviceBlocks = deviceBlocks
        self.writtenBlocks = writtenBlocks
        self.currentCPU = currentCPU
        self.cpuCount = cpuCount
        self.physBase = physBase
        self.dumpLevel = dumpLevel
        self.split = split
        self.startPFN = startPFN
        self.endPFN = endPFN
        self.vmcoreinfoOffset = vmcoreinfoOffset
        self.vmcoreinfoSize = vmcoreinfoSize
        self.notesOffset = notesOffset
        self.notesSize = notesSize
        self.eraseinfoOffset = eraseinfoOffset
        self.eraseinfoSize = eraseinfoSize
    }

    /// Byte offset of the first bitmap: after block 0 and the sub-header area.
    public var bitmapOffset: UInt64 { UInt64(1 + subHeaderBlocks) * UInt64(blockSize) }
    /// Bytes of one bitmap.
    public var bitmapBytes: UInt64 { UInt64(bitmapBlocks / 2) * UInt64(blockSize) }
    /// Byte offset of the page descriptors: after both bitmaps.
    public var descriptorsOffset: UInt64 { UInt64(1 + subHeaderBlocks + bitmapBlocks) * UInt64(blockSize) }
}
