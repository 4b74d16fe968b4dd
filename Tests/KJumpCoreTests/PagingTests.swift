import Testing
@testable import KJumpCore

/// Builds x86-64 page tables in a `FakePhysicalMemory`, taking table pages
/// from a bump allocator, the way the kernel's tables look in a dump.
struct PageTableBuilder {
    var memory: FakePhysicalMemory
    let levels: Int
    let root: UInt64
    private var nextTable: UInt64

    /// Present, writable, accessed, dirty: what the kernel puts in its tables.
    static let tableFlags: UInt64 = 0x63
    static let pageSizeBit: UInt64 = 0x80

    init(levels: Int, tableArea: UInt64, memory: FakePhysicalMemory = FakePhysicalMemory()) {
        self.memory = memory
        self.levels = levels
        self.root = tableArea
        self.nextTable = tableArea + 4096
        self.memory.addPages(from: tableArea, to: tableArea + 4096)
    }

    var walker: X86PageTableWalker { X86PageTableWalker(memory: memory, rootTable: root, levels: levels) }

    private mutating func allocateTable() -> UInt64 {
        let table = nextTable
        nextTable += 4096
        memory.addPages(from: table, to: table + 4096)
        return table
    }

    /// The physical address of the entry for `virtualAddress` at `level`,
    /// creating the tables above it.
    mutating func entryAddress(_ virtualAddress: UInt64, level target: X86PageTableLevel) -> UInt64 {
        var table = root
        var level: X86PageTableLevel = levels == 5 ? .pml5 : .pml4
        while true {
            let address = table + UInt64(level.index(of: virtualAddress) * 8)
            if level == target { return address }
            var entry = try! memory.readUInt64LE(at: address)
            if entry & 1 == 0 {
                entry = allocateTable() | Self.tableFlags
                memory.storeUInt64(entry, at: address)
            }
            table = entry & X86PageTableWalker.physicalFrameMask
            level = level.next!
        }
    }

    /// Maps one page of `size` at `virtualAddress` to `physicalAddress`.
    mutating func map(_ virtualAddress: UInt64, to physicalAddress: UInt64, size: X86PageSize,
                      extraBits: UInt64 = 0) {
        let level: X86PageTableLevel = switch size {
        case .size4K: .pt
        case .size2M: .pd
        case .size1G: .pdpt
        }
        let address = entryAddress(virtualAddress, level: level)
        let pageSize: UInt64 = size == .size4K ? 0 : Self.pageSizeBit
        memory.storeUInt64(physicalAddress | Self.tableFlags | pageSize | extraBits, at: address)
    }

    /// Maps `[virtualAddress, + bytes)` to `[physicalAddress, + bytes)` with pages of `size`.
    mutating func mapRange(_ virtualAddress: UInt64, to physicalAddress: UInt64, bytes: UInt64, size: X86PageSize) {
        var done: UInt64 = 0
        while done < bytes {
            map(virtualAddress + done, to: physicalAddress + done, size: size)
            done += size.bytes
        }
    }

    /// Overwrites the entry for `virtualAddress` at `level` with `value`.
    mutating func setEntry(_ virtualAddress: UInt64, level: X86PageTableLevel, to value: UInt64) {
        let address = entryAddress(virtualAddress, level: level)
        memory.storeUInt64(value, at: address)
    }
}

@Suite struct PagingWalkerTests {
    static let kernelText: UInt64 = 0xffff_ffff_8100_0000

