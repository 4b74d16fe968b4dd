/// The x86-64 system kernel's virtual address space, read through its own
/// page tables in a `PhysicalMemory` (a vmcore, `/dev/mem`, the R-aware
/// reader): kernel-image symbols, the direct map, vmemmap (`mem_map`).
///
/// Everything comes from VMCOREINFO plus the memory itself (Linux 6.12):
///
/// | value | source |
/// |---|---|
/// | top-level table | `SYMBOL(init_top_pgt)` (arch/x86/kernel/vmcore_info_64.c:13), else `SYMBOL(swapper_pg_dir)` (kernel/vmcore_info.c:146); a kernel-image address, so physical = address − `__START_KERNEL_map` + `phys_base` |
/// | `phys_base` | `NUMBER(phys_base)` (vmcore_info_64.c:12) |
/// | 4 or 5 levels | `NUMBER(pgtable_l5_enabled)` (vmcore_info_64.c:14–15) |
/// | SME C-bit | `NUMBER(sme_mask)` (vmcore_info_64.c:23), cleared from entries |
/// | vmemmap base | `SYMBOL(vmemmap)` (kernel/vmcore_info.c:156, `VMCOREINFO_SYMBOL_ARRAY`): the *value* of `vmemmap`, i.e. `VMEMMAP_START` = `vmemmap_base` (arch/x86/include/asm/pgtable_64.h:258, pgtable_64_types.h:139), already randomized by memory KASLR. Older kernels (Debian's 6.1) lack the line: then decoded from the first section of `SYMBOL(mem_section)` that has a `mem_map`, see `vmemmapBaseFromMemSection` |
/// | image size | `NUMBER(KERNEL_IMAGE_SIZE)` (vmcore_info_64.c:22) |
/// | direct-map base | not in 6.12's VMCOREINFO (`page_offset_base`, arch/x86/kernel/head64.c:64, is a variable that arch/x86/mm/kaslr.c randomizes, and kallsyms lists it only with `CONFIG_KALLSYMS_ALL`): found in the page tables, see `findDirectMapBase` |
///
/// Translation: kernel-image and direct-map addresses by arithmetic (both
/// mappings are linear), everything else by walking the page tables;
/// `walker` walks any address on request.
public struct KernelAddressSpace {
    /// The system kernel's physical memory.
    public let memory: any PhysicalMemory
    /// Walks the kernel's `init_top_pgt`.
    public let walker: X86PageTableWalker
    /// `phys_base`: physical placement of the kernel image.
    public let physBase: UInt64
    /// Size of the kernel-image mapping at `__START_KERNEL_map`.
    public let kernelImageSize: UInt64
    /// `page_offset_base`: where the direct map of physical address 0 starts.
    public let directMapBase: UInt64
    /// Bytes the direct map can cover: 2^`MAX_PHYSMEM_BITS` (46 with 4
    /// levels, 52 with 5 when VMCOREINFO lacks the number), cut short where
    /// vmalloc or vmemmap begins (memory KASLR packs the regions closer).
    public let directMapSize: UInt64
    /// `vmemmap_base`: `struct page` of PFN n is at `vmemmapBase + n * SIZE(page)`;
    /// nil when the kernel is not built with `CONFIG_SPARSEMEM_VMEMMAP`.
    public let vmemmapBase: UInt64?
    /// `VMALLOC_START`, when VMCOREINFO has it.
    public let vmallocStart: UInt64?

    /// x86-64 `__START_KERNEL_map`.
    public static let kernelImageMapStart: UInt64 = VmcoreInfo.kernelImageMapStart
    /// `__PAGE_OFFSET_BASE_L4` (arch/x86/include/asm/page_64_types.h:42): the
    /// direct map's address without memory KASLR, and its lowest with it.
    public static let directMapBaseL4: UInt64 = 0xffff_8880_0000_0000
    /// `__PAGE_OFFSET_BASE_L5` (page_64_types.h:41).
    public static let directMapBaseL5: UInt64 = 0xff11_0000_0000_0000

