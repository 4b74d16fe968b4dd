import Foundation
import Testing
@testable import KJumpCore

/// One kind of image: a hibernation image and a crash dump read alike
/// (`ImageSystemMemory`). A hibernation image keeps the system kernel's
/// contents of R in the kexec backup pages, not at R's addresses.
@Suite struct ImageSystemMemoryTests {
    static let fixture = "hibernation-6.12-dmesg.kjimg"

    static func fixtureReader() throws -> ImageReader {
        try ImageReader(source: ArrayByteSource(try fixtureBytes(fixture)), options: .init(workers: 0))
    }

    static func kernelLog(_ memory: any PhysicalMemory, reader: ImageReader) throws -> [String] {
        let info = VmcoreInfo(text: try #require(reader.header.note(ImageNote.vmcoreinfoKey)))
        let space = try KernelAddressSpace(vmcoreInfo: info, memory: memory)
        let log = try KernelLogReader(vmcoreInfo: info, addressSpace: space).read()
        #expect(log.lostRecords == 0)
        #expect(log.damaged.isEmpty)
        return log.records.flatMap { KernelLogFormatter().lines(of: $0) }
    }

    // MARK: pages cut from a real hibernation image

    /// The pages `kjump dmesg` reads, cut from the image of `lab/run
    /// hibernate`: the kernel log of the hibernated system, from its boot
    /// banner to the jump.
    @Test func theKernelLogOfARealHibernationImage() throws {
        let reader = try Self.fixtureReader()
        #expect(reader.header.kind == .hibernation)
        let memory = try ImageSystemMemory(reader: reader)
        #expect(memory.translatesRegion)
        let lines = try Self.kernelLog(memory, reader: reader)
        #expect(lines.first?.hasPrefix("[    0.000000] Linux version 6.12.118 (") == true)
        #expect(lines.contains("[    0.000000] Command line: console=ttyS0 panic=-1 quiet loglevel=4 kjump_scenario=hibernate kjump_workload_mib=256"))
        #expect(lines.contains { $0.hasSuffix("] Disabling non-boot CPUs ...") })
        #expect(lines.count > 200)
    }

    /// Why it failed before: the image holds nothing at R's addresses, where
    /// the kernel's page tables (init_top_pgt at 0x1829000) are.
    @Test func theImageAloneHasNothingAtTheAddressesOfR() throws {
        let reader = try Self.fixtureReader()
        let info = VmcoreInfo(text: try #require(reader.header.note(ImageNote.vmcoreinfoKey)))
        #expect(throws: KernelAddressSpaceError.unreadable(
            virtualAddress: 0xffff_ffff_8182_9000, physicalAddress: 0x182_9000, count: 8,
            reason: PhysicalMemoryError.notPresent(0x182_9000).description)) {
            try KernelAddressSpace(vmcoreInfo: info, memory: ImagePhysicalMemory(reader: reader))
        }
        // The view has the page, from its backup page.
        let memory = try ImageSystemMemory(reader: reader)
        let root = try memory.read(physicalAddress: 0x182_9000, count: 4096)
        #expect(root.contains { $0 != 0 })
        #expect(memory.extents.contains { $0.address <= 0x182_9000 && 0x182_9000 < $0.end(pageSize: 4096) })
    }

    /// The exporters' walk gives the view's page set, in order, with the bytes `read` gives.
    @Test func theRunsOfARealHibernationImageAreTheViewsPages() throws {
        let reader = try Self.fixtureReader()
        let memory = try ImageSystemMemory(reader: reader)
        var runs: [ImageExtent] = []
        try memory.forEachRun { run in
            if let last = runs.last, last.kind == run.kind, last.end(pageSize: 4096) == run.address {
                runs[runs.count - 1].pageCount += run.pageCount
            } else {
                runs.append(ImageExtent(address: run.address, pageCount: run.pageCount, kind: run.kind))
            }
            if let bytes = run.bytes {
                let read = try memory.read(physicalAddress: run.address, count: bytes.count)
                #expect(Array(bytes) == read)
            }
        }
        #expect(runs == memory.extents)
        #expect(memory.regionPagesInImage > 0)
        // No page of the view is a backup page: those hold R's contents, served at R's addresses.
        let region = reader.header.hibernationRegion.ranges
        let inRegion = memory.extents.reduce(UInt64(0)) { total, extent in
            total + (region.contains { $0.contains(extent.address) } ? extent.pageCount : 0)
        }
        #expect(inRegion == memory.regionPagesInImage)
        #expect(memory.extents.reduce(0) { $0 + $1.pageCount } == reader.summary.dataPages + reader.summary.zeroPages)
    }