    @Test(arguments: [4, 5])
    func translatesEveryPageSize(levels: Int) throws {
        var builder = PageTableBuilder(levels: levels, tableArea: 0x10_0000)
        let direct: UInt64 = levels == 5 ? 0xff11_0000_0000_0000 : 0xffff_8880_0000_0000
        builder.map(direct, to: 0, size: .size1G)
        builder.map(direct + (1 << 30), to: 0x4000_0000, size: .size2M)
        builder.map(Self.kernelText, to: 0x0120_3000, size: .size4K)
        let walker = builder.walker

        let huge = try walker.translate(direct + 0x1234_5678)
        #expect(huge == X86Translation(virtualAddress: direct + 0x1234_5678, physicalAddress: 0x1234_5678, pageSize: .size1G))
        #expect(huge.bytesToPageEnd == 0x4000_0000 - 0x1234_5678)

        let large = try walker.translate(direct + (1 << 30) + 0x1f_fff8)
        #expect(large.physicalAddress == 0x4000_0000 + 0x1f_fff8)
        #expect(large.pageSize == .size2M)
        #expect(large.bytesToPageEnd == 8)

        let small = try walker.translate(Self.kernelText + 0xabc)
        #expect(small.physicalAddress == 0x0120_3abc)
        #expect(small.pageSize == .size4K)
        #expect(try walker.physicalAddress(of: Self.kernelText) == 0x0120_3000)
    }

    @Test func fiveLevelsUseThePML5Index() throws {
        // Two addresses that differ only in bits 56:48 must land in different PML5 slots.
        var builder = PageTableBuilder(levels: 5, tableArea: 0x20_0000)
        let first: UInt64 = 0xff11_0000_0000_0000
        let second: UInt64 = 0xff12_0000_0000_0000
        builder.map(first, to: 0x1000, size: .size4K)
        builder.map(second, to: 0x2000, size: .size4K)
        #expect(try builder.walker.physicalAddress(of: first) == 0x1000)
        #expect(try builder.walker.physicalAddress(of: second) == 0x2000)
        #expect(X86PageTableLevel.pml5.index(of: first) != X86PageTableLevel.pml5.index(of: second))
        // With 4 levels the same address is not canonical.
        let four = X86PageTableWalker(memory: builder.memory, rootTable: builder.root, levels: 4)
        #expect(throws: PageTableError.nonCanonical(virtualAddress: first, levels: 4)) { try four.translate(first) }
    }

