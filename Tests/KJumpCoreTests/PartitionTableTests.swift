import Testing
@testable import KJumpCore

/// PARTUUIDs as Linux and udev give them, read from tables sfdisk wrote.
@Suite struct PartitionTableTests {
    func table(_ bytes: [UInt8], sectorSize: Int = 512) throws -> PartitionTable? {
        try PartitionTable.read(sectorSize: sectorSize) { offset, count in
            let start = Int(min(offset, UInt64(bytes.count)))
            return Array(bytes[start..<min(start + count, bytes.count)])
        }
    }

    @Test func anMBRDiskGivesSignatureAndNumber() throws {
        let table = try #require(try table(fixtureBytes("partitions-mbr-sfdisk.bin")))
        #expect(table.scheme == .mbr)
        #expect(table.partitions == [.init(number: 1, partUUID: "6b6a6d70-01"), .init(number: 2, partUUID: "6b6a6d70-02")])
        #expect(table.partition(partUUID: "6B6A6D70-02")?.number == 2)
        #expect(table.partition(partUUID: "6b6a6d70-03") == nil)
    }

    @Test func aGPTDiskGivesTheEntriesUniqueGUIDs() throws {
        let table = try #require(try table(fixtureBytes("partitions-gpt-sfdisk.bin")))
        #expect(table.scheme == .gpt)
        #expect(table.partitions == [.init(number: 1, partUUID: "a1b2c3d4-e5f6-4708-9a0b-c1d2e3f40516"),
                                     .init(number: 2, partUUID: "00112233-4455-6677-8899-aabbccddeeff")])
    }

    @Test func extendedSlotsAndEmptySlotsAreNotPartitionsOfTheirOwn() throws {
        var mbr = try fixtureBytes("partitions-mbr-sfdisk.bin")
        mbr[446 + 16 + 4] = 0x05   // slot 2 becomes an extended partition
        #expect(try table(mbr)?.partitions.map(\.number) == [1])
    }

    @Test func noTableOrABrokenOneIsNil() throws {
        #expect(try table([UInt8](repeating: 0, count: 4096)) == nil)
        var gpt = try fixtureBytes("partitions-gpt-sfdisk.bin")
        gpt[512] = UInt8(ascii: "X")                // no "EFI PART" at LBA 1
        #expect(try table(gpt) == nil)
        var huge = try fixtureBytes("partitions-gpt-sfdisk.bin")
        huge.imageStore(UInt32(1 << 20), at: 512 + 80)   // a million entries
        #expect(try table(huge) == nil)
        var cut = try fixtureBytes("partitions-gpt-sfdisk.bin")
        cut.removeLast(4096)                          // entries beyond what the disk returns
        #expect(try table(cut) == nil)
    }
}
