import Testing
@testable import KJumpCore

/// Linux 6.12's `struct page` layout and flag numbers, as the lab kernel's
/// VMCOREINFO gives them (plus `PG_hwpoison`, which the lab kernel lacks).
let layout612 = MemMapLayout(
    structPageSize: 64, flagsOffset: 0, mappingOffset: 24, privateOffset: 40, mapcountOffset: 48,
    compoundHeadOffset: 8, lruBit: 5, privateBit: 14, swapCacheBit: 10, swapBackedBit: 17,
    hwpoisonBit: 22, slabBit: nil, headMask: 1 << 6,
    buddyType: PageTypeValue(0xf000_0000), offlineType: PageTypeValue(0xf100_0000),
    slabType: PageTypeValue(0xf500_0000), hugetlbType: PageTypeValue(0xf400_0000), orderCount: 11)

/// One 64-byte `struct page` in the 6.12 layout. `pageType` defaults to
/// `_mapcount == -1` (no type, not mapped).
func structPage(flags: UInt64 = 0, mapping: UInt64 = 0, privateValue: UInt64 = 0,
                pageType: UInt32 = 0xffff_ffff, compoundHead: UInt64 = 0) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: 64)
    bytes.poke(flags, at: 0)
    bytes.poke(compoundHead, at: 8)
    bytes.poke(mapping, at: 24)
    bytes.poke(privateValue, at: 40)
    bytes.poke(pageType, at: 48)
    bytes.poke(UInt32(1), at: 52)
    return bytes
}

enum Page612 {
    static let lru: UInt64 = 1 << 5
    static let head: UInt64 = 1 << 6
    static let swapCache: UInt64 = 1 << 10
    static let privateFlag: UInt64 = 1 << 14
    static let swapBacked: UInt64 = 1 << 17
    static let hwpoison: UInt64 = 1 << 22
    static let anonMapping: UInt64 = 0xffff_8880_0123_4501
    static let fileMapping: UInt64 = 0xffff_8880_0123_4600

    static func free(order: UInt64) -> [UInt8] { structPage(privateValue: order, pageType: 0xf000_0000) }
    static let kernel = structPage()
    static func tail(of headPFN: UInt64) -> [UInt8] { structPage(compoundHead: 0xffff_ea00_0000_0000 + headPFN * 64 + 1) }
    /// A compound head; the order goes into the next page's flags.
    static func headThenFirstTail(_ head: [UInt8], order: UInt64, headPFN: UInt64) -> [UInt8] {
        var tail = structPage(flags: order, compoundHead: 0xffff_ea00_0000_0000 + headPFN * 64 + 1)
        tail.poke(order, at: 0)
        return head + tail
    }
}

@Suite struct FilterDumpLevelTests {
    @Test func bitsAreMakedumpfiles() {
        #expect(DumpLevel.zero.rawValue == 1)
        #expect(DumpLevel.cacheNonPrivate.rawValue == 2)
        #expect(DumpLevel.cachePrivate.rawValue == 4)
        #expect(DumpLevel.user.rawValue == 8)
        #expect(DumpLevel.free.rawValue == 16)
        #expect(DumpLevel.crashDefault.rawValue == 31)
        #expect(DumpLevel.hibernationDefault == [.zero, .free])
        #expect(DumpLevel(level: 31) == .crashDefault)
        #expect(DumpLevel(level: 32) == nil)
        #expect(DumpLevel(level: -1) == nil)
        #expect(DumpLevel.hibernationDefault.description == "17 (zero, free)")
        #expect(DumpLevel().description == "0 (nothing)")
    }

