import Testing
@testable import KJumpCore

/// The headers, notes and bitmaps of a kdump-compressed file planned from a small image.
@Suite struct KdumpCompressedLayoutTests {
    @Test func headerFieldsComeFromTheImage() throws {
        let image = try ImageTesting.write(ImageTesting.standardRuns(), header: KdumpTesting.crashHeader())
        let (file, _, layout) = try KdumpTesting.export(image)
        let header = file.header
        #expect(header == layout.header)
        #expect(Array(file.bytes[0..<8]) == Array("KDUMP   ".utf8))
        #expect(header.headerVersion == 6)
        #expect(header.utsname == KdumpUtsname(sysname: "Linux", release: "6.12.117-kjump", machine: "x86_64"))
        #expect(header.timestampSeconds == 1_700_000_042)      // CRASHTIME, not the image's creation time
        #expect(header.status == .zstd)
        #expect(header.blockSize == 4096)
        #expect(header.cpuCount == 2)                           // two NT_PRSTATUS notes
        #expect(header.physBase == 0x1e0_0000)
        #expect(header.dumpLevel == 31)
        #expect(header.split == 0 && header.startPFN == 0 && header.endPFN == 0)
        #expect(header.eraseinfoOffset == 0 && header.eraseinfoSize == 0)
        // max_mapnr: the end of the firmware map's usable RAM (0x3ffe0000), above every image page.
        #expect(header.maxMapnr == 0x3ffe0)
        #expect(header.bitmapBlocks == 2 * 8)                   // 0x3ffe0 bits = 32764 bytes: 8 blocks each
        #expect(header.subHeaderBlocks == 1)
        #expect(header.descriptorsOffset == UInt64(1 + 1 + 16) * 4096)
        // The fields at the offsets crash and makedumpfile read them from.
        #expect(file.bytes.imageLoad(UInt32.self, at: 424) == KdumpFlags.zstd.rawValue)
        #expect(file.bytes.imageLoad(Int32.self, at: 428) == 4096)
        #expect(file.bytes.imageLoad(UInt32.self, at: 440) == 0x3ffe0)
        #expect(file.bytes.imageLoad(Int32.self, at: 460) == 2)
        #expect(file.bytes.imageLoad(UInt64.self, at: 4096 + 96) == 0x3ffe0)
        #expect(Array(file.bytes[12 + 4 * 65..<12 + 4 * 65 + 7]) == Array("x86_64\0".utf8))
    }

    @Test func notesHoldTheElfNotesThenVmcoreinfo() throws {
        let image = try ImageTesting.write(ImageTesting.standardRuns(), header: KdumpTesting.crashHeader())
        let (file, _, _) = try KdumpTesting.export(image)
        #expect(file.header.notesOffset == 4096 + 104)
        let notes = try ElfNote.parseSegment(file.notes, at: 0)
        #expect(notes.map(\.name) == ["CORE", "CORE", "QEMU", "VMCOREINFO"])
        #expect(notes.prefix(3).map(\.descriptor) == KdumpTesting.elfNotes.map(\.descriptor))
        #expect(file.vmcoreinfo == KdumpTesting.vmcoreinfoText)
        // offset_vmcoreinfo points at the VMCOREINFO note's descriptor inside the note area.
        #expect(file.header.vmcoreinfoOffset == file.header.notesOffset + notes[3].offset + 12 + 12)
    }

    @Test func anImageWithoutNotesHasOneCPUAndNoNoteArea() throws {
        let image = try ImageTesting.write(ImageTesting.standardRuns(), header: ImageTesting.header(kind: .crash))
        let (file, _, _) = try KdumpTesting.export(image, codec: .none)
        #expect(file.header.cpuCount == 1)
        #expect(file.header.notesOffset == 0 && file.header.notesSize == 0)
        #expect(file.header.vmcoreinfoOffset == 0 && file.header.vmcoreinfoSize == 0)
        #expect(file.header.status == [])
        #expect(file.header.timestampSeconds == ImageTesting.createdAt)
        #expect(file.header.dumpLevel == 0)
    }

