import Testing
@testable import KJumpCore

@Suite struct E820Tests {
    @Test func typesHaveTheKernelsNumbersAndNames() {
        #expect(E820Type.usable.rawValue == 1)
        #expect(E820Type.reserved.rawValue == 2)
        #expect(E820Type.acpiData.rawValue == 3)
        #expect(E820Type.acpiNVS.rawValue == 4)
        #expect(E820Type.unusable.rawValue == 5)
        #expect(E820Type.persistentMemory.rawValue == 7)
        #expect(E820Type.usable.name == "usable")
        #expect(E820Type.acpiNVS.name == "ACPI NVS")
        #expect(E820Type(rawValue: 6).name == "type 6")
        #expect("\(E820Type.acpiData)" == "ACPI data")
    }

    @Test func parsesEveryMemmapTypeName() {
        let names: [(String, E820Type)] = [
            ("System RAM", .usable), ("Reserved", .reserved), ("ACPI Tables", .acpiData),
            ("ACPI Non-volatile Storage", .acpiNVS), ("Unusable memory", .unusable),
            ("Persistent Memory", .persistentMemory), ("Persistent Memory (legacy)", .legacyPersistentMemory),
            ("Soft Reserved", .softReserved),
        ]
        for (name, type) in names {
            #expect(E820Type(memmapName: name) == type, "\(name)")
            #expect(E820Type(memmapName: name + "\n") == type, "\(name) with a line end")
            #expect(type.memmapName == name)
        }
        #expect(E820Type(memmapName: "Unknown E820 type") == nil)
        #expect(E820Type(memmapName: "system ram") == nil)
        #expect(E820Type(memmapName: "") == nil)
        #expect(E820Type(rawValue: 6).memmapName == nil)
    }

    @Test func parsesAMemmapEntryWithItsInclusiveEnd() {
        // A real /sys/firmware/memmap entry: start 0x0, end 0x9fbff, "System RAM".
        let low = E820Entry(memmapStart: "0x0\n", end: "0x9fbff\n", type: "System RAM\n")
        #expect(low == E820Entry(address: 0, size: 0x9fc00, type: .usable))
        #expect(low?.range == PhysicalRange(start: 0, end: 0x9fc00))
        let high = E820Entry(memmapStart: "0x100000000", end: "0x63fffffff", type: "System RAM")
        #expect(high?.size == 0x5_4000_0000)
        #expect(E820Entry(memmapStart: "100", end: "0x1ff", type: "Reserved") == nil)
        #expect(E820Entry(memmapStart: "0x200", end: "0x1ff", type: "Reserved") == nil)
        #expect(E820Entry(memmapStart: "0x0", end: "0xfff", type: "Unknown E820 type") == nil)
    }

    @Test func entryFromARange() {
        let entry = E820Entry(range: PhysicalRange(start: 0x10_0000, end: 0xc10_0000), type: .usable)
        #expect(entry.address == 0x10_0000 && entry.size == 0xc00_0000)
        #expect(entry.description == "[0x100000, 0xc100000) usable")
        #expect(E820Entry(address: .max - 1, size: 0x1000, type: .reserved).range.end == .max)
    }

    @Test func encodesTwentyLittleEndianBytesPerEntry() {
        let bytes = E820.encode([
            E820Entry(address: 0x0102_0304_0506_0708, size: 0x1112_1314_1516_1718, type: E820Type(rawValue: 0x2122_2324)),
            E820Entry(address: 0x1000, size: 0x9e000, type: .acpiNVS),
        ])
        #expect(bytes == [
            0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,
            0x18, 0x17, 0x16, 0x15, 0x14, 0x13, 0x12, 0x11,
            0x24, 0x23, 0x22, 0x21,
            0x00, 0x10, 0, 0, 0, 0, 0, 0,
            0x00, 0xe0, 0x09, 0, 0, 0, 0, 0,
            0x04, 0, 0, 0,
        ])
        #expect(E820.encode([]).isEmpty)
    }

    @Test func decodeReadsBackWhatEncodeWrote() {
        let entries = (0..<5).map { E820Entry(address: UInt64($0) << 30, size: 0x1000 * UInt64($0 + 1), type: E820Type(rawValue: UInt32($0))) }
        let bytes = [0xee] + E820.encode(entries)
        #expect(E820.decode(bytes[1...], count: 5) == entries)
        #expect(E820.decode(bytes[1...], count: 2) == Array(entries.prefix(2)))
        #expect(E820.maxZeroPageEntries == 128)
        #expect(E820.entrySize == 20)
    }
}
