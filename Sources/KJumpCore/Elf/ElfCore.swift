/// An ELF64 little-endian x86-64 core file: the format of `/proc/vmcore`,
/// of kdump's ELF dumps, and of the ELF core *header* a kexec loader hands
/// to a capture kernel with `elfcorehdr=`.
///
/// Parsing lives in `ElfCore+Reading.swift`, the header writer in
/// `ElfCore+Writing.swift`.
public struct ElfCoreFile: Sendable, Equatable {
    /// The fields of the ELF file header that kjump checks or uses.
    public var header: ElfFileHeader
    /// All program headers, in file order.
    public var programHeaders: [ElfProgramHeader]
    /// The notes of every `PT_NOTE` segment, in file order. Empty when the
    /// file was parsed with `ElfCoreFile.OffsetMeaning.physicalAddress`,
    /// where the note bytes live in memory, not in the file.
    public var notes: [ElfNote]

    public init(header: ElfFileHeader, programHeaders: [ElfProgramHeader], notes: [ElfNote]) {
        self.header = header
        self.programHeaders = programHeaders
        self.notes = notes
    }

    /// The `PT_LOAD` program headers, in file order.
    public var loads: [ElfProgramHeader] { programHeaders.filter { $0.type == ElfProgramHeader.load } }

    /// The first note named `name`, if any.
    public func note(named name: String) -> ElfNote? { notes.first { $0.name == name } }
}

/// The ELF64 file header fields kjump needs (`Elf64_Ehdr`).
public struct ElfFileHeader: Sendable, Equatable {
    /// `e_ident[EI_OSABI]`.
    public var osABI: UInt8
    /// `e_type`; `ElfFileHeader.typeCore` (4) for every file kjump accepts.
    public var type: UInt16
    /// `e_machine`; `ElfFileHeader.machineX86_64` (62).
    public var machine: UInt16
    /// `e_version`.
    public var version: UInt32
    /// `e_entry`.
    public var entry: UInt64
    /// `e_phoff`: byte offset of the program header table.
    public var programHeaderOffset: UInt64
    /// `e_shoff`: byte offset of the section header table (0 for none).
    public var sectionHeaderOffset: UInt64
    /// `e_flags`.
    public var flags: UInt32
    /// Number of program headers, after resolving `PN_XNUM` extended numbering.
    public var programHeaderCount: Int

    public static let size = 64
    public static let typeCore: UInt16 = 4
    public static let machineX86_64: UInt16 = 62
    public static let currentVersion: UInt32 = 1
    /// `e_phnum` value saying the real count is in section header 0's `sh_info`.
    public static let extendedNumbering: UInt16 = 0xffff

    public init(osABI: UInt8 = 0, type: UInt16 = ElfFileHeader.typeCore, machine: UInt16 = ElfFileHeader.machineX86_64,
                version: UInt32 = ElfFileHeader.currentVersion, entry: UInt64 = 0, programHeaderOffset: UInt64,
                sectionHeaderOffset: UInt64 = 0, flags: UInt32 = 0, programHeaderCount: Int) {
        self.osABI = osABI
        self.type = type
        self.machine = machine
        self.version = version
        self.entry = entry
        self.programHeaderOffset = programHeaderOffset
        self.sectionHeaderOffset = sectionHeaderOffset
        self.flags = flags
        self.programHeaderCount = programHeaderCount
    }
}

/// One ELF64 program header (`Elf64_Phdr`, 56 bytes).
public struct ElfProgramHeader: Sendable, Equatable {
    /// `p_type`: `load` (1), `note` (4), ...
    public var type: UInt32
    /// `p_flags`: `PF_X` 1, `PF_W` 2, `PF_R` 4.
    public var flags: UInt32
    /// `p_offset`: a file offset in a normal core file; the *physical
    /// address* of the data in a kexec ELF core header.
    public var offset: UInt64
    /// `p_vaddr`.
    public var virtualAddress: UInt64
    /// `p_paddr`.
    public var physicalAddress: UInt64
    /// `p_filesz`: bytes present at `offset`.
    public var fileSize: UInt64
    /// `p_memsz`: bytes of memory described; past `fileSize` they read as zero.
    public var memorySize: UInt64
    /// `p_align`.
    public var align: UInt64

    public static let size = 56
    public static let load: UInt32 = 1
    public static let note: UInt32 = 4
    /// `PF_R | PF_W | PF_X`, what the kernel puts on every crash `PT_LOAD`.
    public static let readWriteExecute: UInt32 = 7

    public init(type: UInt32, flags: UInt32 = 0, offset: UInt64, virtualAddress: UInt64 = 0, physicalAddress: UInt64,
                fileSize: UInt64, memorySize: UInt64, align: UInt64 = 0) {
        self.type = type
        self.flags = flags
        self.offset = offset
        self.virtualAddress = virtualAddress
        self.physicalAddress = physicalAddress
        self.fileSize = fileSize
        self.memorySize = memorySize
        self.align = align
    }
}

/// One ELF note: `Elf64_Nhdr` (three little-endian 32-bit words), the name
/// and the descriptor, each padded to 4 bytes.
public struct ElfNote: Sendable, Equatable {
    /// The name without its terminating NUL, e.g. `CORE` or `VMCOREINFO`.
    public var name: String
    /// `n_type`, e.g. 1 (`NT_PRSTATUS`) for CORE notes, 0 for VMCOREINFO.
    public var type: UInt32
    /// The descriptor bytes, exactly `n_descsz` of them.
    public var descriptor: [UInt8]
    /// Where the note header starts: a file offset, or a physical address
    /// when the notes were parsed from memory.
    public var offset: UInt64

