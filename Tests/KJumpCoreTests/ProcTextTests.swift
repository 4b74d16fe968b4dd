import Testing
@testable import KJumpCore

@Suite struct ProcTextTests {
    @Test func parsesRealMeminfo() throws {
        let info = try #require(MemoryInfo(parsing: try fixtureText("meminfo-host")))
        #expect(info.total > info.available)
        #expect(info.available >= info.free)
        #expect(info.total % 1024 == 0)
    }

    @Test func meminfoWithoutMemAvailableIsRejected() {
        #expect(MemoryInfo(parsing: "MemTotal: 1024 kB\nMemFree: 512 kB\n") == nil)
    }

    @Test func meminfoUnitsAreKibibytes() {
        let info = MemoryInfo(parsing: "MemTotal:  2 kB\nMemFree: 1 kB\nMemAvailable:   1 kB\n")
        #expect(info == MemoryInfo(total: 2048, free: 1024, available: 1024))
    }

    @Test(arguments: [
        ("[none] integrity confidentiality\n", LockdownState.none),
        ("none [integrity] confidentiality\n", .integrity),
        ("none integrity [confidentiality]", .confidentiality),
    ])
    func parsesLockdown(text: String, expected: LockdownState) {
        #expect(LockdownState(parsing: text) == expected)
    }

    @Test func lockdownWithoutBracketsIsUnknown() {
        #expect(LockdownState(parsing: "none integrity") == nil)
        #expect(LockdownState(parsing: "[bogus] none") == nil)
    }

    @Test func onlyNoLockdownAllowsKexecLoad() {
        #expect(LockdownState.none.allowsKexecLoad)
        #expect(!LockdownState.integrity.allowsKexecLoad)
        #expect(!LockdownState.confidentiality.allowsKexecLoad)
    }

    @Test func trimmingRemovesSpacesAndLineEnds() {
        #expect(" \t0x1000 1024\n".trimmingSpaces() == "0x1000 1024")
        #expect("".trimmingSpaces() == "")
    }

    @Test func defaultRegionIsLowMemoryPlus80MiBWhateverTheRAM() {
        let region = HibernationRegion()
        #expect(region.ranges == [PhysicalRange(start: 0x1000, end: 0x9f000),
                                  PhysicalRange(start: 0x100000, end: 0x5100000)])
        #expect(region.totalBytes == 0x9e000 + (80 << 20))
        #expect(region.ranges[1].description == "[0x100000, 0x5100000)")
        #expect(HibernationRegion.minimumMainBlockBytes == 64 << 20)
    }
}
