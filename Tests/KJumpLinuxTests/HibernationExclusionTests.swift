import KJumpCore
import Testing
@testable import KJumpLinux

/// What hibernation leaves out: A's free pages outside R, and the backup page
/// of each page of R that A holds free.
@Suite struct HibernationExclusionTests {
    @Test func freePagesOutsideAndBackupsOfFreePagesInside() {
        let region = HibernationRegion(ranges: [PhysicalRange(start: 0x100000, end: 0x110000)])
        let classification = PageClassification(
            pageSize: 4096, pfnRanges: [0x100..<0x110, 0x200..<0x210],
            counts: PageClassCounts(),
            runs: [PageRun(firstPFN: 0x102, count: 3, pageClass: .free),     // inside R
                   PageRun(firstPFN: 0x10f, count: 1, pageClass: .free),     // last page of R
                   PageRun(firstPFN: 0x200, count: 2, pageClass: .free),     // outside R
                   PageRun(firstPFN: 0x205, count: 1, pageClass: .user)])    // kept
        // Backup pages: destination 0x10xxxx → source 0x30xxxx.
        let excluded = HibernationImageSaver.excludedPages(classification: classification, region: region) {
            0x300000 + ($0 - 0x100000)
        }
        let sorted = excluded.sorted { $0.start < $1.start }
        #expect(sorted == [
            PhysicalRange(start: 0x200000, end: 0x202000),
            PhysicalRange(start: 0x302000, end: 0x303000), PhysicalRange(start: 0x303000, end: 0x304000),
            PhysicalRange(start: 0x304000, end: 0x305000), PhysicalRange(start: 0x30f000, end: 0x310000),
        ])
    }

    @Test func aPageOfRWithoutBackupIsSimplySkipped() {
        let region = HibernationRegion(ranges: [PhysicalRange(start: 0x100000, end: 0x110000)])
        let classification = PageClassification(pageSize: 4096, pfnRanges: [0x100..<0x110], counts: PageClassCounts(),
                                                runs: [PageRun(firstPFN: 0x100, count: 1, pageClass: .free)])
        #expect(HibernationImageSaver.excludedPages(classification: classification, region: region) { _ in nil }.isEmpty)
    }
}