    /// Reads the kernel's paging setup from `vmcoreInfo` and finds the
    /// direct map in `memory` (unless `directMapBase` is given, e.g. from a
    /// `vmlinux` or kallsyms).
    public init(vmcoreInfo: VmcoreInfo, memory: any PhysicalMemory,
                directMapBase: UInt64? = nil) throws(KernelAddressSpaceError) {
        guard let physBase = vmcoreInfo.physBase else { throw .missing("NUMBER(phys_base)") }
        guard let rootSymbol = vmcoreInfo.symbols["init_top_pgt"] ?? vmcoreInfo.symbols["swapper_pg_dir"] else {
            throw .missing("SYMBOL(init_top_pgt)")
        }
        if let pageSize = vmcoreInfo.pageSize, pageSize != 4096 { throw .unsupportedPageSize(pageSize) }
        let levels = vmcoreInfo.numbers["pgtable_l5_enabled"] == 1 ? 5 : 4
        let imageSize = vmcoreInfo.unsignedNumber("KERNEL_IMAGE_SIZE").flatMap { $0 > 0 ? $0 : nil } ?? (1 << 30)
        guard rootSymbol >= Self.kernelImageMapStart, rootSymbol - Self.kernelImageMapStart < imageSize else {
            throw .notInKernelImage(name: "init_top_pgt", virtualAddress: rootSymbol)
        }
        let root = rootSymbol - Self.kernelImageMapStart &+ physBase
        let walker = X86PageTableWalker(memory: memory, rootTable: root, levels: levels,
                                        encryptionMask: vmcoreInfo.unsignedNumber("sme_mask") ?? 0)
        let physicalBits = vmcoreInfo.numbers["MAX_PHYSMEM_BITS"].flatMap { (1...52).contains($0) ? $0 : nil }
            ?? (levels == 5 ? 52 : 46)
        let vmallocStart = vmcoreInfo.unsignedNumber("VMALLOC_START")
        let vmemmapSymbol = vmcoreInfo.symbols["vmemmap"]
        let base: UInt64
        if let directMapBase {
            base = directMapBase
        } else {
            // A memory without the top-level table would only make the search below find nothing.
            do {
                _ = try memory.read(physicalAddress: root, count: 8)
            } catch {
                throw .unreadable(virtualAddress: rootSymbol, physicalAddress: root, count: 8,
                                  reason: String(describing: error))
            }
            let searchStart = levels == 5 ? Self.directMapBaseL5 : Self.directMapBaseL4
            let searchEnd = vmallocStart.flatMap { $0 > searchStart ? $0 : nil }
                ?? vmemmapSymbol.flatMap { $0 > searchStart ? $0 : nil }
                ?? searchStart &+ (1 << (levels == 5 ? 55 : 46))
            base = try Self.findDirectMapBase(walker: walker, from: searchStart, to: searchEnd)
        }
        let vmemmapBase = vmemmapSymbol ?? Self.vmemmapBaseFromMemSection(vmcoreInfo: vmcoreInfo, walker: walker)
        self.memory = memory
        self.walker = walker
        self.physBase = physBase
        self.kernelImageSize = imageSize
        self.directMapBase = base
        var directMapEnd = base &+ (1 << UInt64(physicalBits))
        for next in [vmallocStart, vmemmapBase].compactMap({ $0 }) where next > base && next < directMapEnd {
            directMapEnd = next
        }
        self.directMapSize = directMapEnd &- base
        self.vmemmapBase = vmemmapBase
        self.vmallocStart = vmallocStart
    }

