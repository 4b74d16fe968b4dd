import Testing
@testable import KJumpCore

/// A small system kernel A with 256 MiB of sparse RAM, a region R of
/// 158 low pages + 256 KiB at 1 MiB, and H loaded over all of R by a
/// preserve-context kexec whose list sits in A's memory.
struct JumpedSystem {
    static let region = HibernationRegion(mainBlockBytes: 0x40000)
    static let controlPage: UInt64 = 0x7ff3000
    static let reentryPoint: UInt64 = controlPage + 0x1c7
    static let sourceBase: UInt64 = 0x0800_0000

    /// A's memory before the jump (all tagged "A"), for comparison.
    var before = FakePhysicalMemory()
    /// The memory H sees after the jump.
    var after = FakePhysicalMemory()
    var pairs: [KexecPagePair] = []

    init(selfSourcedPage: UInt64? = nil) {
        var memory = FakePhysicalMemory()
        for range in Self.region.ranges {
            memory.addPages(from: range.start, to: range.end) { taggedPage(0xaa, $0) }
        }
        memory.addPages(from: 0x0a00_0000, to: 0x0a00_4000) { taggedPage(0xaa, $0) }   // some A RAM outside R
        memory.addPages(from: Self.controlPage, to: Self.controlPage + 4096)

        // A allocates one source page per page of R (scattered, backwards)
        // and fills it with H's segment data (tagged "H" by destination).
        var builder = KexecListBuilder(firstIndirectionPage: 0x7f00_0000)
        var next = Self.sourceBase + 0x100_0000
        for range in Self.region.ranges {
            var sources: [UInt64] = []
            var page = range.start
            while page < range.end {
                let source: UInt64
                if page == selfSourcedPage {
                    source = page   // kimage_alloc_page got the destination page itself
                } else {
                    next -= 0x2000
                    source = next
                    memory.addPages(from: source, to: source + 4096) { _ in taggedPage(0x11, page) }
                }
                if page == selfSourcedPage { memory.pages[page] = taggedPage(0x11, page) }
                sources.append(source)
                page += 4096
            }
            builder.addSegment(destination: range.start, sources: sources, memory: &memory)
        }
        builder.terminate(memory: &memory)
        memory.storeUInt64(builder.head, at: Self.controlPage + KexecControlPage.indirectionHeadOffset)
        before = memory
        pairs = (try? KexecIndirectionList.pagePairs(head: builder.head, memory: memory)) ?? []
        simulateSwapPages(pairs, in: &memory)
        after = memory
    }
}

@Suite struct RegionAwarePhysicalMemoryTests {
    @Test func readsInsideRComeFromTheBackupPages() throws {
        let system = JumpedSystem()
        #expect(system.pairs.count == 158 + 64)
        let memory = try RegionAwarePhysicalMemory(base: system.after, region: JumpedSystem.region,
                                                   reentryPoint: JumpedSystem.reentryPoint)
        #expect(memory.backedUpPageCount == 158 + 64)
        // H's view of R is H's data; A's view is A's data again.
        #expect(try system.after.read(physicalAddress: 0x100000, count: 4096) == taggedPage(0x11, 0x100000))
        #expect(try memory.read(physicalAddress: 0x100000, count: 4096) == taggedPage(0xaa, 0x100000))
        #expect(try memory.read(physicalAddress: 0x1000, count: 0x9e000) == system.before.read(physicalAddress: 0x1000, count: 0x9e000))
        #expect(try memory.readUInt64LE(at: 0x13f001) == system.before.readUInt64LE(at: 0x13f001))
        #expect(memory.backupPage(of: 0x100123) == JumpedSystem.sourceBase + 0x100_0000 - 0x2000 * 159)
        #expect(memory.backupPage(of: 0xa000_0000) == nil)
    }

