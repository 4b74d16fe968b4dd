import Testing
@testable import KJumpCore

/// The setup header of the lab's system kernel (see Fixtures/README.md).
private func realHeader() throws -> BzImageHeader { try BzImageHeader(parsing: try fixtureBytes("bzImage-6.12-head")) }

/// The layout the brief verified: R as RAM, plus a reserved page.
private let layoutE820 = [
    E820Entry(address: 0x1000, size: 0x9e000, type: .usable),
    E820Entry(address: 0x10_0000, size: 0x3000, type: .usable),
    E820Entry(address: 0x10_3000, size: 0x3000, type: .reserved),
    E820Entry(address: 0x10_6000, size: 0xbf0_a000, type: .usable),
]

/// The error `make` throws for `count` e820 entries, or nil.
private func makeError(_ header: BzImageHeader, entries count: Int) -> BootProtocolError? {
    let entries = Array(repeating: E820Entry(address: 0, size: 0x1000, type: .usable), count: count)
    do { _ = try BootParams.make(header: header, commandLineAddress: 0x10_2000, e820: entries) } catch { return error }
    return nil
}

@Suite struct BootParamsTests {
    @Test func offsetsMatchStructBootParams() {
        #expect(BootParams.size == 4096)
        #expect(BootParams.acpiRSDPAddressOffset == 0x070)
        #expect(BootParams.extendedRamdiskImageOffset == 0x0c0)
        #expect(BootParams.extendedRamdiskSizeOffset == 0x0c4)
        #expect(BootParams.extendedCommandLinePointerOffset == 0x0c8)
        #expect(BootParams.e820EntriesOffset == 0x1e8)
        #expect(BootParams.sentinelOffset == 0x1ef)
        #expect(BootParams.setupHeaderOffset == 0x1f1)
        #expect(BootParams.typeOfLoaderOffset == 0x210)
        #expect(BootParams.loadFlagsOffset == 0x211)
        #expect(BootParams.ramdiskImageOffset == 0x218)
        #expect(BootParams.ramdiskSizeOffset == 0x21c)
        #expect(BootParams.commandLinePointerOffset == 0x228)
        #expect(BootParams.setupDataOffset == 0x250)
        #expect(BootParams.e820TableOffset == 0x2d0)
        // e820_table (128 × 20 bytes) ends at 0xcd0, where _pad8 starts.
        #expect(BootParams.e820TableOffset + E820.maxZeroPageEntries * E820.entrySize == 0xcd0)
    }

    @Test func copiesTheSetupHeaderAndSetsTheLoaderFields() throws {
        let header = try realHeader()
        let page = try BootParams.make(header: header, commandLineAddress: 0x10_2000, e820: layoutE820)
        #expect(page.count == 4096)
        // Everything before the header is zero but e820_entries; the sentinel in particular.
        #expect(page[..<0x1f1].enumerated().allSatisfy { $0.offset == 0x1e8 || $0.element == 0 })
        #expect(page[0x1e8] == 4)
        #expect(page[0x1ef] == 0)
        // The header byte for byte, except what the loader sets.
        let loaderFields = Set([0x210]).union(0x218..<0x220).union(0x228..<0x22c).union(0x250..<0x258)
        for offset in 0x1f1..<0x26c where !loaderFields.contains(offset) {
            #expect(page[offset] == header.setupHeader[offset], "byte 0x\(String(offset, radix: 16))")
        }
        #expect(page[0x210] == 0xff)
        #expect(page[0x211] == 0x01)
        #expect(page.littleEndian(UInt32.self, at: 0x218) == 0)
        #expect(page.littleEndian(UInt32.self, at: 0x21c) == 0)
        #expect(page.littleEndian(UInt32.self, at: 0x228) == 0x10_2000)
        #expect(page.littleEndian(UInt32.self, at: 0x0c8) == 0)
        // The header's fields, read back out of boot_params.
        #expect(page.littleEndian(UInt16.self, at: 0x236) == 0x23)
        #expect(page.littleEndian(UInt32.self, at: 0x238) == 0x7ff)
        #expect(page.littleEndian(UInt64.self, at: 0x258) == 0x100_0000)
        #expect(page.littleEndian(UInt32.self, at: 0x260) == 0xf1_f000)
        #expect(page[0x202..<0x206].elementsEqual("HdrS".utf8))
        #expect(page.littleEndian(UInt16.self, at: 0x206) == 0x020f)
        // Nothing between the header and e820_table, nor after the table.
        #expect(page[0x26c..<0x2d0].allSatisfy { $0 == 0 })
        #expect(page[(0x2d0 + 4 * 20)...].allSatisfy { $0 == 0 })
    }

