/// The layout of the system kernel's `struct page` and the flag and
/// page-type values that classify it, all from VMCOREINFO (Linux 6.12,
/// kernel/vmcore_info.c:166–212):
///
/// | field | VMCOREINFO | used for |
/// |---|---|---|
/// | `structPageSize` | `SIZE(page)` | stride of `mem_map` |
/// | `flagsOffset` | `OFFSET(page.flags)` | `PG_*` bits; a head's order is the low byte of the next page's flags (`compound_order`: `folio->_flags_1 & 0xff`, include/linux/mm.h:1095–1102) |
/// | `mappingOffset` | `OFFSET(page.mapping)` | bit 0 `PAGE_MAPPING_ANON` (include/linux/page-flags.h:673) |
/// | `privateOffset` | `OFFSET(page.private)` | a free block's buddy order (`set_buddy_order`) |
/// | `mapcountOffset` | `OFFSET(page._mapcount)` | shares its word with `page_type` (page-flags.h:934–1009) |
/// | `compoundHeadOffset` | `OFFSET(page.compound_head)` | bit 0 marks a tail page |
/// | `lruBit`, `privateBit`, `swapCacheBit`, `swapBackedBit`, `hwpoisonBit`, `slabBit` | `NUMBER(PG_lru)` … (`PG_hwpoison` only with `CONFIG_MEMORY_FAILURE`; `PG_slab` only before 6.10) | cache / anon tests |
/// | `headMask` | `NUMBER(PG_head_mask)` | compound heads |
/// | `buddyType`, `offlineType`, `slabType`, `hugetlbType` | `NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)` … `(PGTY_x << 24)`, printed `%ld` of an `int`: negative | page types |
/// | `orderCount` | `LENGTH(zone.free_area)` (`NR_PAGE_ORDERS`) | rejects a bad buddy order |
public struct MemMapLayout: Sendable, Equatable {
    public var pageSize: UInt64
    public var structPageSize: Int
    public var flagsOffset: Int
    public var mappingOffset: Int
    public var privateOffset: Int
    public var mapcountOffset: Int
    /// nil on kernels without `compound_head` (before 4.6): no tail test.
    public var compoundHeadOffset: Int?
    public var lruBit: Int
    public var privateBit: Int
    public var swapCacheBit: Int
    /// nil before 4.10: `PG_swapcache` then counts alone.
    public var swapBackedBit: Int?
    public var hwpoisonBit: Int?
    /// `PG_slab`, nil from 6.10 on (slab became a page type).
    public var slabBit: Int?
    public var headMask: UInt64
    public var buddyType: PageTypeValue
    public var offlineType: PageTypeValue?
    public var slabType: PageTypeValue?
    public var hugetlbType: PageTypeValue?
    /// `NR_PAGE_ORDERS`; a buddy order at or above it is not trusted.
    public var orderCount: Int

    /// Reads the layout; throws naming the first missing line.
    public init(vmcoreInfo info: VmcoreInfo) throws(PageFilterError) {
        func size(_ name: String) throws(PageFilterError) -> Int {
            guard let value = info.sizes[name], value > 0, value < 4096 else { throw .missing("SIZE(\(name))") }
            return Int(value)
        }
        func offset(_ name: String, within limit: Int) throws(PageFilterError) -> Int {
            guard let value = info.offsets[name] else { throw .missing("OFFSET(\(name))") }
            guard limit >= 8, value <= UInt64(limit - 8) else { throw .implausible("OFFSET(\(name))=\(value) in a \(limit)-byte struct page") }
            return Int(value)
        }
        func bit(_ name: String) throws(PageFilterError) -> Int {
            guard let value = info.numbers[name] else { throw .missing("NUMBER(\(name))") }
            guard (0..<64).contains(value) else { throw .implausible("NUMBER(\(name))=\(value) is not a bit number") }
            return Int(value)
        }
        func optionalBit(_ name: String) throws(PageFilterError) -> Int? {
            info.numbers[name] == nil ? nil : try bit(name)
        }
        func type(_ name: String) -> PageTypeValue? {
            info.numbers[name].map { PageTypeValue(UInt32(truncatingIfNeeded: $0)) }
        }

        pageSize = UInt64(info.pageSize ?? 4096)
        structPageSize = try size("page")
        let limit = structPageSize
        flagsOffset = try offset("page.flags", within: limit)
        mappingOffset = try offset("page.mapping", within: limit)
        privateOffset = try offset("page.private", within: limit)
        mapcountOffset = try offset("page._mapcount", within: limit)
        compoundHeadOffset = info.offsets["page.compound_head"] == nil ? nil : try offset("page.compound_head", within: limit)
        lruBit = try bit("PG_lru")
        privateBit = try bit("PG_private")
        swapCacheBit = try bit("PG_swapcache")
        swapBackedBit = try optionalBit("PG_swapbacked")
        hwpoisonBit = try optionalBit("PG_hwpoison")
        slabBit = try optionalBit("PG_slab")
        guard let head = info.numbers["PG_head_mask"] else { throw .missing("NUMBER(PG_head_mask)") }
        headMask = UInt64(bitPattern: head)
        guard let buddy = type("PAGE_BUDDY_MAPCOUNT_VALUE") else { throw .missing("NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)") }
        buddyType = buddy
        offlineType = type("PAGE_OFFLINE_MAPCOUNT_VALUE")
        slabType = type("PAGE_SLAB_MAPCOUNT_VALUE")
        hugetlbType = type("PAGE_HUGETLB_MAPCOUNT_VALUE")
        orderCount = info.lengths["zone.free_area"].map { Int(min($0, 63)) } ?? 11
    }