    /// The direct map's base (`page_offset_base`): the lowest 1 GiB-aligned
    /// address in `[start, end)` whose translation is physical address 0 (or,
    /// if page 0 is unmapped, whose first mapped 4 KiB page in the next MiB
    /// maps 1:1 from it).
    ///
    /// Why this finds it: the kernel always maps physical `[0, 1 MiB)` in the
    /// direct map (`init_memory_mapping(0, ISA_END_ADDRESS)`, arch/x86/mm/init.c:776);
    /// memory KASLR places the direct map first of its regions, at or above
    /// `__PAGE_OFFSET_BASE_L4/L5`, PUD-aligned, with only an unmapped gap
    /// before it, and below vmalloc (arch/x86/mm/kaslr.c:84, 146–162).
    /// Unmapped top-level and PDPT entries are skipped whole, so the search
    /// reads a few hundred entries at most.
    public static func findDirectMapBase(walker: X86PageTableWalker, from start: UInt64,
                                         to end: UInt64) throws(KernelAddressSpaceError) -> UInt64 {
        let step = X86PageTableLevel.pdpt.entrySpan
        var address = (start + step - 1) & ~(step - 1)
        var walks = 0
        while address < end, address >= start {
            walks += 1
            if walks > 1 << 20 { break }
            do {
                if try walker.physicalAddress(of: address) == 0 { return address }
                address &+= step
            } catch .notPresent(_, .pt, _, _) {
                // Low memory is mapped with 4 KiB pages; should page 0 itself be
                // unmapped, any page of the ISA range mapped 1:1 from here will do.
                if Self.mapsLowMemoryLinearly(walker: walker, at: address) { return address }
                address &+= step
            } catch {
                switch error {
                case let .notPresent(_, level, _, _), let .unreadableEntry(_, level, _, _):
                    // Skip everything the missing entry would have mapped.
                    let span = max(level.entrySpan, step)
                    address = (address & ~(span - 1)) &+ span
                case .nonCanonical:
                    return try Self.notFound(start, end)
                default:
                    address &+= step
                }
            }
        }
        return try Self.notFound(start, end)
    }

    /// `vmemmap_base` decoded from `mem_section`, for kernels whose VMCOREINFO
    /// has no `SYMBOL(vmemmap)` (it came with the move to kernel/vmcore_info.c;
    /// Debian's 6.1 lacks it); nil when `mem_section` gives no answer.
    ///
    /// With `CONFIG_SPARSEMEM_VMEMMAP` a section's `section_mem_map` holds its
    /// `mem_map` minus the section's first PFN, in `struct page` units
    /// (`sparse_encode_mem_map`, mm/sparse.c), and that `mem_map` is
    /// `vmemmap + first PFN`: the encoded pointer *is* `vmemmap`, in every
    /// section. Flag bits (`SECTION_MARKED_PRESENT`, `SECTION_HAS_MEM_MAP`, …
    /// below `SECTION_MAP_LAST_BIT`, at most bit 5, include/linux/mmzone.h) are
    /// cleared with the page offset: `vmemmap_base` is page aligned (PUD
    /// aligned under memory KASLR, arch/x86/mm/kaslr.c).
    ///
    /// `SYMBOL(mem_section)` is the array's address (a pointer *value*, in
    /// the direct map). With `CONFIG_SPARSEMEM_EXTREME` (always on x86-64) it
    /// holds `LENGTH(mem_section)` root pointers, each to one page of
    /// `SIZE(mem_section)`-byte sections; without it the sections themselves
    /// (one per root). The two are told apart by the count: a flat array has
    /// one root per section, 2^(`MAX_PHYSMEM_BITS` − `SECTION_SIZE_BITS`).
    /// Reads go through the page tables; the first 64 roots are tried.
    public static func vmemmapBaseFromMemSection(vmcoreInfo info: VmcoreInfo,
                                                 walker: X86PageTableWalker) -> UInt64? {
        let pageSize = UInt64(info.pageSize ?? 4096)
        guard let array = info.symbols["mem_section"], let roots = info.lengths["mem_section"], roots > 0,
              let sectionSize = info.sizes["mem_section"], sectionSize >= 8, sectionSize <= pageSize,
              let mapOffset = info.offsets["mem_section.section_mem_map"], mapOffset + 8 <= sectionSize
        else { return nil }
        func word(at virtualAddress: UInt64) -> UInt64? {
            guard let physical = try? walker.physicalAddress(of: virtualAddress),
                  let bytes = try? walker.memory.read(physicalAddress: physical, count: 8), bytes.count == 8
            else { return nil }
            return LittleEndianBytes.load(UInt64.self, from: bytes, at: 0)
        }
        // The section's map, when it has one (SECTION_HAS_MEM_MAP, bit 1).
        func decode(_ sectionMemMap: UInt64) -> UInt64? {
            guard sectionMemMap & 0b10 != 0 else { return nil }
            let base = sectionMemMap & ~(pageSize - 1)
            // A kernel address (upper half, canonical for 4 or 5 levels).
            guard base >= 0xff00_0000_0000_0000 else { return nil }
            return base
        }
        var flat = false
        if let sectionBits = info.numbers["SECTION_SIZE_BITS"], let physicalBits = info.numbers["MAX_PHYSMEM_BITS"],
           physicalBits > sectionBits, physicalBits - sectionBits < 63 {
            flat = roots == UInt64(1) << UInt64(physicalBits - sectionBits)
        }
        if flat {
            for index in 0..<min(roots, 64 * (pageSize / sectionSize)) {
                if let map = word(at: array &+ index &* sectionSize &+ mapOffset), let base = decode(map) {
                    return base
                }
            }
            return nil
        }
        for root in 0..<min(roots, 64) {
            guard let sections = word(at: array &+ root &* 8), sections != 0 else { continue }
            for index in 0..<(pageSize / sectionSize) {
                if let map = word(at: sections &+ index &* sectionSize &+ mapOffset), let base = decode(map) {
                    return base
                }
            }
        }
        return nil
    }