    @Test func whichClassesEachLevelExcludes() {
        // -d 2: non-private cache only; -d 4: all cache; user and free alone.
        #expect(DumpLevel.cacheNonPrivate.excludes(.cache))
        #expect(!DumpLevel.cacheNonPrivate.excludes(.cachePrivate))
        #expect(DumpLevel.cachePrivate.excludes(.cache))
        #expect(DumpLevel.cachePrivate.excludes(.cachePrivate))
        #expect(DumpLevel.user.excludes(.user) && !DumpLevel.user.excludes(.free))
        #expect(DumpLevel.free.excludes(.free) && !DumpLevel.free.excludes(.cache))
        // Hibernation keeps cache and user data.
        for pageClass in [PageClass.cache, .cachePrivate, .user, .kept, .unknown] {
            #expect(!DumpLevel.hibernationDefault.excludes(pageClass))
        }
        // Every level drops poisoned and offline pages, none drops kept ones.
        for level in 0...31 {
            let dumpLevel = DumpLevel(level: level)!
            #expect(dumpLevel.excludes(.hwpoison) && dumpLevel.excludes(.offline))
            #expect(!dumpLevel.excludes(.kept) && !dumpLevel.excludes(.unknown))
        }
    }
}

@Suite struct FilterZeroPageTests {
    @Test func findsAnyNonZeroByte() {
        #expect(isZeroPage([UInt8](repeating: 0, count: 4096)))
        #expect(isZeroPage([UInt8]()))
        for position in [0, 7, 63, 64, 2048, 4095] {
            var page = [UInt8](repeating: 0, count: 4096)
            page[position] = 0x80
            #expect(!isZeroPage(page), "byte \(position)")
        }
        // Lengths that are not a multiple of 64 check their tail.
        var odd = [UInt8](repeating: 0, count: 100)
        #expect(isZeroPage(odd))
        odd[99] = 1
        #expect(!isZeroPage(odd))
        // A page inside a larger read, at an unaligned offset.
        var buffer = [UInt8](repeating: 0, count: 3 * 4096 + 3)
        buffer[3 + 4096 + 4095] = 1
        #expect(isZeroPage(buffer[3..<3 + 4096]))
        #expect(!isZeroPage(buffer[3 + 4096..<3 + 8192]))
    }
}

@Suite struct FilterLayoutTests {
    @Test func readsTheLayoutFromVmcoreInfo() throws {
        let info = VmcoreInfo(text: try fixtureText("vmcoreinfo-6.12-sample.txt"))
        let layout = try MemMapLayout(vmcoreInfo: info)
        var expected = layout612
        expected.hwpoisonBit = nil   // the lab kernel has no CONFIG_MEMORY_FAILURE
        #expect(layout == expected)
    }

    /// Found by lab/fuzz (FuzzVmcoreInfo), minimized to these two lines: the
    /// check that an 8-byte field fits in struct page added 8 to the offset and
    /// trapped on an offset near 2^64.
    @Test func anOffsetNear2To64IsImplausibleNotATrap() throws {
        let minimized = "\nSIZE(page)=4\nOFFSET(page.flags)=018446744073709551615"
        #expect(throws: PageFilterError.implausible("OFFSET(page.flags)=18446744073709551615 in a 4-byte struct page")) {
            try MemMapLayout(vmcoreInfo: VmcoreInfo(text: minimized))
        }
        var info = VmcoreInfo(text: try fixtureText("vmcoreinfo-6.12-sample.txt"))
        info.offsets["page.mapping"] = UInt64.max - 7
        #expect(throws: PageFilterError.implausible("OFFSET(page.mapping)=18446744073709551608 in a 64-byte struct page")) {
            try MemMapLayout(vmcoreInfo: info)
        }
    }

    @Test func namesTheMissingLine() throws {
        let text = try fixtureText("vmcoreinfo-6.12-sample.txt")
        for (line, name) in [("SIZE(page)=", "SIZE(page)"), ("OFFSET(page.private)=", "OFFSET(page.private)"),
                             ("NUMBER(PG_lru)=", "NUMBER(PG_lru)"),
                             ("NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=", "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)")] {
            let without = text.split(separator: "\n").filter { !$0.hasPrefix(line) }.joined(separator: "\n")
            #expect(throws: PageFilterError.missing(name)) { try MemMapLayout(vmcoreInfo: VmcoreInfo(text: without)) }
        }
        var info = VmcoreInfo(text: text)
        info.offsets["page.mapping"] = 60
        #expect(throws: PageFilterError.implausible("OFFSET(page.mapping)=60 in a 64-byte struct page")) {
            try MemMapLayout(vmcoreInfo: info)
        }
    }

    @Test func pageTypesMatchTheirTopByteOrTheWholeWord() {
        let buddy = PageTypeValue(UInt32(bitPattern: -268_435_456))   // PGTY_buddy << 24
        #expect(buddy.matches(0xf000_0000))
        #expect(buddy.matches(0xf000_0123))        // 6.12 tests only the top byte
        #expect(!buddy.matches(0xf100_0000))
        #expect(!buddy.matches(0xffff_ffff))       // _mapcount -1
        #expect(!buddy.matches(0))
        let old = PageTypeValue(UInt32(bitPattern: -129))             // ~PG_buddy, before 6.11
        #expect(old.matches(0xffff_ff7f))
        #expect(!old.matches(0xffff_ff7e))
    }
}