    // MARK: a synthetic image

    /// R = 6 pages at 0x10000. The kexec list swapped R's first five pages:
    /// two with consecutive data backups, one with a zero backup, one with a
    /// backup the image left out (A held the page free) and one with itself
    /// (a page A gave to kexec); the sixth has no pair.
    static let region = HibernationRegion(ranges: [PhysicalRange(start: 0x10000, end: 0x16000)])
    static let controlPage: UInt64 = 0x20_0000
    static let reentryPoint: UInt64 = controlPage + 0x123

    static func page(_ fill: UInt8) -> [UInt8] { [UInt8](repeating: fill, count: 4096) }

    static func syntheticImage(kind: ImageKind = .hibernation, withList: Bool = true) throws -> ImageReader {
        var control = page(0xcc)
        var entry: [UInt8] = []
        LittleEndianBytes.append(UInt64(controlPage + 0x1000) | KexecIndirectionList.indirectionFlag, to: &entry)
        control.replaceSubrange(Int(KexecControlPage.indirectionHeadOffset)..<Int(KexecControlPage.indirectionHeadOffset) + 8,
                                with: entry)
        var list: [UInt8] = []
        for value in [0x10000 | KexecIndirectionList.destinationFlag,
                      0x30_0000 | KexecIndirectionList.sourceFlag, 0x30_1000 | KexecIndirectionList.sourceFlag,
                      0x30_5000 | KexecIndirectionList.sourceFlag, 0x30_6000 | KexecIndirectionList.sourceFlag,
                      0x14000 | KexecIndirectionList.sourceFlag, KexecIndirectionList.doneFlag] as [UInt64] {
            LittleEndianBytes.append(value, to: &list)
        }
        list += [UInt8](repeating: 0, count: 4096 - list.count)
        var header = ImageTesting.header(compression: .lz4, kind: kind)
        header.hibernationRegion = kind == .hibernation ? region : HibernationRegion(ranges: [])
        header.reentryPoint = kind == .hibernation ? reentryPoint : 0
        let sink = ArrayImageSink()
        let writer = try ImageWriter(header: header, sink: sink, options: .init(workers: 0))
        try writer.append(address: 0, pages: page(0x01))
        if withList { try writer.append(address: controlPage, pages: control + list) }
        try writer.append(address: 0x30_0000, pages: page(0xa0) + page(0xa1) + page(0x0b))
        try writer.appendZero(address: 0x30_5000, pageCount: 1)
        try writer.append(address: 0x30_7000, pages: page(0x0c))
        try writer.finish(committedAt: ImageTesting.committedAt)
        return try ImageReader(source: ArrayByteSource(sink.bytes), options: .init(workers: 0))
    }

    @Test func rIsReadFromItsBackupPages() throws {
        let memory = try ImageSystemMemory(reader: try Self.syntheticImage())
        let r = try memory.read(physicalAddress: 0x10000, count: 8192)
        #expect(r == Self.page(0xa0) + Self.page(0xa1), "R's first two pages from their backups")
        // Across a data backup into a zero one.
        #expect(try memory.read(physicalAddress: 0x11ffe, count: 4) == [0xa1, 0xa1, 0, 0])
        #expect(throws: PhysicalMemoryError.notPresent(0x13010)) { try memory.read(physicalAddress: 0x13010, count: 4) }
        #expect(throws: PhysicalMemoryError.notBackedUp(0x14000)) { try memory.read(physicalAddress: 0x14000, count: 4) }
        #expect(throws: PhysicalMemoryError.notBackedUp(0x15000)) { try memory.read(physicalAddress: 0x15000, count: 4) }
        // The backup pages themselves are not A's pages at those addresses.
        #expect(throws: PhysicalMemoryError.notPresent(0x30_0000)) { try memory.read(physicalAddress: 0x30_0000, count: 4) }
        #expect(throws: PhysicalMemoryError.notPresent(0x30_5000)) { try memory.read(physicalAddress: 0x30_5000, count: 4) }
        // Everything else is the image's.
        #expect(try memory.read(physicalAddress: 0x30_2000, count: 2) == [0x0b, 0x0b])
        #expect(try memory.read(physicalAddress: 0xffe, count: 2) == [0x01, 0x01])
        #expect(try memory.read(physicalAddress: Self.controlPage, count: 1) == [0xcc])
    }