    /// True when some page in the first MiB after `base` maps to `base`'s offset.
    static func mapsLowMemoryLinearly(walker: X86PageTableWalker, at base: UInt64) -> Bool {
        for offset in stride(from: UInt64(0x1000), to: 0x10_0000, by: 0x1000) {
            if let physical = try? walker.physicalAddress(of: base + offset) { return physical == offset }
        }
        return false
    }

    private static func notFound(_ start: UInt64, _ end: UInt64) throws(KernelAddressSpaceError) -> UInt64 {
        throw .directMapNotFound(searchedFrom: start, to: end)
    }

    /// Which mapping an address belongs to.
    public enum Region: Sendable, Equatable {
        case kernelImage
        case directMap
        case vmemmap
        /// Anything else (vmalloc, modules, fixmap, user space): page tables only.
        case other
    }

    /// The region of `virtualAddress`.
    public func region(of virtualAddress: UInt64) -> Region {
        if virtualAddress >= Self.kernelImageMapStart, virtualAddress - Self.kernelImageMapStart < kernelImageSize {
            return .kernelImage
        }
        if virtualAddress >= directMapBase, virtualAddress - directMapBase < directMapSize { return .directMap }
        if let vmemmapBase, virtualAddress >= vmemmapBase,
           virtualAddress - vmemmapBase < (directMapSize >> 12) * 64 {
            return .vmemmap
        }
        return .other
    }

    /// The direct-map address of a physical address (`__va`).
    public func directMapAddress(ofPhysical physicalAddress: UInt64) -> UInt64 { directMapBase &+ physicalAddress }

    /// The virtual address of PFN `pfn`'s `struct page`, `structPageSize` bytes each.
    public func structPageAddress(ofPFN pfn: UInt64, structPageSize: UInt64) throws(KernelAddressSpaceError) -> UInt64 {
        guard let vmemmapBase else { throw .missing("SYMBOL(vmemmap)") }
        return vmemmapBase &+ pfn &* structPageSize
    }