    @Test(arguments: [4, 5])
    func notPresentNamesTheLevelAndTheEntry(levels: Int) throws {
        var builder = PageTableBuilder(levels: levels, tableArea: 0x10_0000)
        let base: UInt64 = 0xffff_c900_0000_0000
        builder.map(base, to: 0x5000, size: .size4K)

        // A hole in the page table itself.
        let pteHole = base + 0x1000
        let pteEntry = builder.entryAddress(pteHole, level: .pt)
        #expect(throws: PageTableError.notPresent(virtualAddress: pteHole, level: .pt, entryAddress: pteEntry, entry: 0)) {
            try builder.walker.translate(pteHole)
        }
        // A hole one level up: the next 2 MiB has no PT.
        let pmdHole = base + (2 << 20)
        let pmdEntry = builder.entryAddress(pmdHole, level: .pd)
        #expect(throws: PageTableError.notPresent(virtualAddress: pmdHole, level: .pd, entryAddress: pmdEntry, entry: 0)) {
            try builder.walker.translate(pmdHole)
        }
        // Nothing at all in the top table's slot.
        // (With 5 levels the PML5 slot is shared with `base`, so the PML4 entry is missing.)
        let topHole: UInt64 = 0xffff_ff00_0000_0000
        do {
            _ = try builder.walker.translate(topHole)
            Issue.record("an unmapped address translated")
        } catch {
            #expect(error.level == .pml4)
            #expect(error.virtualAddress == topHole)
            #expect(error.description.contains("0xffffff0000000000"))
            #expect(error.description.contains("not present"))
        }
    }

    @Test func aNonPresentEntryKeepsItsValueInTheError() throws {
        var builder = PageTableBuilder(levels: 4, tableArea: 0x10_0000)
        let address: UInt64 = 0xffff_c900_0000_0000
        builder.map(address, to: 0x5000, size: .size4K)
        // A swapped-out-looking PTE: bits set but not present.
        builder.setEntry(address, level: .pt, to: 0x0000_0000_dead_b000)
        let entryAddress = builder.entryAddress(address, level: .pt)
        let error = #expect(throws: PageTableError.self) { try builder.walker.translate(address) }
        #expect(error == .notPresent(virtualAddress: address, level: .pt, entryAddress: entryAddress, entry: 0xdead_b000))
        #expect(error?.description == "virtual address 0xffffc90000000000 is not mapped: PT entry 0 at physical \(HexText.number(entryAddress)) is 0xdeadb000, not present")
    }

    @Test(arguments: [4, 5])
    func pageSizeBitAtTheTopIsReserved(levels: Int) throws {
        var builder = PageTableBuilder(levels: levels, tableArea: 0x10_0000)
        let address: UInt64 = 0xffff_8880_0000_0000
        builder.setEntry(address, level: .pml4, to: 0x4000_0000 | 0xe3)
        let entryAddress = builder.entryAddress(address, level: .pml4)
        #expect(throws: PageTableError.pageSizeBitReserved(virtualAddress: address, level: .pml4,
                                                           entryAddress: entryAddress, entry: 0x4000_00e3)) {
            try builder.walker.translate(address)
        }
    }

    @Test func misalignedLargePagesAreBadEntries() throws {
        var builder = PageTableBuilder(levels: 4, tableArea: 0x10_0000)
        let gig: UInt64 = 0xffff_8880_0000_0000
        let twoMeg: UInt64 = 0xffff_8880_4000_0000
        builder.map(gig, to: 0x4020_0000, size: .size1G)      // bit 21 set in a 1 GiB frame
        builder.map(twoMeg, to: 0x0030_2000, size: .size2M)   // bit 13 set in a 2 MiB frame
        #expect(throws: PageTableError.self) { try builder.walker.translate(gig) }
        let error = #expect(throws: PageTableError.self) { try builder.walker.translate(twoMeg + 5) }
        #expect(error?.level == .pd)
        guard case .misalignedLargePage = error else {
            Issue.record("expected misalignedLargePage, got \(String(describing: error))")
            return
        }
        // Bit 12 of a large page is PAT, not part of the frame: allowed and ignored.
        builder.map(twoMeg, to: 0x0040_0000, size: .size2M, extraBits: 0x1000)
        #expect(try builder.walker.physicalAddress(of: twoMeg + 5) == 0x0040_0005)
    }

    @Test func anEntryPointingOutsideMemoryIsUnreadable() throws {
        var builder = PageTableBuilder(levels: 4, tableArea: 0x10_0000)
        let address: UInt64 = 0xffff_ea00_0000_0000
        // The PML4 entry points at a PDPT that is not in the dump.
        builder.setEntry(address, level: .pml4, to: 0x7_0000_0000 | 0x63)
        let error = #expect(throws: PageTableError.self) { try builder.walker.translate(address) }
        guard case let .unreadableEntry(virtualAddress, level, entryAddress, reason)? = error else {
            Issue.record("expected unreadableEntry, got \(String(describing: error))")
            return
        }
        #expect(virtualAddress == address)
        #expect(level == .pdpt)
        #expect(entryAddress == 0x7_0000_0000 + UInt64(X86PageTableLevel.pdpt.index(of: address) * 8))
        #expect(reason.contains("not present"))
        #expect(error!.description.contains("cannot read the PDPT entry 0"))
    }

    @Test func theEncryptionBitIsNotPartOfTheFrame() throws {
        var builder = PageTableBuilder(levels: 4, tableArea: 0x10_0000)
        let address: UInt64 = 0xffff_8880_0000_0000
        let cBit: UInt64 = 1 << 47
        builder.map(address, to: 0x20_0000 | cBit, size: .size2M)
        let plain = X86PageTableWalker(memory: builder.memory, rootTable: builder.root, levels: 4)
        let sme = X86PageTableWalker(memory: builder.memory, rootTable: builder.root, levels: 4, encryptionMask: cBit)
        #expect(try plain.physicalAddress(of: address) == 0x20_0000 | cBit)
        #expect(try sme.physicalAddress(of: address) == 0x20_0000)
    }

    @Test func canonicalForms() {
        let memory = FakePhysicalMemory()
        let four = X86PageTableWalker(memory: memory, rootTable: 0, levels: 4)
        let five = X86PageTableWalker(memory: memory, rootTable: 0, levels: 5)
        #expect(four.isCanonical(0x0000_7fff_ffff_ffff))
        #expect(four.isCanonical(0xffff_8000_0000_0000))
        #expect(!four.isCanonical(0x0000_8000_0000_0000))
        #expect(!four.isCanonical(0xff11_0000_0000_0000))
        #expect(five.isCanonical(0xff11_0000_0000_0000))
        #expect(five.isCanonical(0x00ff_ffff_ffff_ffff))
        #expect(!five.isCanonical(0x0100_0000_0000_0000))
        #expect(X86PageTableLevel.pml4.linuxName(levels: 4) == "pgd")
        #expect(X86PageTableLevel.pml4.linuxName(levels: 5) == "p4d")
    }
}