    @Test func splitsTheCommandLineAddressIntoLowAndHighHalves() throws {
        let page = try BootParams.make(header: try realHeader(), commandLineAddress: 0x1_2345_6789_abcd, e820: [])
        #expect(page.littleEndian(UInt32.self, at: BootParams.commandLinePointerOffset) == 0x6789_abcd)
        #expect(page.littleEndian(UInt32.self, at: BootParams.extendedCommandLinePointerOffset) == 0x1_2345)
        #expect(Array(page[0x228..<0x22c]) == [0xcd, 0xab, 0x89, 0x67])
        #expect(Array(page[0x0c8..<0x0cc]) == [0x45, 0x23, 0x01, 0x00])
    }

    @Test func clearsRamdiskAndSetupDataEvenIfTheHeaderHadThem() throws {
        var bytes = try fixtureBytes("bzImage-6.12-head")
        bytes.storeLittleEndian(UInt32(0x1234_5000), at: 0x218)
        bytes.storeLittleEndian(UInt32(0x1000), at: 0x21c)
        bytes.storeLittleEndian(UInt64(0xdead_beef), at: 0x250)
        bytes[0x210] = 0x71
        let page = try BootParams.make(header: try BzImageHeader(parsing: bytes), commandLineAddress: 0, e820: [])
        #expect(page.littleEndian(UInt32.self, at: 0x218) == 0)
        #expect(page.littleEndian(UInt32.self, at: 0x21c) == 0)
        #expect(page.littleEndian(UInt64.self, at: 0x250) == 0)
        #expect(page[0x210] == 0xff)
    }

    @Test func writesTheE820TableLittleEndian() throws {
        let page = try BootParams.make(header: try realHeader(), commandLineAddress: 0x10_2000, e820: layoutE820)
        #expect(page[BootParams.e820EntriesOffset] == 4)
        #expect(Array(page[0x2d0..<0x2d0 + 80]) == E820.encode(layoutE820))
        #expect(Array(page[0x2e4..<0x2f8]) == [
            0x00, 0x00, 0x10, 0, 0, 0, 0, 0, // address 0x100000
            0x00, 0x30, 0, 0, 0, 0, 0, 0, // size 0x3000
            0x01, 0, 0, 0, // usable
        ])
        #expect(E820.decode(page[0x2d0...], count: Int(page[0x1e8])) == layoutE820)
    }

    @Test func makeFromAWholeImageEqualsMakeFromItsHeader() throws {
        let bytes = try fixtureBytes("bzImage-6.12-head")
        var whole = bytes
        whole.storeLittleEndian(UInt32(0x100), at: 0x1f4)
        let image = try BzImage(parsing: whole)
        #expect(try BootParams.make(image: image, commandLineAddress: 0x10_2000, e820: layoutE820)
            == BootParams.make(header: image.header, commandLineAddress: 0x10_2000, e820: layoutE820))
    }

    @Test func holdsAtMost128E820Entries() throws {
        let header = try realHeader()
        #expect(makeError(header, entries: 128) == nil)
        #expect(makeError(header, entries: 129) == .tooManyE820Entries(129))
        #expect(BootProtocolError.tooManyE820Entries(129).description
            == "129 e820 entries do not fit in boot_params, which holds at most 128")
        let full = try BootParams.make(header: header, commandLineAddress: 0, e820: Array(
            repeating: E820Entry(address: 0x1000, size: 0x1000, type: .reserved), count: 128))
        #expect(full[0x1e8] == 128)
        #expect(full[0xcd0...].allSatisfy { $0 == 0 })
    }
}
