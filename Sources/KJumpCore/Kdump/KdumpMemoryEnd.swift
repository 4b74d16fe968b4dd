/// Where the dumped kernel's memory ends, as makedumpfile sees it: one past
/// the last page frame of the highest memory section that has `struct
/// page`s. makedumpfile cuts `max_mapnr` there (pages above, such as a
/// QEMU dump's VGA memory or BIOS ROM, have no `struct page`), and when it
/// refilters a kdump-compressed file it assumes the file's bitmaps were
/// sized that way; so the export cuts its page set at the same place.
public enum KdumpMemoryEnd {
    /// The end (a page-frame number) for the page frames `pfnRanges`, read
    /// through the kernel's vmemmap page tables; nil when it cannot be told
    /// (VMCOREINFO without `SIZE(page)`, page tables or `vmemmap` not found,
    /// or no section of `pfnRanges` has `struct page`s).
    public static func pageFrameEnd(of pfnRanges: [Range<UInt64>], vmcoreInfo: VmcoreInfo,
                                    memory: any PhysicalMemory) -> UInt64? {
        guard let structPageSize = vmcoreInfo.sizes["page"], structPageSize > 0,
              let space = try? KernelAddressSpace(vmcoreInfo: vmcoreInfo, memory: memory),
              let vmemmapBase = space.vmemmapBase else { return nil }
        let pageShift = UInt64((vmcoreInfo.pageSize ?? 4096).trailingZeroBitCount)
        let sectionBits = vmcoreInfo.unsignedNumber("SECTION_SIZE_BITS") ?? 27
        guard sectionBits > pageShift, sectionBits < 64 else { return nil }
        let sectionPages = UInt64(1) << (sectionBits - pageShift)
        // Highest section first: the first one with a mapped struct page ends the memory.
        for range in pfnRanges.sorted(by: { $0.upperBound > $1.upperBound }) where !range.isEmpty {
            var section = (range.upperBound - 1) / sectionPages
            while true {
                let firstPFN = max(section * sectionPages, range.lowerBound)
                let address = vmemmapBase &+ firstPFN &* structPageSize
                if let extents = try? space.extents(virtualAddress: address, count: Int(structPageSize)),
                   extents.allSatisfy({ $0.physicalAddress != nil }) {
                    return (section + 1) * sectionPages
                }
                guard section > 0, section * sectionPages > range.lowerBound else { break }
                section -= 1
            }
        }
        return nil
    }
}