    /// A layout given field by field (tests, other kernels).
    public init(pageSize: UInt64 = 4096, structPageSize: Int, flagsOffset: Int, mappingOffset: Int,
                privateOffset: Int, mapcountOffset: Int, compoundHeadOffset: Int?, lruBit: Int,
                privateBit: Int, swapCacheBit: Int, swapBackedBit: Int?, hwpoisonBit: Int?, slabBit: Int?,
                headMask: UInt64, buddyType: PageTypeValue, offlineType: PageTypeValue?,
                slabType: PageTypeValue?, hugetlbType: PageTypeValue?, orderCount: Int) {
        self.pageSize = pageSize
        self.structPageSize = structPageSize
        self.flagsOffset = flagsOffset
        self.mappingOffset = mappingOffset
        self.privateOffset = privateOffset
        self.mapcountOffset = mapcountOffset
        self.compoundHeadOffset = compoundHeadOffset
        self.lruBit = lruBit
        self.privateBit = privateBit
        self.swapCacheBit = swapCacheBit
        self.swapBackedBit = swapBackedBit
        self.hwpoisonBit = hwpoisonBit
        self.slabBit = slabBit
        self.headMask = headMask
        self.buddyType = buddyType
        self.offlineType = offlineType
        self.slabType = slabType
        self.hugetlbType = hugetlbType
        self.orderCount = orderCount
    }
}

/// A page-type value as VMCOREINFO gives it (`NUMBER(PAGE_*_MAPCOUNT_VALUE)`),
/// and the test for it on the `page_type` / `_mapcount` word.
///
/// From 6.11 on a type is `PGTY_x << 24` with zero low bits, and the kernel
/// tests only the top byte (`page_type >> 24 == PGTY_x`, page-flags.h:995);
/// older kernels stored `~PG_x` and makedumpfile compares the whole word.
/// A value with zero low 24 bits is matched on its top byte, any other on
/// the whole word.
public struct PageTypeValue: Sendable, Equatable, CustomStringConvertible {
    public var value: UInt32

    public init(_ value: UInt32) {
        self.value = value
    }

    /// True when a `page_type` word holds this type.
    @inline(__always)
    public func matches(_ pageType: UInt32) -> Bool {
        value & 0x00ff_ffff == 0 ? pageType >> 24 == value >> 24 : pageType == value
    }

    public var description: String { HexText.number(UInt64(value)) }
}

/// Why `mem_map` could not be classified.
public enum PageFilterError: Error, Equatable, CustomStringConvertible {
    /// VMCOREINFO lacks a line the filter needs.
    case missing(String)
    /// A VMCOREINFO value cannot be right.
    case implausible(String)
    /// The kernel is not built with `CONFIG_SPARSEMEM_VMEMMAP` (no `SYMBOL(vmemmap)`,
    /// nor a `mem_section` to decode it from).
    case noVmemmap
    /// Reading `mem_map` failed (not merely an unmapped hole): translating its
    /// virtual addresses, or reading at `physicalAddress`.
    case memMapUnreadable(firstPFN: UInt64, pageCount: Int, physicalAddress: UInt64?, cause: UnderlyingError)

    public var description: String {
        switch self {
        case let .missing(line):
            "the system kernel's VMCOREINFO has no \(line), which page filtering needs"
        case let .implausible(what):
            "implausible VMCOREINFO value: \(what)"
        case .noVmemmap:
            "the system kernel's VMCOREINFO has no SYMBOL(vmemmap), and no section of SYMBOL(mem_section) gives it: kjump filters pages only on kernels built with CONFIG_SPARSEMEM_VMEMMAP"
        case let .memMapUnreadable(pfn, count, physical, cause):
            "cannot read the struct pages of \(count) page frames from PFN \(HexText.number(pfn)): "
                + (physical.map { "physical \(HexText.number($0)): " } ?? "") + cause.description
        }
    }
}