/// A synthetic system kernel: page tables, VMCOREINFO, a kernel image with
/// `init_uts_ns`, a direct map and vmemmap, optionally at randomized places.
struct SyntheticKernel {
    var builder: PageTableBuilder
    var vmcoreInfo: VmcoreInfo
    let physBase: UInt64
    let directMapBase: UInt64
    let vmemmapBase: UInt64
    /// Physical address of `init_uts_ns`.
    let utsPhysical: UInt64
    static let release = "6.12.117-synthetic"

    /// RAM is `[0, ramBytes)`; the kernel image sits at `physBase`.
    init(levels: Int = 4, physBase: UInt64 = 0x0200_0000, directMapBase: UInt64 = 0xffff_9c80_4000_0000,
         vmemmapBase: UInt64 = 0xffff_e3c0_0000_0000, ramBytes: UInt64 = 0x4000_0000,
         vmemmapPFNs: [Range<UInt64>] = [0..<512]) {
        self.physBase = physBase
        self.directMapBase = directMapBase
        self.vmemmapBase = vmemmapBase
        // The top table is init_top_pgt, inside the image; more tables follow it.
        var builder = PageTableBuilder(levels: levels, tableArea: physBase + 0x3000)
        // The direct map: 1 GiB pages where aligned, 2 MiB for the rest.
        var mapped: UInt64 = 0
        while mapped < ramBytes {
            if ramBytes - mapped >= 1 << 30 {
                builder.map(directMapBase + mapped, to: mapped, size: .size1G)
                mapped += 1 << 30
            } else {
                builder.map(directMapBase + mapped, to: mapped, size: .size2M)
                mapped += 2 << 20
            }
        }
        // The kernel image: 16 MiB in 2 MiB pages.
        builder.mapRange(KernelAddressSpace.kernelImageMapStart, to: physBase, bytes: 16 << 20, size: .size2M)
        // vmemmap, 4 KiB pages, backed at 0x0300_0000 onwards (64 PFNs per page).
        var backing: UInt64 = 0x0300_0000
        for range in vmemmapPFNs {
            var page = (range.lowerBound * 64) & ~0xfff
            while page < range.upperBound * 64 {
                builder.memory.addPages(from: backing, to: backing + 4096)
                builder.map(vmemmapBase + page, to: backing, size: .size4K)
                backing += 4096
                page += 4096
            }
        }
        // init_uts_ns, 0x5a0 bytes into the image's second page.
        utsPhysical = physBase + 0x15a0
        builder.memory.addPages(from: physBase, to: physBase + 0x3000)
        builder.memory.store(Array(Self.release.utf8) + [0], at: utsPhysical + 130)
        self.builder = builder

        let text = """
        OSRELEASE=\(Self.release)
        PAGESIZE=4096
        SYMBOL(init_uts_ns)=\(String(KernelAddressSpace.kernelImageMapStart + 0x15a0, radix: 16))
        OFFSET(uts_namespace.name)=0
        SYMBOL(swapper_pg_dir)=\(String(KernelAddressSpace.kernelImageMapStart + 0x3000, radix: 16))
        NUMBER(VMALLOC_START)=0xffffc90000000000
        SYMBOL(vmemmap)=\(String(vmemmapBase, radix: 16))
        NUMBER(MAX_PHYSMEM_BITS)=\(levels == 5 ? 52 : 46)
        NUMBER(phys_base)=\(physBase)
        SYMBOL(init_top_pgt)=\(String(KernelAddressSpace.kernelImageMapStart + 0x3000, radix: 16))
        NUMBER(pgtable_l5_enabled)=\(levels == 5 ? 1 : 0)
        KERNELOFFSET=0
        NUMBER(KERNEL_IMAGE_SIZE)=1073741824
        NUMBER(sme_mask)=0

        """
        vmcoreInfo = VmcoreInfo(text: text)
        if levels == 5 { vmcoreInfo.numbers["VMALLOC_START"] = Int64(bitPattern: 0xffa0_0000_0000_0000) }
    }