@Suite struct FilterClassifierTests {
    /// Classifies consecutive struct pages starting at `firstPFN`.
    func classify(_ pages: [[UInt8]], firstPFN: UInt64 = 0x1000, layout: MemMapLayout = layout612) -> [PageClass] {
        var classifier = PageClassifier(layout: layout)
        let bytes = pages.flatMap { $0 }
        return classifier.classify(firstPFN: firstPFN, count: pages.count, structPages: bytes)
    }

    @Test func aFreeBlockCoversItsOrder() {
        // Order 2: the head and the three pages after it, whatever they hold.
        let pages = [Page612.free(order: 2), Page612.kernel, structPage(flags: Page612.lru), Page612.kernel,
                     Page612.kernel]
        #expect(classify(pages) == [.free, .free, .free, .free, .kept])
        // An order at or above NR_PAGE_ORDERS is not trusted.
        #expect(classify([Page612.free(order: 11), Page612.kernel]) == [.kept, .kept])
        // Order 0 is one page.
        #expect(classify([Page612.free(order: 0), Page612.kernel]) == [.free, .kept])
    }

    @Test func cachePagesWithAndWithoutPrivate() {
        let cache = structPage(flags: Page612.lru, mapping: Page612.fileMapping)
        let privateCache = structPage(flags: Page612.lru | Page612.privateFlag, mapping: Page612.fileMapping)
        let swapCache = structPage(flags: Page612.swapCache | Page612.swapBacked, mapping: 0)
        // PG_swapcache means something else without PG_swapbacked (PG_owner_priv_1 aliases it).
        let notSwapCache = structPage(flags: Page612.swapCache, mapping: 0)
        #expect(classify([cache, privateCache, swapCache, notSwapCache]) == [.cache, .cachePrivate, .cache, .kept])
    }

    @Test func anonymousPagesAreUserEvenOnTheLRU() {
        let anon = structPage(flags: Page612.lru | Page612.swapBacked, mapping: Page612.anonMapping)
        let ksm = structPage(flags: Page612.lru, mapping: Page612.anonMapping | 2)
        let anonNotOnLRU = structPage(mapping: Page612.anonMapping)
        #expect(classify([anon, ksm, anonNotOnLRU]) == [.user, .user, .user])
    }

    @Test func slabPagesAreNeverAnonymousOrFree() {
        // A slab page's overlaid fields (struct slab) can leave bit 0 of `mapping` set.
        let slab = structPage(mapping: 0x11, pageType: 0xf500_0000)
        #expect(classify([slab]) == [.kept])
        var old = layout612
        old.slabType = nil
        old.slabBit = 7
        let oldSlab = structPage(flags: 1 << 7, mapping: 0x11, privateValue: 1, pageType: 0xf000_0000)
        #expect(classify([oldSlab, Page612.kernel], layout: old) == [.kept, .kept])
    }

