import Testing
@testable import KJumpCore

@Suite struct RestorerCommandLineTests {
    @Test func confinesTheRestorerToTheRegionAndHidesTheSystemsRAM() {
        let firmware = [
            E820Entry(address: 0, size: 0x9fc00, type: .usable),
            E820Entry(address: 0x9fc00, size: 0x400, type: .reserved),
            E820Entry(address: 0xf0000, size: 0x10000, type: .reserved),
            E820Entry(address: 0x100000, size: 0x3fee0000, type: .usable),
            E820Entry(address: 0x3ffe0000, size: 0x20000, type: .reserved),
        ]
        let line = RestorerCommandLine(region: HibernationRegion(mainBlockBytes: 192 << 20), firmwareMemoryMap: firmware,
                                       extra: ["kjump.role=resume"])
        // The brief's line, generated: R as RAM, A's RAM outside R as ACPI data, the rest reserved.
        #expect(line.words == [
            "nokaslr", "clearcpuid=erms", "swiotlb=noforce", "memmap=exactmap",
            "memmap=632K@0x1000", "memmap=192M@0x100000",
            "memmap=4K#0x0", "memmap=3K#0x9f000", "memmap=1K$0x9fc00", "memmap=64K$0xf0000",
            "memmap=850816K#0xc100000", "memmap=128K$0x3ffe0000",
            "kjump.role=resume",
        ])
        #expect(line.text.hasPrefix("nokaslr clearcpuid=erms swiotlb=noforce memmap=exactmap memmap=632K@0x1000"))
    }

    @Test func oddSizesAreWrittenInHex() {
        #expect(RestorerCommandLine.size(0x1234) == "0x1234")
        #expect(RestorerCommandLine.size(0x400) == "1K")
        #expect(RestorerCommandLine.size(3 << 20) == "3M")
    }
}
