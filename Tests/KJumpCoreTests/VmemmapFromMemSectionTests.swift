import Testing
@testable import KJumpCore

/// Kernels whose VMCOREINFO has no `SYMBOL(vmemmap)` (Debian's 6.1): the
/// base is decoded from `mem_section`, as the real 6.1.0-53 vmcore needs.
@Suite struct VmemmapFromMemSectionTests {
    /// Physical pages of the synthetic `mem_section`: the root array, then
    /// two pages of sections (inside the synthetic kernel's 1 GiB direct map).
    static let rootsPhysical: UInt64 = 0x0400_0000
    static let sectionsPhysical: UInt64 = 0x0400_8000
    static let moreSectionsPhysical: UInt64 = 0x0400_9000
    /// Debian 6.1's values: 32-byte sections, 128 per root page.
    static let sectionSize: UInt64 = 32

    /// A synthetic kernel without `SYMBOL(vmemmap)` whose `mem_section`
    /// lines describe `SPARSEMEM_EXTREME` (or the flat array with `flat`).
    static func kernel(levels: Int = 4, flat: Bool = false) -> SyntheticKernel {
        let directMap: UInt64 = levels == 5 ? 0xff12_ae8a_8000_0000 : 0xffff_9c80_4000_0000
        var kernel = SyntheticKernel(levels: levels, directMapBase: directMap,
                                     vmemmapBase: levels == 5 ? 0xffd4_0000_0000_0000 : 0xffff_e3c0_0000_0000)
        kernel.builder.memory.addPages(from: rootsPhysical, to: moreSectionsPhysical + 4096)
        let physicalBits: Int64 = levels == 5 ? 52 : 46
        kernel.vmcoreInfo.symbols["vmemmap"] = nil
        kernel.vmcoreInfo.symbols["mem_section"] = directMap + (flat ? sectionsPhysical : rootsPhysical)
        kernel.vmcoreInfo.lengths["mem_section"] = flat ? 1 << UInt64(physicalBits - 27)
            : (1 << UInt64(physicalBits - 27)) / (4096 / sectionSize)
        kernel.vmcoreInfo.sizes["mem_section"] = sectionSize
        kernel.vmcoreInfo.offsets["mem_section.section_mem_map"] = 0
        kernel.vmcoreInfo.numbers["SECTION_SIZE_BITS"] = 27
        kernel.vmcoreInfo.numbers["MAX_PHYSMEM_BITS"] = physicalBits
        return kernel
    }

    /// Stores section `index`'s `section_mem_map` in the page at `page`.
    static func setSection(_ kernel: inout SyntheticKernel, page: UInt64, index: UInt64, to value: UInt64) {
        kernel.builder.memory.storeUInt64(value, at: page + index * sectionSize)
    }

    /// Points root `index` at the sections page `page` (a direct-map pointer).
    static func setRoot(_ kernel: inout SyntheticKernel, index: UInt64, to page: UInt64) {
        kernel.builder.memory.storeUInt64(kernel.directMapBase + page, at: rootsPhysical + index * 8)
    }

    @Test(arguments: [4, 5])
    func theFirstSectionWithAMapGivesVmemmap(levels: Int) throws {
        var kernel = Self.kernel(levels: levels)
        Self.setRoot(&kernel, index: 0, to: Self.sectionsPhysical)
        // The encoded map is vmemmap itself; flags PRESENT | HAS_MEM_MAP | ONLINE | EARLY.
        Self.setSection(&kernel, page: Self.sectionsPhysical, index: 0, to: kernel.vmemmapBase | 0b1111)
        let space = try KernelAddressSpace(vmcoreInfo: kernel.vmcoreInfo, memory: kernel.memory)
        #expect(space.vmemmapBase == kernel.vmemmapBase)
        #expect(space.region(of: kernel.vmemmapBase + 64) == .vmemmap)
        // The filter accepts the kernel now and reads struct pages through it.
        let scanner = try MemMapScanner(layout: layout612, addressSpace: space)
        #expect(scanner.vmemmapBase == kernel.vmemmapBase)
        #expect(try space.physicalAddress(of: kernel.vmemmapBase) == 0x0300_0000)
    }

    @Test func sectionsWithoutAMapAndEmptyRootsAreSkipped() throws {
        var kernel = Self.kernel()
        // Root 0 is empty; root 1's first section is present without a map
        // (a hole's nid bits above the flags), its third has one.
        Self.setRoot(&kernel, index: 1, to: Self.moreSectionsPhysical)
        Self.setSection(&kernel, page: Self.moreSectionsPhysical, index: 0, to: (3 << 6) | 0b1)
        Self.setSection(&kernel, page: Self.moreSectionsPhysical, index: 2, to: kernel.vmemmapBase | 0b111)
        let info = kernel.vmcoreInfo
        let walker = try KernelAddressSpace(vmcoreInfo: info, memory: kernel.memory).walker
        #expect(KernelAddressSpace.vmemmapBaseFromMemSection(vmcoreInfo: info, walker: walker) == kernel.vmemmapBase)
    }

    @Test func aFlatArrayIsReadWithoutRoots() throws {
        var kernel = Self.kernel(flat: true)
        Self.setSection(&kernel, page: Self.sectionsPhysical, index: 1, to: kernel.vmemmapBase | 0b11)
        let space = try KernelAddressSpace(vmcoreInfo: kernel.vmcoreInfo, memory: kernel.memory)
        #expect(space.vmemmapBase == kernel.vmemmapBase)
    }

    @Test func noUsableSectionLeavesVmemmapUnknown() throws {
        // No root set: every root is NULL.
        var kernel = Self.kernel()
        var space = try KernelAddressSpace(vmcoreInfo: kernel.vmcoreInfo, memory: kernel.memory)
        #expect(space.vmemmapBase == nil)
        #expect(throws: PageFilterError.noVmemmap) { try MemMapScanner(layout: layout612, addressSpace: space) }
        // A map that is not a kernel address is not believed.
        Self.setRoot(&kernel, index: 0, to: Self.sectionsPhysical)
        Self.setSection(&kernel, page: Self.sectionsPhysical, index: 0, to: 0x0000_7fff_0000_0000 | 0b11)
        space = try KernelAddressSpace(vmcoreInfo: kernel.vmcoreInfo, memory: kernel.memory)
        #expect(space.vmemmapBase == nil)
        // Nor a root pointing at memory the dump does not hold.
        kernel.builder.memory.storeUInt64(kernel.directMapBase + 0x3900_0000, at: Self.rootsPhysical)
        space = try KernelAddressSpace(vmcoreInfo: kernel.vmcoreInfo, memory: kernel.memory)
        #expect(space.vmemmapBase == nil)
        // Without the mem_section lines there is nothing to decode.
        kernel.vmcoreInfo.symbols["mem_section"] = nil
        space = try KernelAddressSpace(vmcoreInfo: kernel.vmcoreInfo, memory: kernel.memory)
        #expect(space.vmemmapBase == nil)
    }

    @Test func aVmemmapSymbolWins() throws {
        var kernel = Self.kernel()
        Self.setRoot(&kernel, index: 0, to: Self.sectionsPhysical)
        Self.setSection(&kernel, page: Self.sectionsPhysical, index: 0, to: 0xffff_ea00_0000_0000 | 0b11)
        kernel.vmcoreInfo.symbols["vmemmap"] = kernel.vmemmapBase
        let space = try KernelAddressSpace(vmcoreInfo: kernel.vmcoreInfo, memory: kernel.memory)
        #expect(space.vmemmapBase == kernel.vmemmapBase)
    }
}