    @Test func compoundPagesFollowTheirHead() {
        // An anonymous order-2 folio at PFN 0x1000: all four pages are user.
        let head = structPage(flags: Page612.lru | Page612.head, mapping: Page612.anonMapping)
        var pages = [Array(Page612.headThenFirstTail(head, order: 2, headPFN: 0x1000)[0..<64]),
                     Array(Page612.headThenFirstTail(head, order: 2, headPFN: 0x1000)[64..<128]),
                     Page612.tail(of: 0x1000), Page612.tail(of: 0x1000)]
        pages.append(Page612.kernel)
        #expect(classify(pages) == [.user, .user, .user, .user, .kept])
        // A kernel compound page (not excludable): its tails stay kept.
        let kernelHead = structPage(flags: Page612.head)
        let kernelPages = Page612.headThenFirstTail(kernelHead, order: 1, headPFN: 0x1000)
        var classifier = PageClassifier(layout: layout612)
        #expect(classifier.classify(firstPFN: 0x1000, count: 2, structPages: kernelPages) == [.kept, .kept])
        // A head whose PFN is not aligned to its order counts alone.
        let misaligned = Page612.headThenFirstTail(head, order: 2, headPFN: 0x1001)
        classifier = PageClassifier(layout: layout612)
        #expect(classifier.classify(firstPFN: 0x1001, count: 2, structPages: misaligned) == [.user, .kept])
    }

    @Test func hugetlbHeadsAreUserData() {
        let head = structPage(flags: Page612.head, pageType: 0xf400_0000)
        var classifier = PageClassifier(layout: layout612)
        let bytes = Page612.headThenFirstTail(head, order: 1, headPFN: 0x2000)
        #expect(classifier.classify(firstPFN: 0x2000, count: 2, structPages: bytes) == [.user, .user])
    }

    @Test func poisonedAndOfflinePages() {
        let poisoned = structPage(flags: Page612.hwpoison | Page612.lru, mapping: Page612.fileMapping)
        let offline = structPage(pageType: 0xf100_0000)
        #expect(classify([poisoned, offline]) == [.hwpoison, .offline])
        var noPoison = layout612
        noPoison.hwpoisonBit = nil
        #expect(classify([poisoned], layout: noPoison) == [.cache])
    }

    @Test func aBlockCarriesOverIntoTheNextChunk() {
        var classifier = PageClassifier(layout: layout612)
        // Order 3 at PFN 0x1004: only four of its pages are in the first chunk.
        let first = [Page612.kernel, Page612.kernel, Page612.kernel, Page612.kernel, Page612.free(order: 3),
                     Page612.kernel, Page612.kernel, Page612.kernel].flatMap { $0 }
        #expect(classifier.classify(firstPFN: 0x1000, count: 8, structPages: first)
            == [.kept, .kept, .kept, .kept, .free, .free, .free, .free])
        let second = [[UInt8]](repeating: Page612.kernel, count: 6).flatMap { $0 }
        #expect(classifier.classify(firstPFN: 0x1008, count: 6, structPages: second)
            == [.free, .free, .free, .free, .kept, .kept])
        // A gap in PFNs ends the block.
        classifier = PageClassifier(layout: layout612)
        _ = classifier.classify(firstPFN: 0x1000, count: 8, structPages: first)
        #expect(classifier.classify(firstPFN: 0x2000, count: 2, structPages: Array(second[0..<128])) == [.kept, .kept])
    }

    @Test func unreadableStructPagesAreUnknown() {
        var classifier = PageClassifier(layout: layout612)
        let bytes = [Page612.free(order: 0), Page612.free(order: 0), Page612.kernel].flatMap { $0 }
        #expect(classifier.classify(firstPFN: 0, count: 3, structPages: bytes, readable: [true, false, true])
            == [.free, .unknown, .kept])
    }
}