    var memory: FakePhysicalMemory { builder.memory }
}

@Suite struct PagingKernelAddressSpaceTests {
    @Test(arguments: [4, 5])
    func findsARandomizedDirectMapAndReadsSymbolsThreeWays(levels: Int) throws {
        let directMap: UInt64 = levels == 5 ? 0xff11_2340_0000_0000 : 0xffff_9c80_4000_0000
        let kernel = SyntheticKernel(levels: levels, directMapBase: directMap,
                                     ramBytes: 0x4000_0000 + (6 << 20))
        let space = try KernelAddressSpace(vmcoreInfo: kernel.vmcoreInfo, memory: kernel.memory)
        #expect(space.directMapBase == directMap)
        #expect(space.walker.levels == levels)
        #expect(space.vmemmapBase == kernel.vmemmapBase)

        let symbol = try #require(kernel.vmcoreInfo.symbols["init_uts_ns"]) + 130
        // 1. Kernel image by arithmetic, 2. the same address through the page tables,
        // 3. the direct-map alias through the page tables.
        #expect(try space.physicalAddress(of: symbol) == kernel.utsPhysical + 130)
        #expect(try space.walker.physicalAddress(of: symbol) == kernel.utsPhysical + 130)
        let alias = space.directMapAddress(ofPhysical: kernel.utsPhysical + 130)
        #expect(space.region(of: alias) == .directMap)
        #expect(try space.walker.physicalAddress(of: alias) == kernel.utsPhysical + 130)
        #expect(try space.readCString(virtualAddress: symbol) == SyntheticKernel.release)
        #expect(try space.readCString(virtualAddress: alias) == SyntheticKernel.release)
        // Past 1 GiB the direct map uses 2 MiB pages.
        #expect(try space.walker.translate(directMap + 0x4000_0000 + 0x12345).pageSize == .size2M)
    }