    @Test func thePageSetHasRAtItsOwnAddressesAndNoBackupPages() throws {
        let memory = try ImageSystemMemory(reader: try Self.syntheticImage())
        #expect(memory.extents == [
            ImageExtent(address: 0, pageCount: 1, kind: .data),
            ImageExtent(address: 0x10000, pageCount: 2, kind: .data),
            ImageExtent(address: 0x12000, pageCount: 1, kind: .zero),
            ImageExtent(address: Self.controlPage, pageCount: 2, kind: .data),
            ImageExtent(address: 0x30_2000, pageCount: 1, kind: .data),
            ImageExtent(address: 0x30_7000, pageCount: 1, kind: .data),
        ])
        var runs: [(UInt64, UInt64, ImageExtentKind, [UInt8]?)] = []
        try memory.forEachRun { runs.append(($0.address, $0.pageCount, $0.kind, $0.bytes.map(Array.init))) }
        #expect(runs.map(\.0) == [0, 0x10000, 0x12000, Self.controlPage, 0x30_2000, 0x30_7000])
        guard runs.count == 6 else { return }
        let rBytes = runs[1].3 == Self.page(0xa0) + Self.page(0xa1), plainBytes = runs[4].3 == Self.page(0x0b)
        #expect(rBytes)
        #expect(runs[2].2 == .zero && runs[2].3 == nil)
        #expect(plainBytes)
    }

    @Test func aCrashDumpIsTheImageAsItIs() throws {
        let reader = try Self.syntheticImage(kind: .crash)
        let memory = try ImageSystemMemory(reader: reader)
        #expect(!memory.translatesRegion)
        #expect(memory.extents == reader.extents)
        #expect(try memory.read(physicalAddress: 0x30_0000, count: 2) == [0xa0, 0xa0])
        #expect(throws: PhysicalMemoryError.notPresent(0x10000)) { try memory.read(physicalAddress: 0x10000, count: 4) }
        var count = 0
        try memory.forEachRun { _ in count += 1 }
        #expect(count == 5)
    }

    @Test func aHibernationImageWithoutItsKexecListIsRefusedWithTheReason() throws {
        let reader = try Self.syntheticImage(withList: false)
        let error = #expect(throws: ImageSystemMemoryError.self) { try ImageSystemMemory(reader: reader) }
        #expect(error?.description.hasPrefix("the hibernation image does not lead to the system kernel's kexec backup pages, which hold its contents of the H region [0x10000, 0x16000): cannot read the kexec list head at physical address 0x200830") == true)
    }

    // MARK: the fixture

    /// Cuts `hibernation-6.12-dmesg.kjimg` from a real hibernation image:
    /// `KJUMP_CUT_HIBERNATION_FIXTURE=lab/out/hibernate/resume.img swift test --filter cutHibernationFixture`.
    /// Keeps the image's header and exactly the pages that reading the
    /// kernel log reads: A's control page, the kexec indirection pages, and
    /// the backup pages (and pages outside R) the page-table walks and the
    /// log buffer need.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["KJUMP_CUT_HIBERNATION_FIXTURE"] != nil))
    func cutHibernationFixture() throws {
        let path = ProcessInfo.processInfo.environment["KJUMP_CUT_HIBERNATION_FIXTURE"]!
        let reader = try ImageReader(source: VmcoreFileByteSource(path: path))
        let recorder = RecordingPhysicalMemory(base: ImagePhysicalMemory(reader: reader))
        let memory = try RegionAwarePhysicalMemory(base: recorder, region: reader.header.hibernationRegion,
                                                   reentryPoint: reader.header.reentryPoint)
        _ = try Self.kernelLog(memory, reader: reader)
        var header = reader.header
        header.compression = .zstd
        header.compressionLevel = 19
        let sink = ArrayImageSink()
        let writer = try ImageWriter(header: header, sink: sink, options: .init(workers: 0))
        for (address, bytes) in recorder.pages.sorted(by: { $0.key < $1.key }) {
            if bytes.allSatisfy({ $0 == 0 }) {
                try writer.appendZero(address: address, pageCount: 1)
            } else {
                try writer.append(address: address, pages: bytes)
            }
        }
        let summary = try writer.finish(committedAt: reader.state.committedAt ?? header.createdAt)
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/" + Self.fixture)
        try Data(sink.bytes[0..<Int(summary.imageBytes)]).write(to: url)
        print("cutHibernationFixture: \(recorder.pages.count) pages, \(summary.imageBytes) bytes")
    }
}
