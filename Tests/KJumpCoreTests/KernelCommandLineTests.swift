import Testing
@testable import KJumpCore

@Suite struct KernelCommandLineTests {
    @Test func splitsOnSpacesAndKeepsQuotedValuesWhole() {
        let line = KernelCommandLine(parsing: "console=ttyS0 kjump.exec=\"kjump probe --x\" quiet  nokaslr\n")
        #expect(line.words == ["console=ttyS0", "kjump.exec=kjump probe --x", "quiet", "nokaslr"])
        #expect(line.value(of: "kjump.exec") == "kjump probe --x")
        #expect(line.value(of: "kjump.role") == nil)
        #expect(line.contains("quiet"))
        #expect(!line.contains("quie"))
    }

    @Test func lastValueWins() {
        #expect(KernelCommandLine(parsing: "a=1 a=2").value(of: "a") == "2")
    }

    @Test func quotingOnlyWhenNeeded() {
        #expect(KernelCommandLine.quoted("kjump probe") == "\"kjump probe\"")
        #expect(KernelCommandLine.quoted("true") == "true")
        let line = KernelCommandLine(parsing: "x=" + KernelCommandLine.quoted("a b"))
        #expect(line.value(of: "x") == "a b")
    }

    @Test func hexNumbers() {
        #expect(UInt64(hex: "0x1f") == 31)
        #expect(UInt64(hex: " 31c000\n") == 0x31c000)
        #expect(UInt64(hex: "0x") == nil)
        #expect(UInt64(hex: "zz") == nil)
    }
}

@Suite struct IoMemoryMapTests {
    static let iomem = """
        00000000-00000fff : Reserved
        00001000-0009fbff : System RAM
        0009fc00-0009ffff : Reserved
        000f0000-000fffff : Reserved
          000f0000-000fffff : System ROM
        00100000-3ffdffff : System RAM
          01000000-01dfffff : Kernel code
        3ffe0000-3fffffff : Reserved
        fd000000-fdffffff : PCI Bus 0000:00
        """

    @Test func topLevelSystemRAM() throws {
        let map = try IoMemoryMap(parsing: Self.iomem)
        #expect(map.resources.count == 7)
        #expect(map.systemRAM == [PhysicalRange(start: 0x1000, end: 0x9fc00), PhysicalRange(start: 0x100000, end: 0x3ffe0000)])
    }

    @Test func crashKernelReservationIsNested() throws {
        let map = try IoMemoryMap(parsing: "00100000-3ffdffff : System RAM\n  01000000-01dfffff : Kernel code\n"
                                  + "  2b000000-3affffff : Crash kernel\n3ffe0000-3fffffff : Reserved\n")
        #expect(map.crashKernelReservations == [PhysicalRange(start: 0x2b00_0000, end: 0x3b00_0000)])
        #expect(map.systemRAM == [PhysicalRange(start: 0x100000, end: 0x3ffe0000)])
        #expect(try IoMemoryMap(parsing: Self.iomem).crashKernelReservations.isEmpty)
    }

    @Test func hiddenAddressesAreRefused() {
        #expect(throws: IoMemoryMapError.addressesHidden) {
            try IoMemoryMap(parsing: "00000000-00000000 : System RAM\n00000000-00000000 : Reserved\n")
        }
    }

    @Test func malformedLineIsNamed() {
        #expect(throws: IoMemoryMapError.malformedLine(number: 2, text: "nonsense")) {
            try IoMemoryMap(parsing: "00001000-0009fbff : System RAM\nnonsense\n")
        }
    }
}

@Suite struct PhysicalRangeSetTests {
    @Test func subtractingHolesSplitsRanges() {
        let ram = [PhysicalRange(start: 0x1000, end: 0x9fc00), PhysicalRange(start: 0x100000, end: 0x40000000)]
        let r = HibernationRegion(mainBlockBytes: 192 << 20).ranges
        let outside = PhysicalRange.subtracting(r, from: ram)
        #expect(outside == [PhysicalRange(start: 0x9f000, end: 0x9fc00), PhysicalRange(start: 0xc100000, end: 0x40000000)])
    }

    @Test func wholePagesRoundInward() {
        #expect(PhysicalRange(start: 0x9f000, end: 0x9fc00).wholePages() == nil)
        #expect(PhysicalRange(start: 0x1800, end: 0x9fc00).wholePages() == PhysicalRange(start: 0x2000, end: 0x9f000))
        #expect(PhysicalRange(start: 0x100000, end: 0x200000).wholePages() == PhysicalRange(start: 0x100000, end: 0x200000))
    }

    @Test func overlapAndContainment() {
        let a = PhysicalRange(start: 0x1000, end: 0x2000)
        #expect(a.overlaps(PhysicalRange(start: 0x1fff, end: 0x3000)))
        #expect(!a.overlaps(PhysicalRange(start: 0x2000, end: 0x3000)))
        #expect(a.contains(0x1fff) && !a.contains(0x2000))
    }
}

@Suite struct PurgatoryCodeTests {
    @Test func patchingFillsTheParameterBlockLittleEndian() {
        let code = PurgatoryCode(bytes: [0xfa] + [UInt8](repeating: 0, count: 31), parametersOffset: 8)
        let patched = code.patched(bootParamsAddress: 0x101000, kernelEntry: 0x1000200, reentryDigitsAddress: 0x102abc)
        #expect(patched[0] == 0xfa)
        #expect(Array(patched[8..<16]) == [0x00, 0x10, 0x10, 0, 0, 0, 0, 0])
        #expect(Array(patched[16..<24]) == [0x00, 0x02, 0x00, 0x01, 0, 0, 0, 0])
        #expect(Array(patched[24..<32]) == [0xbc, 0x2a, 0x10, 0, 0, 0, 0, 0])
    }
}

@Suite struct CpuListTests {
    @Test func numbersAndRanges() {
        #expect(CpuList(parsing: "0-3,8\n").cpus == [0, 1, 2, 3, 8])
        #expect(CpuList(parsing: "0").cpus == [0])
        #expect(CpuList(parsing: "").cpus.isEmpty)
    }

    @Test func malformedItemsAreSkipped() {
        #expect(CpuList(parsing: "x,2-1,-3,5").cpus == [5])
    }
}