/// A synthetic kernel whose vmemmap holds `pages` struct pages for PFNs
/// `[0, pages.count)`, except `holes` (ranges of 64 PFNs = one vmemmap page).
func kernelWithMemMap(_ pages: [[UInt8]], holes: [Range<UInt64>] = []) throws -> (SyntheticKernel, KernelAddressSpace) {
    let count = UInt64(pages.count)
    var mapped: [Range<UInt64>] = []
    var cursor: UInt64 = 0
    for hole in holes.sorted(by: { $0.lowerBound < $1.lowerBound }) {
        if cursor < hole.lowerBound { mapped.append(cursor..<hole.lowerBound) }
        cursor = hole.upperBound
    }
    if cursor < count { mapped.append(cursor..<count) }
    var kernel = SyntheticKernel(vmemmapPFNs: mapped)
    let space = try KernelAddressSpace(vmcoreInfo: kernel.vmcoreInfo, memory: kernel.memory)
    for range in mapped {
        for pfn in range {
            let address = try space.walker.physicalAddress(of: kernel.vmemmapBase + pfn * 64)
            kernel.builder.memory.store(pages[Int(pfn)], at: address)
        }
    }
    return (kernel, try KernelAddressSpace(vmcoreInfo: kernel.vmcoreInfo, memory: kernel.memory))
}

@Suite struct FilterMemMapScannerTests {
    /// 1024 PFNs: free blocks of several orders, cache, user, a compound
    /// anonymous folio straddling a small chunk boundary, kernel pages.
    static func sampleMemMap() -> ([[UInt8]], [PageClass]) {
        var pages = [[UInt8]](repeating: Page612.kernel, count: 1024)
        var expected = [PageClass](repeating: .kept, count: 1024)
        func set(_ pfn: Int, _ page: [UInt8], _ pageClass: PageClass, span: Int = 1) {
            pages[pfn] = page
            for index in pfn..<pfn + span { expected[index] = pageClass }
        }
        set(0, Page612.free(order: 4), .free, span: 16)
        set(16, structPage(flags: Page612.lru, mapping: Page612.fileMapping), .cache)
        set(17, structPage(flags: Page612.lru | Page612.privateFlag, mapping: Page612.fileMapping), .cachePrivate)
        for pfn in 100..<300 { set(pfn, structPage(flags: Page612.lru | Page612.swapBacked, mapping: Page612.anonMapping), .user) }
        set(512, Page612.free(order: 9), .free, span: 512)
        // An order-3 anonymous folio at PFN 376: crosses the boundary at 380 when chunks are 20 pages.
        let head = structPage(flags: Page612.lru | Page612.head, mapping: Page612.anonMapping)
        let both = Page612.headThenFirstTail(head, order: 3, headPFN: 376)
        set(376, Array(both[0..<64]), .user, span: 8)
        pages[377] = Array(both[64..<128])
        for pfn in 378..<384 { pages[pfn] = Page612.tail(of: 376) }
        return (pages, expected)
    }

    @Test(arguments: [1, 20, 64, 16384])
    func scansInChunksOfAnySize(pagesPerRead: Int) throws {
        let (pages, expected) = Self.sampleMemMap()
        let (_, space) = try kernelWithMemMap(pages)
        let scanner = try MemMapScanner(layout: layout612, addressSpace: space, pagesPerRead: pagesPerRead)
        var seen: [PageClass] = []
        var chunks = 0
        try scanner.scan(pfnRanges: [0..<1024]) { firstPFN, classes in
            #expect(firstPFN == UInt64(seen.count))
            #expect(classes.count <= pagesPerRead)
            seen += classes
            chunks += 1
        }
        #expect(seen == expected)
        #expect(chunks == (1024 + pagesPerRead - 1) / pagesPerRead)
    }