    /// Bytes of a note header.
    public static let headerSize = 12
    /// `NT_PRSTATUS`, a CPU's registers in a `CORE` note.
    public static let typePRStatus: UInt32 = 1

    public init(name: String, type: UInt32, descriptor: [UInt8], offset: UInt64 = 0) {
        self.name = name
        self.type = type
        self.descriptor = descriptor
        self.offset = offset
    }
}

/// Why bytes are not an ELF core kjump can use. Every case names the byte
/// offset (or physical address) where the problem is.
public enum ElfCoreError: Error, Equatable, CustomStringConvertible {
    /// The file ends before a structure that must be there.
    case truncated(what: String, offset: UInt64, needed: UInt64, fileSize: UInt64)
    /// The first four bytes are not `\x7fELF`.
    case badMagic([UInt8])
    /// `e_ident[EI_CLASS]` (byte 4) is not 2 (64-bit).
    case wrongClass(UInt8)
    /// `e_ident[EI_DATA]` (byte 5) is not 1 (little-endian).
    case wrongByteOrder(UInt8)
    /// `e_ident[EI_VERSION]` (byte 6) or `e_version` (byte 20) is not 1.
    case wrongVersion(UInt32, offset: UInt64)
    /// `e_type` (byte 16) is not `ET_CORE`.
    case notCore(UInt16)
    /// `e_machine` (byte 18) is not x86-64.
    case wrongMachine(UInt16)
    /// `e_phentsize` (byte 54) is not 56.
    case wrongProgramHeaderSize(UInt16)
    /// The program header table `[offset, offset + count * 56)` does not fit in the file.
    case programHeadersOutOfBounds(offset: UInt64, count: Int, fileSize: UInt64)
    /// Program header `index` (at byte `headerOffset`) points past the end of the file.
    case segmentOutOfBounds(index: Int, headerOffset: UInt64, dataEnd: UInt64?, fileSize: UInt64)
    /// Program header `index` says it has more file bytes than memory bytes.
    case fileSizeExceedsMemorySize(index: Int, headerOffset: UInt64, fileSize: UInt64, memorySize: UInt64)
    /// A `PT_NOTE` segment larger than kjump agrees to read at once.
    case noteSegmentTooLarge(index: Int, headerOffset: UInt64, size: UInt64, limit: UInt64)
    /// A note whose sizes run past its segment, or trailing garbage in a note segment.
    /// `location` reads "byte 120" or "physical address 0x3b84000".
    case badNote(location: String, reason: String)
    /// The byte source failed underneath the parser.
    case readFailed(offset: UInt64, count: Int, reason: String)

    public var description: String {
        switch self {
        case let .truncated(what, offset, needed, fileSize):
            "the \(what) at byte \(offset) needs \(needed) bytes, but the file is only \(fileSize) bytes long"
        case let .badMagic(bytes):
            "byte 0 starts with " + bytes.map { HexText.number($0) }.joined(separator: " ")
                + ", not the ELF magic 0x7f 'E' 'L' 'F'"
        case let .wrongClass(value):
            "byte 4 (EI_CLASS) is \(value), but kjump reads only 64-bit ELF (class 2)"
        case let .wrongByteOrder(value):
            "byte 5 (EI_DATA) is \(value), but kjump reads only little-endian ELF (1)"
        case let .wrongVersion(value, offset):
            "the ELF version at byte \(offset) is \(value), not 1 (EV_CURRENT)"
        case let .notCore(type):
            "e_type at byte 16 is \(type), not 4 (ET_CORE): this is not a core file"
        case let .wrongMachine(machine):
            "e_machine at byte 18 is \(machine), but kjump reads only x86-64 cores (62)"
        case let .wrongProgramHeaderSize(size):
            "e_phentsize at byte 54 is \(size), but an ELF64 program header is 56 bytes"
        case let .programHeadersOutOfBounds(offset, count, fileSize):
            "the \(count) program headers at byte \(offset) run past the end of the file (\(HexText.number(fileSize)))"
        case let .segmentOutOfBounds(index, headerOffset, dataEnd, fileSize):
            if let dataEnd {
                "program header \(index) at byte \(headerOffset) says its data ends at \(HexText.number(dataEnd)), past the end of the file (\(HexText.number(fileSize)))"
            } else {
                "program header \(index) at byte \(headerOffset) says its data ends beyond 2^64, past the end of the file (\(HexText.number(fileSize)))"
            }
        case let .fileSizeExceedsMemorySize(index, headerOffset, fileSize, memorySize):
            "program header \(index) at byte \(headerOffset) has \(HexText.number(fileSize)) file bytes but only \(HexText.number(memorySize)) memory bytes"
        case let .noteSegmentTooLarge(index, headerOffset, size, limit):
            "program header \(index) at byte \(headerOffset) is a note segment of \(size) bytes, more than the \(limit) bytes kjump reads"
        case let .badNote(location, reason):
            "the note at \(location) \(reason)"
        case let .readFailed(offset, count, reason):
            "reading \(count) bytes at byte \(offset) failed: \(reason)"
        }
    }
}
