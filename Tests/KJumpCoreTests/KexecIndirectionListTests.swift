import Testing
@testable import KJumpCore

@Suite struct KexecIndirectionListTests {
    typealias List = KexecIndirectionList

    /// Memory with indirection pages at 0x7f000000 and up.
    func memory(pages: Int = 4) -> FakePhysicalMemory {
        var memory = FakePhysicalMemory()
        memory.addPages(from: 0x7f00_0000, to: 0x7f00_0000 + UInt64(pages) * 4096)
        return memory
    }

    @Test func walksAHandWrittenList() throws {
        var memory = memory()
        let first: UInt64 = 0x7f00_0000, second: UInt64 = 0x7f00_2000
        let entries: [UInt64] = [0x100000 | 1, 0x2345_6000 | 8, 0x2345_7000 | 8, 0x2000_0000 | 8,
                                 0x1000 | 1, 0x3000_0000 | 8, second | 2]
        for (index, entry) in entries.enumerated() { memory.storeUInt64(entry, at: first + UInt64(8 * index)) }
        // The destination carries over into the next indirection page.
        memory.storeUInt64(0x3000_1000 | 8, at: second)
        memory.storeUInt64(4, at: second + 8)

        let pairs = try List.pagePairs(head: first | 2, memory: memory)
        #expect(pairs == [
            KexecPagePair(destination: 0x100000, source: 0x2345_6000),
            KexecPagePair(destination: 0x101000, source: 0x2345_7000),
            KexecPagePair(destination: 0x102000, source: 0x2000_0000),
            KexecPagePair(destination: 0x1000, source: 0x3000_0000),
            KexecPagePair(destination: 0x2000, source: 0x3000_1000),
        ])
        #expect(pairs[0].description == "0x100000 <- 0x23456000")
    }

    @Test func walksAListBuiltLikeTheKernel() throws {
        var memory = memory(pages: 0)
        var builder = KexecListBuilder(firstIndirectionPage: 0x7f00_0000)
        let low: [UInt64] = (0..<158).map { 0x4000_0000 + UInt64($0) * 4096 }
        let high: [UInt64] = (0..<1000).map { 0x5000_0000 + UInt64($0) * 8192 }
        builder.addSegment(destination: 0x1000, sources: low, memory: &memory)
        builder.addSegment(destination: 0x100000, sources: high, memory: &memory)
        builder.terminate(memory: &memory)
        #expect(builder.head == 0x7f00_0000 | 2)
        #expect(memory.pages.count == 3)   // 1160 entries at 511 per page

        let pairs = try List.pagePairs(head: builder.head, memory: memory)
        #expect(pairs.count == 1158)
        let sources: [UInt64] = low + high
        let lowDestinations: [UInt64] = (0..<158).map { 0x1000 + UInt64($0) * 4096 }
        let highDestinations: [UInt64] = (0..<1000).map { 0x100000 + UInt64($0) * 4096 }
        #expect(pairs.map(\.source) == sources)
        #expect(pairs.map(\.destination) == lowDestinations + highDestinations)
    }

    @Test func anEmptyImageIsJustDone() throws {
        #expect(try List.pagePairs(head: 4, memory: FakePhysicalMemory()) == [])
    }

    /// The sentence of the error walking `entries` at 0x7f000000 throws.
    func walkError(_ entries: [UInt64], head: UInt64 = 0x7f00_0000 | 2, maxEntries: Int = 1 << 22) -> String? {
        var memory = memory()
        for (index, entry) in entries.enumerated() { memory.storeUInt64(entry, at: 0x7f00_0000 + UInt64(8 * index)) }
        do {
            _ = try List.pagePairs(head: head, memory: memory, maxEntries: maxEntries)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func loopsAreErrors() {
        #expect(walkError([0x1000 | 1, 0x2000 | 8, 0x7f00_0000 | 2]) ==
            "the kexec list entry at physical address 0x7f000010 continues at indirection page 0x7f000000, which the list already passed through: the list loops")
    }

    @Test func unknownFlagsAreErrors() {
        #expect(walkError([0x1000 | 1, 0x2000 | 0x10]) ==
            "the kexec list entry 0x2010 at physical address 0x7f000008 is not a page address with exactly one of the flags destination (1), indirection (2), done (4), source (8)")
        #expect(walkError([0x1000 | 1, 0x2000 | 9]) != nil)
        // A zero entry never precedes IND_DONE in a list the kernel built.
        #expect(walkError([0x1000 | 1, 0]) ==
            "the kexec list entry 0x0 at physical address 0x7f000008 is not a page address with exactly one of the flags destination (1), indirection (2), done (4), source (8)")
    }

    @Test func headMustBeAnIndirectionOrDone() {
        #expect(walkError([], head: 0x1000 | 1) ==
            "the kexec list head 0x1001 is neither an indirection page (flag 2) nor the done marker (4)")
    }

    @Test func sourceBeforeDestination() {
        #expect(walkError([0x2000 | 8]) ==
            "the kexec list entry at physical address 0x7f000000 names source page 0x2000 before any destination")
    }

    @Test func duplicateDestination() {
        #expect(walkError([0x1000 | 1, 0x2000 | 8, 0x1000 | 1, 0x3000 | 8, 4]) ==
            "the kexec list entry at physical address 0x7f000018 names a second source for destination page 0x1000")
    }

    @Test func tooManyEntries() {
        #expect(walkError([0x1000 | 1, 0x2000 | 8, 0x3000 | 8, 4], maxEntries: 3) ==
            "the kexec list has more than 3 entries (stopped at physical address 0x7f000010)")
        // The head counts as an entry.
        #expect(walkError([0x1000 | 1, 0x2000 | 8, 0x3000 | 8, 4], maxEntries: 5) == nil)
    }

    @Test func runningOffAnIndirectionPage() {
        let sources: [UInt64] = (1..<512).map { (0x4000_0000 + UInt64($0) * 4096) | 8 }
        let full: [UInt64] = [0x1001] + sources
        #expect(walkError(full) ==
            "the kexec indirection page at physical address 0x7f000000 ends without an indirection or done entry")
    }

    @Test func unreadableIndirectionPage() {
        #expect(walkError([0x1000 | 1, 0x6000_0000 | 2]) ==
            "cannot read the kexec list entry at physical address 0x60000000: physical address 0x60000000 is not present in the system kernel's memory image")
    }

    // MARK: control page

    @Test func headFromTheControlPage() throws {
        var memory = FakePhysicalMemory()
        memory.addPages(from: 0x7ff3000, to: 0x7ff4000)
        memory.storeUInt64(0x7f00_0000 | 2, at: 0x7ff3000 + 0x830)
        #expect(KexecControlPage.indirectionHeadOffset == 0x830)
        #expect(try KexecControlPage.indirectionHead(reentryPoint: 0x7ff31c7, memory: memory) == 0x7f00_0002)
        #expect(KexecControlPage.controlPage(containingReentryPoint: 0x7ff37ff) == 0x7ff3000)
        #expect(KexecControlPage.controlPage(containingReentryPoint: 0x7ff3800) == nil)
    }

    @Test func controlPageErrors() {
        var memory = FakePhysicalMemory()
        memory.addPages(from: 0x7ff3000, to: 0x7ff4000)
        #expect(throws: KexecControlPageError.noHead(address: 0x7ff3830)) {
            try KexecControlPage.indirectionHead(reentryPoint: 0x7ff31c7, memory: memory)
        }
        #expect(KexecControlPageError.noHead(address: 0x7ff3830).description ==
            "the kexec list head at physical address 0x7ff3830 is zero: the system kernel has not jumped through this control page")
        #expect(KexecControlPageError.reentryPointInDataArea(0x7ff3900).description ==
            "the re-entry point 0x7ff3900 lies at offset 0x900 of its page, past the 2048 bytes of kexec control code, so it is not in a kexec control page")
        #expect(throws: KexecControlPageError.reentryPointInDataArea(0x7ff3900)) {
            try KexecControlPage.indirectionHead(reentryPoint: 0x7ff3900, memory: memory)
        }
        #expect(throws: KexecControlPageError.unreadable(address: 0x1830, reason: "physical address 0x1830 is not present in the system kernel's memory image")) {
            try KexecControlPage.indirectionHead(reentryPoint: 0x1100, memory: memory)
        }
    }
}