    @Test func collectsRunsCountsAndExcludedRanges() throws {
        let (pages, expected) = Self.sampleMemMap()
        let (_, space) = try kernelWithMemMap(pages)
        let scanner = try MemMapScanner(vmcoreInfo: VmcoreInfo(text: try fixtureText("vmcoreinfo-6.12-sample.txt")),
                                        addressSpace: space)
        // RAM as a vmcore lists it: [0, 4 MiB) minus a hole at PFNs 600..<620.
        let ram = [PhysicalRange(start: 0, end: 600 * 4096), PhysicalRange(start: 620 * 4096, end: 1024 * 4096)]
        let result = try scanner.classify(ramRanges: ram)
        #expect(result.pfnRanges == [0..<600, 620..<1024])
        #expect(result.counts[.free] == 16 + 512 - 20)
        #expect(result.counts[.user] == 200 + 8)
        #expect(result.counts[.cache] == 1 && result.counts[.cachePrivate] == 1)
        #expect(result.counts.total == 1004)
        #expect(result.runs == [
            PageRun(firstPFN: 0, count: 16, pageClass: .free),
            PageRun(firstPFN: 16, count: 1, pageClass: .cache),
            PageRun(firstPFN: 17, count: 1, pageClass: .cachePrivate),
            PageRun(firstPFN: 100, count: 200, pageClass: .user),
            PageRun(firstPFN: 376, count: 8, pageClass: .user),
            PageRun(firstPFN: 512, count: 88, pageClass: .free),
            PageRun(firstPFN: 620, count: 404, pageClass: .free),
        ])
        #expect(result.excludedPFNRanges(at: .free) == [0..<16, 512..<600, 620..<1024])
        #expect(result.excludedPFNRanges(at: .crashDefault) == [0..<18, 100..<300, 376..<384, 512..<600, 620..<1024])
        #expect(result.excludedPFNRanges(at: .cacheNonPrivate) == [16..<17])
        #expect(result.excludedRanges(at: .hibernationDefault).first == PhysicalRange(start: 0, end: 16 * 4096))
        #expect(result.counts.excluded(at: .crashDefault) == 508 + 208 + 2)
        for pfn in [0, 16, 17, 50, 377, 610, 700] as [UInt64] {
            #expect(result.pageClass(ofPFN: pfn) == (pfn == 610 ? nil : expected[Int(pfn)]), "PFN \(pfn)")
        }
    }

    @Test func aVmemmapHoleMakesUnknownPages() throws {
        let (pages, expected) = Self.sampleMemMap()
        // PFNs 640..<704 (one vmemmap page) have no struct pages; the free
        // block at 512 still covers them, as makedumpfile's exclude_range would.
        let (_, space) = try kernelWithMemMap(pages, holes: [640..<704])
        let scanner = try MemMapScanner(layout: layout612, addressSpace: space, pagesPerRead: 100)
        let result = try scanner.classify(ramRanges: [PhysicalRange(start: 0, end: 1024 * 4096)])
        #expect(result.counts[.free] == 16 + 512)
        // A hole outside any block: PFNs 320..<384 lose the folio at 376.
        let (_, holed) = try kernelWithMemMap(pages, holes: [320..<384])
        let second = try MemMapScanner(layout: layout612, addressSpace: holed, pagesPerRead: 100)
            .classify(ramRanges: [PhysicalRange(start: 0, end: 1024 * 4096)])
        #expect(second.counts[.unknown] == 64)
        #expect(second.pageClass(ofPFN: 376) == .unknown)
        #expect(second.pageClass(ofPFN: 299) == expected[299])
    }

    @Test func pfnRangesFollowIsInSegs() {
        // A PFN counts when its first byte is in a range.
        #expect(MemMapScanner.pfnRanges(of: [PhysicalRange(start: 0, end: 0xa0000),
                                             PhysicalRange(start: 0xc0000, end: 0x4000_0000)])
            == [0..<0xa0, 0xc0..<0x40000])
        #expect(MemMapScanner.pfnRanges(of: [PhysicalRange(start: 0x800, end: 0x2800)]) == [1..<3])
        #expect(MemMapScanner.pfnRanges(of: [PhysicalRange(start: 0x1000, end: 0x2000),
                                             PhysicalRange(start: 0x2000, end: 0x3000)]) == [1..<3])
    }

    @Test func aKernelWithoutVmemmapIsRefused() throws {
        var kernel = SyntheticKernel()
        kernel.vmcoreInfo.symbols["vmemmap"] = nil
        let space = try KernelAddressSpace(vmcoreInfo: kernel.vmcoreInfo, memory: kernel.memory)
        #expect(throws: PageFilterError.noVmemmap) { try MemMapScanner(layout: layout612, addressSpace: space) }
    }
}