    @Test func theDirectMapIsFoundEvenWithPageZeroUnmapped() throws {
        var builder = PageTableBuilder(levels: 4, tableArea: 0x10_0000)
        let base: UInt64 = 0xffff_a000_c000_0000
        // Low memory in 4 KiB pages, page 0 left out; a decoy lower down maps
        // physical 0x5000 at its start, which is not a linear map of page 0.
        builder.mapRange(base + 0x1000, to: 0x1000, bytes: 0xff000, size: .size4K)
        builder.map(base - (1 << 30), to: 0x5000, size: .size4K)
        #expect(try KernelAddressSpace.findDirectMapBase(walker: builder.walker, from: KernelAddressSpace.directMapBaseL4,
                                                         to: 0xffff_c900_0000_0000) == base)
    }

    @Test func aGivenDirectMapBaseSkipsTheSearch() throws {
        let kernel = SyntheticKernel()
        let space = try KernelAddressSpace(vmcoreInfo: kernel.vmcoreInfo, memory: kernel.memory,
                                           directMapBase: 0xffff_8880_0000_0000)
        #expect(space.directMapBase == 0xffff_8880_0000_0000)
    }

    @Test func noDirectMapIsAnError() throws {
        var kernel = SyntheticKernel()
        // Unmap the direct map's 1 GiB page.
        kernel.builder.setEntry(kernel.directMapBase, level: .pdpt, to: 0)
        #expect(throws: KernelAddressSpaceError.directMapNotFound(searchedFrom: KernelAddressSpace.directMapBaseL4,
                                                                  to: 0xffff_c900_0000_0000)) {
            try KernelAddressSpace(vmcoreInfo: kernel.vmcoreInfo, memory: kernel.memory)
        }
    }

    @Test func vmemmapReadsSplitWherePhysicalPagesAreNotContiguous() throws {
        let kernel = SyntheticKernel(vmemmapPFNs: [0..<256, 512..<576])
        let space = try KernelAddressSpace(vmcoreInfo: kernel.vmcoreInfo, memory: kernel.memory)
        let start = kernel.vmemmapBase
        // PFNs 0..<256 are 4 pages of vmemmap backed contiguously, 256..<512 is
        // a hole, 512..<576 one more page.
        let extents = try space.extents(virtualAddress: start, count: 576 * 64)
        #expect(extents == [
            .init(offset: 0, count: 4 * 4096, physicalAddress: 0x0300_0000),
            .init(offset: 4 * 4096, count: 4 * 4096, physicalAddress: nil),
            .init(offset: 8 * 4096, count: 4096, physicalAddress: 0x0300_4000),
        ])
        #expect(throws: KernelAddressSpaceError.unmapped(virtualAddress: start + 4 * 4096)) {
            try space.read(virtualAddress: start + 4 * 4096 - 8, count: 16)
        }
        #expect(try space.read(virtualAddress: start + 8, count: 16).count == 16)
        #expect(space.region(of: start) == .vmemmap)
        #expect(space.region(of: KernelAddressSpace.kernelImageMapStart) == .kernelImage)
        #expect(space.region(of: 0xffff_c900_0000_0000) == .other)
    }

    @Test func missingVmcoreInfoLinesAreNamed() throws {
        let kernel = SyntheticKernel()
        var info = kernel.vmcoreInfo
        info.numbers["phys_base"] = nil
        #expect(throws: KernelAddressSpaceError.missing("NUMBER(phys_base)")) {
            try KernelAddressSpace(vmcoreInfo: info, memory: kernel.memory)
        }
        info = kernel.vmcoreInfo
        info.symbols["init_top_pgt"] = nil
        info.symbols["swapper_pg_dir"] = nil
        #expect(throws: KernelAddressSpaceError.missing("SYMBOL(init_top_pgt)")) {
            try KernelAddressSpace(vmcoreInfo: info, memory: kernel.memory)
        }
        info = kernel.vmcoreInfo
        info.symbols["init_top_pgt"] = nil
        // swapper_pg_dir is the same table (init_top_pgt's other name).
        #expect(try KernelAddressSpace(vmcoreInfo: info, memory: kernel.memory).directMapBase == kernel.directMapBase)
        info.pageSize = 16384
        #expect(throws: KernelAddressSpaceError.unsupportedPageSize(16384)) {
            try KernelAddressSpace(vmcoreInfo: info, memory: kernel.memory)
        }
    }

    @Test func readErrorsNameTheVirtualAddress() throws {
        let kernel = SyntheticKernel()
        let space = try KernelAddressSpace(vmcoreInfo: kernel.vmcoreInfo, memory: kernel.memory)
        // Direct-map address of a physical page the dump does not hold.
        let address = space.directMapAddress(ofPhysical: 0x3800_0000)
        let error = #expect(throws: KernelAddressSpaceError.self) { try space.read(virtualAddress: address, count: 8) }
        guard case let .unreadable(virtualAddress, physicalAddress, count, _)? = error else {
            Issue.record("expected unreadable, got \(String(describing: error))")
            return
        }
        #expect(virtualAddress == address && physicalAddress == 0x3800_0000 && count == 8)
        #expect(throws: KernelAddressSpaceError.pageTable(.notPresent(
            virtualAddress: 0xffff_c900_0000_0000, level: .pml4,
            entryAddress: kernel.physBase + 0x3000 + UInt64(X86PageTableLevel.pml4.index(of: 0xffff_c900_0000_0000) * 8),
            entry: 0))) {
            try space.physicalAddress(of: 0xffff_c900_0000_0000)
        }
    }
}
