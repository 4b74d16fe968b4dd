/// One level of x86-64 paging, from the top. Intel's names; Linux's in
/// `linuxName` (with 4 levels Linux folds its p4d into the pgd, so the PML4
/// is its pgd).
public enum X86PageTableLevel: Int, Sendable, CaseIterable, CustomStringConvertible {
    case pml5 = 5
    case pml4 = 4
    case pdpt = 3
    case pd = 2
    case pt = 1

    /// The lowest virtual-address bit this level's index covers.
    public var shift: UInt64 {
        switch self {
        case .pml5: 48
        case .pml4: 39
        case .pdpt: 30
        case .pd: 21
        case .pt: 12
        }
    }

    /// Bytes one entry of this level maps.
    public var entrySpan: UInt64 { 1 << shift }

    /// The entry index of `virtualAddress` in a table of this level (0...511).
    public func index(of virtualAddress: UInt64) -> Int { Int((virtualAddress >> shift) & 0x1ff) }

    /// The level below; nil for the page table.
    public var next: X86PageTableLevel? { X86PageTableLevel(rawValue: rawValue - 1) }

    /// Linux's name for a table of this level in a kernel with `levels` levels.
    public func linuxName(levels: Int) -> String {
        switch self {
        case .pml5: "pgd"
        case .pml4: levels == 5 ? "p4d" : "pgd"
        case .pdpt: "pud"
        case .pd: "pmd"
        case .pt: "pte"
        }
    }

    public var description: String {
        switch self {
        case .pml5: "PML5"
        case .pml4: "PML4"
        case .pdpt: "PDPT"
        case .pd: "PD"
        case .pt: "PT"
        }
    }
}

/// The size of the page a translation ended in.
public enum X86PageSize: UInt64, Sendable, CustomStringConvertible {
    case size4K = 0x1000
    case size2M = 0x20_0000
    case size1G = 0x4000_0000

    public var bytes: UInt64 { rawValue }

    public var description: String {
        switch self {
        case .size4K: "4 KiB"
        case .size2M: "2 MiB"
        case .size1G: "1 GiB"
        }
    }
}

/// Where a virtual address lands: the physical address and the page that holds it.
public struct X86Translation: Sendable, Equatable {
    public var virtualAddress: UInt64
    public var physicalAddress: UInt64
    public var pageSize: X86PageSize

    public init(virtualAddress: UInt64, physicalAddress: UInt64, pageSize: X86PageSize) {
        self.virtualAddress = virtualAddress
        self.physicalAddress = physicalAddress
        self.pageSize = pageSize
    }

    /// Bytes from the address to the end of its page: how far the mapping
    /// is known to stay physically contiguous.
    public var bytesToPageEnd: UInt64 { pageSize.bytes - (virtualAddress & (pageSize.bytes - 1)) }
}

/// Why a virtual address could not be translated. Every case names the
/// virtual address; the entry cases name the level, the physical address
/// of the entry and its value, so a bad page table can be found in a dump.
public enum PageTableError: Error, Equatable, CustomStringConvertible {
    /// Bits 63 down to 47 (4 levels) or 56 (5 levels) are not all equal.
    case nonCanonical(virtualAddress: UInt64, levels: Int)
    /// The entry has no present bit (bit 0).
    case notPresent(virtualAddress: UInt64, level: X86PageTableLevel, entryAddress: UInt64, entry: UInt64)
    /// The page-size bit (7) is set in a PML5 or PML4 entry, where it is reserved.
    case pageSizeBitReserved(virtualAddress: UInt64, level: X86PageTableLevel, entryAddress: UInt64, entry: UInt64)
    /// A 1 GiB or 2 MiB page entry has frame-address bits set below its page
    /// size (bits 29:13 or 20:13 must be zero): the frame is misaligned.
    case misalignedLargePage(virtualAddress: UInt64, level: X86PageTableLevel, entryAddress: UInt64, entry: UInt64)
    /// The table entry itself could not be read from physical memory.
    case unreadableEntry(virtualAddress: UInt64, level: X86PageTableLevel, entryAddress: UInt64, reason: String)

    /// The virtual address that failed.
    public var virtualAddress: UInt64 {
        switch self {
        case let .nonCanonical(address, _),
             let .notPresent(address, _, _, _),
             let .pageSizeBitReserved(address, _, _, _),
             let .misalignedLargePage(address, _, _, _),
             let .unreadableEntry(address, _, _, _):
            address
        }
    }

    /// The level whose entry failed; nil for a non-canonical address.
    public var level: X86PageTableLevel? {
        switch self {
        case .nonCanonical: nil
        case let .notPresent(_, level, _, _),
             let .pageSizeBitReserved(_, level, _, _),
             let .misalignedLargePage(_, level, _, _),
             let .unreadableEntry(_, level, _, _):
            level
        }
    }

    public var description: String {
        switch self {
        case let .nonCanonical(address, levels):
            "virtual address \(HexText.number(address)) is not canonical for \(levels)-level paging"
        case let .notPresent(address, level, entryAddress, entry):
            "virtual address \(HexText.number(address)) is not mapped: \(level) entry \(level.index(of: address)) at physical \(HexText.number(entryAddress)) is \(HexText.number(entry)), not present"
        case let .pageSizeBitReserved(address, level, entryAddress, entry):
            "virtual address \(HexText.number(address)): \(level) entry \(level.index(of: address)) at physical \(HexText.number(entryAddress)) is \(HexText.number(entry)), with the page-size bit set where it is reserved"
        case let .misalignedLargePage(address, level, entryAddress, entry):
            "virtual address \(HexText.number(address)): \(level) entry \(level.index(of: address)) at physical \(HexText.number(entryAddress)) is \(HexText.number(entry)), a large page whose frame is not aligned to its size"
        case let .unreadableEntry(address, level, entryAddress, reason):
            "virtual address \(HexText.number(address)): cannot read the \(level) entry \(level.index(of: address)) at physical \(HexText.number(entryAddress)): \(reason)"
        }
    }
}