    @Test func aPartialImageIsMarkedIncomplete() throws {
        // A target too small for every frame: the writer commits a partial image.
        let image = try ImageTesting.write(ImageTesting.standardRuns(), header: KdumpTesting.crashHeader(), workers: 0,
                                           capacity: 64 << 10)
        #expect(try ImageTesting.open(image).summary.isPartial)
        let (file, _, _) = try KdumpTesting.export(image)
        #expect(file.header.status == [.zstd, .incomplete])
    }

    @Test func secondBitmapHoldsTheImagePagesAndFirstAlsoTheRAM() throws {
        let image = try ImageTesting.write(ImageTesting.standardRuns(), header: KdumpTesting.crashHeader())
        let (file, _, _) = try KdumpTesting.export(image)
        #expect(file.dumpBitmap.ranges == [0x1..<0x4, 0x4..<0x6, 0x6..<0x9, 0x100..<0x100 + 300, 0x300..<0x300 + 1024,
                                           0x800..<0x805, 0x10000..<0x10028].reducedForTest)
        #expect(file.ramBitmap.ranges == [0..<0x9f, 0x100..<0x3ffe0])
        // pfn 0x9 and 0x2000 were excluded from the image: RAM, not dumped.
        #expect(file.ramBitmap.contains(0x9) && !file.dumpBitmap.contains(0x9))
        #expect(file.ramBitmap.contains(0x2000) && !file.dumpBitmap.contains(0x2000))
        #expect(!file.ramBitmap.contains(0xa0))                     // a hole in the firmware map
    }

    @Test func bitmapsEncodeBitsLowFirstAndDecodeBack() {
        let bitmap = KdumpPageBitmap(ranges: [3..<5, 0..<1, 8..<24, 30..<31, 4..<6])
        #expect(bitmap.ranges == [0..<1, 3..<6, 8..<24, 30..<31])
        #expect(bitmap.pageCount == 21)
        #expect(bitmap.endPFN == 31)
        #expect(bitmap.encoded(fromByte: 0, count: 5) == [0b0011_1001, 0xff, 0xff, 0b0100_0000, 0])
        #expect(bitmap.encoded(fromByte: 1, count: 2) == [0xff, 0xff])
        #expect(bitmap.encoded(fromByte: 3, count: 1) == [0b0100_0000])
        #expect(KdumpPageBitmap(decoding: bitmap.encoded(fromByte: 0, count: 5)) == bitmap)
        #expect(bitmap.contains(3) && bitmap.contains(23) && !bitmap.contains(6) && !bitmap.contains(31))
    }

    @Test func headerEncodesAndParsesBack() throws {
        let image = try ImageTesting.write(ImageTesting.standardRuns(), header: KdumpTesting.crashHeader())
        let layout = try KdumpCompressedLayout(image: try ImageTesting.open(image).header, extents: try ImageTesting.open(image).extents,
                                               compression: .zlib)
        let area = layout.headerArea()
        #expect(area.count == Int(layout.header.bitmapOffset))
        let parsed = try KdumpCompressedHeader(parsing: Array(area[0..<4096]), subHeader: Array(area[4096...]))
        #expect(parsed == layout.header)
        #expect(throws: KdumpFormatError.foreign(signature: Array("KJUMPIMG".utf8))) {
            try KdumpCompressedHeader(parsing: Array(image[0..<4096]), subHeader: Array(area[4096...]))
        }
    }

    @Test func memoryEndCutsPagesAboveIt() throws {
        let image = try ImageTesting.write(ImageTesting.standardRuns(), header: KdumpTesting.crashHeader())
        let (file, summary, layout) = try KdumpTesting.export(image, memoryEnd: 0x802)
        #expect(file.header.maxMapnr == 0x802)
        #expect(file.dumpBitmap.endPFN == 0x802)
        #expect(file.ramBitmap.endPFN == 0x802)
        #expect(layout.pagesBeyondMemoryEnd == 3 + 40)
        #expect(summary.dumpedPages == layout.dumpedPages)
        #expect(layout.pagesKept(address: 0x800000, pageCount: 5) == 2)
        #expect(layout.pagesKept(address: 0x1000_0000, pageCount: 40) == 0)
    }
}

private extension Array where Element == Range<UInt64> {
    /// Adjacent ranges merged, as `KdumpPageBitmap` keeps them.
    var reducedForTest: [Range<UInt64>] { KdumpPageBitmap(ranges: self).ranges }
}