    /// The physical address of `virtualAddress`: by arithmetic in the kernel
    /// image and the direct map (`__pa`), through the page tables elsewhere.
    public func physicalAddress(of virtualAddress: UInt64) throws(KernelAddressSpaceError) -> UInt64 {
        switch region(of: virtualAddress) {
        case .kernelImage:
            return virtualAddress - Self.kernelImageMapStart &+ physBase
        case .directMap:
            return virtualAddress - directMapBase
        case .vmemmap, .other:
            do { return try walker.physicalAddress(of: virtualAddress) } catch { throw .pageTable(error) }
        }
    }

    /// One physically contiguous piece of a virtual range.
    public struct Extent: Sendable, Equatable {
        /// Offset of the piece from the start of the virtual range.
        public var offset: Int
        public var count: Int
        /// Where the piece is; nil when that part of the range is not mapped.
        public var physicalAddress: UInt64?
    }

    /// Splits `[virtualAddress, virtualAddress + count)` into physically
    /// contiguous pieces, walking the page tables once per page (a 2 MiB or
    /// 1 GiB page is one walk) outside the linear mappings. Unmapped pages
    /// (not present at any level) become pieces without a physical address;
    /// other page-table faults throw.
    public func extents(virtualAddress: UInt64, count: Int) throws(KernelAddressSpaceError) -> [Extent] {
        guard count > 0 else { return [] }
        let (_, overflow) = virtualAddress.addingReportingOverflow(UInt64(count))
        guard !overflow else { throw .invalidRange(virtualAddress: virtualAddress, count: count) }
        var result: [Extent] = []
        var done = 0
        while done < count {
            let address = virtualAddress + UInt64(done)
            let remaining = count - done
            var physical: UInt64? = nil
            var length: Int
            switch region(of: address) {
            case .kernelImage:
                let left = kernelImageSize - (address - Self.kernelImageMapStart)
                physical = address - Self.kernelImageMapStart &+ physBase
                length = Int(min(UInt64(remaining), left))
            case .directMap:
                let left = directMapSize - (address - directMapBase)
                physical = address - directMapBase
                length = Int(min(UInt64(remaining), left))
            case .vmemmap, .other:
                do {
                    let translation = try walker.translate(address)
                    physical = translation.physicalAddress
                    length = Int(min(UInt64(remaining), translation.bytesToPageEnd))
                } catch {
                    guard case let .notPresent(_, level, _, _) = error else { throw .pageTable(error) }
                    // The whole span of the missing entry is unmapped.
                    let span = level.entrySpan
                    let toEnd = span - (address & (span - 1))
                    length = Int(min(UInt64(remaining), toEnd))
                }
            }
            if let last = result.last, last.offset + last.count == done,
               (last.physicalAddress == nil && physical == nil)
                || (last.physicalAddress.map { $0 &+ UInt64(last.count) } == physical && physical != nil) {
                result[result.count - 1].count += length
            } else {
                result.append(Extent(offset: done, count: length, physicalAddress: physical))
            }
            done += length
        }
        return result
    }

    /// The `count` bytes at `virtualAddress`, one physical read per
    /// contiguous piece. Throws when any part is unmapped or unreadable.
    public func read(virtualAddress: UInt64, count: Int) throws(KernelAddressSpaceError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        for extent in try extents(virtualAddress: virtualAddress, count: count) {
            let address = virtualAddress + UInt64(extent.offset)
            guard let physical = extent.physicalAddress else { throw .unmapped(virtualAddress: address) }
            out += try readPhysical(physical, count: extent.count, virtualAddress: address)
        }
        return out
    }

    /// The little-endian 64-bit word at `virtualAddress`.
    public func readUInt64LE(virtualAddress: UInt64) throws(KernelAddressSpaceError) -> UInt64 {
        LittleEndianBytes.load(UInt64.self, from: try read(virtualAddress: virtualAddress, count: 8), at: 0)
    }