/// Walks x86-64 page tables held in a `PhysicalMemory`: 4-level (PML4) or
/// 5-level (PML5, LA57) paging, with 1 GiB pages in the PDPT, 2 MiB pages
/// in the PD and 4 KiB pages in the PT, as the CPU does it (Intel SDM vol.
/// 3A §4.5). Only the present bit and the page-size bit are interpreted;
/// access rights (R/W, U/S, NX) do not matter for reading a dump.
///
/// Frame addresses are bits 51:12 of an entry, minus `encryptionMask` (the
/// AMD SME C-bit, VMCOREINFO's `NUMBER(sme_mask)`), as the kernel's
/// `PTE_PFN_MASK` (`PHYSICAL_PAGE_MASK`: `__PHYSICAL_MASK & PAGE_MASK`) does
/// (arch/x86/include/asm/pgtable_types.h:289).
///
/// One walk reads one 8-byte entry per level; nothing is cached, so the
/// walker is a plain value that any page source (a vmcore, `/dev/mem`, the
/// R-aware reader) can back.
public struct X86PageTableWalker {
    /// The memory that holds the tables.
    public let memory: any PhysicalMemory
    /// Physical address of the top-level table (CR3 without flags): the PML5
    /// with 5 levels, the PML4 with 4.
    public let rootTable: UInt64
    /// 4 or 5.
    public let levels: Int
    /// Entry bits that hold a frame address (bits 51:12, minus the encryption bit).
    public let frameMask: UInt64

    /// Bits 51:12.
    public static let physicalFrameMask: UInt64 = 0x000f_ffff_ffff_f000
    static let presentBit: UInt64 = 1 << 0
    static let pageSizeBit: UInt64 = 1 << 7

    /// A walker over the tables rooted at `rootTable` (a page address; low
    /// 12 bits are ignored, as in CR3). `levels` must be 4 or 5.
    public init(memory: any PhysicalMemory, rootTable: UInt64, levels: Int = 4, encryptionMask: UInt64 = 0) {
        precondition(levels == 4 || levels == 5, "x86-64 paging has 4 or 5 levels")
        self.memory = memory
        self.rootTable = rootTable & ~0xfff
        self.levels = levels
        self.frameMask = Self.physicalFrameMask & ~encryptionMask
    }

    /// The top level: PML5 or PML4.
    public var topLevel: X86PageTableLevel { levels == 5 ? .pml5 : .pml4 }

    /// True when bits 63 down to 47 (4 levels) or 56 (5 levels) are all equal.
    public func isCanonical(_ virtualAddress: UInt64) -> Bool {
        let bits: UInt64 = levels == 5 ? 57 : 48
        let upper = Int64(bitPattern: virtualAddress) >> (bits - 1)
        return upper == 0 || upper == -1
    }

    /// Translates one virtual address.
    public func translate(_ virtualAddress: UInt64) throws(PageTableError) -> X86Translation {
        guard isCanonical(virtualAddress) else { throw .nonCanonical(virtualAddress: virtualAddress, levels: levels) }
        var table = rootTable
        var level = topLevel
        while true {
            let entryAddress = table + UInt64(level.index(of: virtualAddress) * 8)
            let entry = try readEntry(at: entryAddress, level: level, virtualAddress: virtualAddress)
            guard entry & Self.presentBit != 0 else {
                throw .notPresent(virtualAddress: virtualAddress, level: level, entryAddress: entryAddress, entry: entry)
            }
            let isLeaf = level == .pt || entry & Self.pageSizeBit != 0
            if isLeaf {
                switch level {
                case .pml5, .pml4:
                    throw .pageSizeBitReserved(virtualAddress: virtualAddress, level: level,
                                               entryAddress: entryAddress, entry: entry)
                case .pdpt, .pd:
                    // Bit 12 of a large-page entry is PAT; bits shift-1 .. 13 are reserved.
                    let span = level.entrySpan
                    let reserved = (span - 1) & ~UInt64(0x1fff) & frameMask
                    guard entry & reserved == 0 else {
                        throw .misalignedLargePage(virtualAddress: virtualAddress, level: level,
                                                   entryAddress: entryAddress, entry: entry)
                    }
                    let frame = entry & frameMask & ~(span - 1)
                    return X86Translation(virtualAddress: virtualAddress,
                                          physicalAddress: frame | (virtualAddress & (span - 1)),
                                          pageSize: level == .pdpt ? .size1G : .size2M)
                case .pt:
                    return X86Translation(virtualAddress: virtualAddress,
                                          physicalAddress: (entry & frameMask) | (virtualAddress & 0xfff),
                                          pageSize: .size4K)
                }
            }
            table = entry & frameMask
            level = level.next!
        }
    }

    /// The physical address of `virtualAddress`.
    public func physicalAddress(of virtualAddress: UInt64) throws(PageTableError) -> UInt64 {
        try translate(virtualAddress).physicalAddress
    }

    /// The entry at `entryAddress`, or `unreadableEntry`.
    private func readEntry(at entryAddress: UInt64, level: X86PageTableLevel,
                           virtualAddress: UInt64) throws(PageTableError) -> UInt64 {
        do {
            return try memory.readUInt64LE(at: entryAddress)
        } catch {
            throw .unreadableEntry(virtualAddress: virtualAddress, level: level, entryAddress: entryAddress,
                                   reason: String(describing: error))
        }
    }
}