    @Test func readsSpanningPagesAndTheEdgeOfR() throws {
        let system = JumpedSystem()
        let memory = RegionAwarePhysicalMemory(base: system.after, region: JumpedSystem.region, pairs: system.pairs)
        // Across two R pages whose backups are 8 KiB apart, in reverse order.
        #expect(try memory.read(physicalAddress: 0x100ff0, count: 0x20) == system.before.read(physicalAddress: 0x100ff0, count: 0x20))
        // From the last page of R into A's RAM outside R... (0x140000 is not RAM here: stop short.)
        #expect(throws: PhysicalMemoryError.notPresent(0x140000)) {
            try memory.read(physicalAddress: 0x13fff0, count: 0x20)
        }
        // Outside R the base serves the read unchanged, in one piece.
        #expect(try memory.read(physicalAddress: 0x0a00_0ff0, count: 0x2000) == system.before.read(physicalAddress: 0x0a00_0ff0, count: 0x2000))
        #expect(try memory.read(physicalAddress: 0x100000, count: 0) == [])
    }

    @Test func aReadMixingRAndTheRestOfRam() throws {
        // R ranges that are not page-aligned at their end: [0x1000, 0x1800) is R, [0x1800, 0x3000) is not.
        var base = FakePhysicalMemory()
        base.addPages(from: 0x1000, to: 0x3000) { taggedPage(0x11, $0) }
        base.addPages(from: 0x9000, to: 0xa000) { _ in taggedPage(0xaa, 0x1000) }
        let memory = RegionAwarePhysicalMemory(base: base, region: [PhysicalRange(start: 0x1000, end: 0x1800)],
                                               pairs: [KexecPagePair(destination: 0x1000, source: 0x9000)])
        // Page 0x1000 is a kexec destination: all of it comes from the backup.
        let expected = taggedPage(0xaa, 0x1000) + Array(taggedPage(0x11, 0x2000)[0..<16])
        #expect(try memory.read(physicalAddress: 0x1000, count: 0x1010) == expected)

        let partial = RegionAwarePhysicalMemory(base: base, region: [PhysicalRange(start: 0x1800, end: 0x2000)], pairs: [])
        #expect(try partial.read(physicalAddress: 0x1000, count: 0x800) == Array(taggedPage(0x11, 0x1000)[0..<0x800]))
        #expect(throws: PhysicalMemoryError.notBackedUp(0x1800)) {
            try partial.read(physicalAddress: 0x1000, count: 0x801)
        }
    }

    @Test func addressesInRWithoutABackupAreLost() throws {
        let system = JumpedSystem()
        // Forget the pair of page 0x9e000: a read from the page before runs into it.
        let memory = RegionAwarePhysicalMemory(base: system.after, region: JumpedSystem.region,
                                               pairs: system.pairs.filter { $0.destination != 0x9e000 })
        #expect(throws: PhysicalMemoryError.notBackedUp(0x9e000)) {
            try memory.read(physicalAddress: 0x9dff8, count: 16)
        }
        #expect(try memory.read(physicalAddress: 0x9dff8, count: 8) == system.before.read(physicalAddress: 0x9dff8, count: 8))
        #expect(PhysicalMemoryError.notBackedUp(0x9e000).description ==
            "physical address 0x9e000 lies in the H region but no kexec backup page holds the system kernel's contents for it")
    }

    @Test func aPageThatIsItsOwnSourceReadsAsItIs() throws {
        let system = JumpedSystem(selfSourcedPage: 0x101000)
        #expect(system.pairs.contains(KexecPagePair(destination: 0x101000, source: 0x101000)))
        let memory = try RegionAwarePhysicalMemory(base: system.after, region: JumpedSystem.region,
                                                   reentryPoint: JumpedSystem.reentryPoint)
        #expect(try memory.read(physicalAddress: 0x101000, count: 4096) == taggedPage(0x11, 0x101000))
        #expect(try memory.read(physicalAddress: 0x102000, count: 4096) == taggedPage(0xaa, 0x102000))
    }

    @Test func cStringsAcrossBackupPages() throws {
        var system = JumpedSystem()
        // A had "Linux 6.12.117" straddling 0x100ffa..0x101008 inside R.
        let text = Array("Linux 6.12.117".utf8) + [0]
        system.before.store(text, at: 0x100ffa)
        for (index, byte) in text.enumerated() {
            let address = 0x100ffa + UInt64(index)
            let page = address & ~0xfff
            let source = try #require(system.pairs.first { $0.destination == page }?.source)
            system.after.store([byte], at: source + (address - page))
        }
        let memory = RegionAwarePhysicalMemory(base: system.after, region: JumpedSystem.region, pairs: system.pairs)
        #expect(try memory.readCString(at: 0x100ffa) == "Linux 6.12.117")
        #expect(throws: PhysicalMemoryError.unterminatedString(address: 0x100ffa, maxLength: 8)) {
            try memory.readCString(at: 0x100ffa, maxLength: 8)
        }
    }

    @Test func cStringEndingBeforeAnAbsentPage() throws {
        var memory = FakePhysicalMemory()
        memory.addPages(from: 0x5000, to: 0x6000)
        memory.store(Array("tail".utf8) + [0], at: 0x5ffb)
        #expect(try memory.readCString(at: 0x5ffb, maxLength: 64) == "tail")
        #expect(throws: PhysicalMemoryError.notPresent(0x6000)) { try memory.readCString(at: 0x5ffc + 4, maxLength: 64) }
    }

    @Test func overElfCoreMemoryAsInTheHibernationKernel() throws {
        // /proc/vmcore in H: A's RAM outside R as PT_LOADs with file offsets.
        let system = JumpedSystem()
        let outside: [(UInt64, UInt64)] = [(0x0800_0000 + 0x100_0000 - 0x2000 * 300, 0x0800_0000 + 0x100_0000),
                                           (0x0a00_0000, 0x0a00_4000), (0x7f00_0000, 0x7f00_1000),
                                           (JumpedSystem.controlPage, JumpedSystem.controlPage + 4096)]
        var loads: [(physicalAddress: UInt64, bytes: [UInt8], memorySize: UInt64)] = []
        for (start, end) in outside {
            var bytes: [UInt8] = []
            var page = start
            while page < end {
                bytes += system.after.pages[page] ?? zeroPage()
                page += 4096
            }
            loads.append((start, bytes, end - start))
        }
        let vmcore = try ElfCoreMemory(source: ArrayByteSource(makeCoreFile(noteSegments: [], loads: loads)))
        let memory = try RegionAwarePhysicalMemory(base: vmcore, region: JumpedSystem.region,
                                                   reentryPoint: JumpedSystem.reentryPoint)
        #expect(try memory.read(physicalAddress: 0x100000, count: 0x40000) == system.before.read(physicalAddress: 0x100000, count: 0x40000))
        #expect(try memory.read(physicalAddress: 0x0a00_0000, count: 0x4000) == system.before.read(physicalAddress: 0x0a00_0000, count: 0x4000))
    }
}