    /// The NUL-terminated string at `virtualAddress` (at most `maxLength` bytes, UTF-8).
    public func readCString(virtualAddress: UInt64, maxLength: Int = 4096) throws(KernelAddressSpaceError) -> String {
        var collected: [UInt8] = []
        var address = virtualAddress
        while collected.count < maxLength {
            let chunk = min(4096 - Int(address & 0xfff), maxLength - collected.count)
            let bytes = try read(virtualAddress: address, count: chunk)
            if let nul = bytes.firstIndex(of: 0) {
                collected += bytes[..<nul]
                return String(decoding: collected, as: UTF8.self)
            }
            collected += bytes
            address &+= UInt64(chunk)
        }
        throw .unterminatedString(virtualAddress: virtualAddress, maxLength: maxLength)
    }

    /// `count` bytes of physical memory, failures named by the virtual address.
    func readPhysical(_ physical: UInt64, count: Int, virtualAddress: UInt64) throws(KernelAddressSpaceError) -> [UInt8] {
        do {
            return try memory.read(physicalAddress: physical, count: count)
        } catch {
            throw .unreadable(virtualAddress: virtualAddress, physicalAddress: physical, count: count,
                              reason: String(describing: error))
        }
    }
}

/// Why the kernel's address space could not be set up or read.
public enum KernelAddressSpaceError: Error, Equatable, CustomStringConvertible {
    /// VMCOREINFO lacks a line the translation needs, e.g. `SYMBOL(init_top_pgt)`.
    case missing(String)
    /// `PAGESIZE` is not 4096.
    case unsupportedPageSize(Int)
    /// A symbol that must be in the kernel image mapping is not.
    case notInKernelImage(name: String, virtualAddress: UInt64)
    /// No 1 GiB-aligned address in the searched range maps physical address 0.
    case directMapNotFound(searchedFrom: UInt64, to: UInt64)
    /// A page-table walk failed.
    case pageTable(PageTableError)
    /// Part of a range read is not mapped (no present entry at some level).
    case unmapped(virtualAddress: UInt64)
    /// The physical memory behind a virtual address could not be read.
    case unreadable(virtualAddress: UInt64, physicalAddress: UInt64, count: Int, reason: String)
    /// The range wraps past the end of the 64-bit address space.
    case invalidRange(virtualAddress: UInt64, count: Int)
    /// No NUL within `maxLength` bytes.
    case unterminatedString(virtualAddress: UInt64, maxLength: Int)

    public var description: String {
        switch self {
        case let .missing(line):
            "the system kernel's VMCOREINFO has no \(line), which kernel address translation needs"
        case let .unsupportedPageSize(size):
            "the system kernel's page size is \(size) bytes; kjump reads only 4096-byte pages"
        case let .notInKernelImage(name, address):
            "\(name) at \(HexText.number(address)) is outside the kernel image mapping at \(HexText.number(VmcoreInfo.kernelImageMapStart))"
        case let .directMapNotFound(start, end):
            "no 1 GiB-aligned address in [\(HexText.number(start)), \(HexText.number(end))) maps physical address 0: cannot find the kernel's direct map"
        case let .pageTable(error):
            error.description
        case let .unmapped(address):
            "virtual address \(HexText.number(address)) is not mapped by the system kernel's page tables"
        case let .unreadable(virtualAddress, physicalAddress, count, reason):
            "cannot read \(count) bytes at virtual \(HexText.number(virtualAddress)) (physical \(HexText.number(physicalAddress))): \(reason)"
        case let .invalidRange(address, count):
            "cannot read \(count) bytes at virtual \(HexText.number(address)): the range wraps past the end of the address space"
        case let .unterminatedString(address, maxLength):
            "the string at virtual \(HexText.number(address)) has no terminating NUL within \(maxLength) bytes"
        }
    }
}
