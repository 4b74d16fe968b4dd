import Testing
@testable import KJumpCore

@Suite struct KexecJumpPlannerTests {
    /// The real lab kernel's setup header with a 4 KiB payload (syssize patched to match).
    static func kernel() throws -> BzImage {
        var bytes = try fixtureBytes("bzImage-6.12-head")
        let payload = bytes.count - (Int(bytes[0x1f1]) + 1) * 512
        bytes.storeLittleEndian(UInt32(payload / 16), at: 0x1f4)
        return try BzImage(parsing: bytes)
    }

    /// A 1 GiB QEMU guest: the firmware map and System RAM of the lab's system kernel.
    static let firmware = [
        E820Entry(address: 0, size: 0x9fc00, type: .usable),
        E820Entry(address: 0x9fc00, size: 0x400, type: .reserved),
        E820Entry(address: 0xf0000, size: 0x10000, type: .reserved),
        E820Entry(address: 0x100000, size: 0x3fee0000, type: .usable),
        E820Entry(address: 0x3ffe0000, size: 0x20000, type: .reserved),
        E820Entry(address: 0xfffc0000, size: 0x40000, type: .reserved),
    ]
    static let systemRAM = [PhysicalRange(start: 0x1000, end: 0x9fc00), PhysicalRange(start: 0x100000, end: 0x3ffe0000)]
    static let purgatory = PurgatoryCode(bytes: [0xfa, 0xfc] + [UInt8](repeating: 0x90, count: 38) + [UInt8](repeating: 0, count: 24),
                                         parametersOffset: 40)

    static func planner(region: HibernationRegion = HibernationRegion(mainBlockBytes: 192 << 20),
                        vmcoreinfo: PhysicalRange = PhysicalRange(start: 0x264000, end: 0x265024),
                        firmware: [E820Entry] = firmware, extra: [String] = ["console=ttyS0"]) throws -> KexecJumpPlanner {
        KexecJumpPlanner(region: region, kernel: try kernel(), purgatory: purgatory, firmwareMemoryMap: firmware,
                         systemRAM: systemRAM, vmcoreinfo: vmcoreinfo, role: "jump", extraCommandLine: extra)
    }

    @Test func segmentsCoverTheRegionExactlyInOrder() throws {
        let plan = try Self.planner().plan()
        #expect(plan.segments.count <= KexecJumpPlanner.maxSegments)
        let ranges = plan.segments.map(\.range)
        #expect(ranges == ranges.sorted { $0.start < $1.start })
        for (a, b) in zip(ranges, ranges.dropFirst()) { #expect(!a.overlaps(b)) }
        for segment in plan.segments {
            #expect(segment.destination % 4096 == 0 && segment.memorySize % 4096 == 0, "\(segment.purpose)")
            #expect(UInt64(segment.bytes.count) <= segment.memorySize, "\(segment.purpose)")
        }
        // Merge adjacent segments: the union is R, no more, no less.
        var merged: [PhysicalRange] = []
        for range in ranges {
            if let last = merged.last, last.end == range.start { merged[merged.count - 1].end = range.end } else { merged.append(range) }
        }
        #expect(merged == HibernationRegion(mainBlockBytes: 192 << 20).ranges)
    }

    @Test func purgatoryIsTheEntryAndPointsAtBootParamsKernelAndDigits() throws {
        let plan = try Self.planner().plan()
        let purgatory = try #require(plan.segments.first { $0.purpose == "purgatory" })
        let kernel = try #require(plan.segments.first { $0.purpose == "hibernation kernel" })
        let commandLine = try #require(plan.segments.first { $0.purpose == "command line" })
        let bootParams = try #require(plan.segments.first { $0.purpose == "boot parameters" })
        #expect(plan.entry == purgatory.destination)
        #expect(plan.entry == 0x100000)
        let bytes = purgatory.bytes
        func word(_ index: Int) -> UInt64 {
            (0..<8).reduce(0) { $0 | UInt64(bytes[40 + 8 * index + $1]) << (8 * $1) }
        }
        #expect(word(0) == bootParams.destination)
        #expect(word(1) == kernel.destination + 0x200)
        #expect(kernel.destination == 0x1000000)
        #expect(kernel.destination % 0x200000 == 0)
        let digits = Int(word(2) - commandLine.destination)
        #expect(Array(commandLine.bytes[digits - 16..<digits]) == Array("kjump.reentry=0x".utf8))
        #expect(Array(commandLine.bytes[digits..<digits + 16]) == Array(repeating: UInt8(ascii: "0"), count: 16))
        #expect(commandLine.bytes.last == 0)
    }

    @Test func commandLineNamesEverythingTheHibernationKernelNeeds() throws {
        let plan = try Self.planner().plan()
        let line = KernelCommandLine(parsing: plan.commandLine)
        #expect(line.contains("nokaslr") && !line.contains("maxcpus="))
        #expect(line.value(of: "elfcorehdr") == "4096@0x103000")
        #expect(line.value(of: "kjump.role") == "jump")
        #expect(line.value(of: "kjump.region") == "0x1000-0x9f000,0x100000-0xc100000")
        #expect(line.value(of: "kjump.vmcoreinfo") == "0x264000,0x1024")
        #expect(line.value(of: "console") == "ttyS0")
    }

    @Test func hibernationMemoryMapIsRegionOnlyWithTheHeaderReserved() throws {
        let plan = try Self.planner().plan()
        let usable = plan.hibernationMemoryMap.filter { $0.type == .usable }.map(\.range)
        #expect(usable == PhysicalRange.subtracting([plan.elfCoreHeader], from: HibernationRegion(mainBlockBytes: 192 << 20).ranges))
        #expect(plan.hibernationMemoryMap.contains(E820Entry(range: plan.elfCoreHeader, type: .reserved)))
        // Firmware ranges stay; the system kernel's RAM outside R is not in the map at all.
        for firmware in Self.firmware where firmware.type != .usable {
            #expect(plan.hibernationMemoryMap.contains(firmware))
        }
        #expect(!plan.hibernationMemoryMap.contains { $0.range.overlaps(PhysicalRange(start: 0xc100000, end: 0x3ffe0000)) })
        #expect(plan.hibernationMemoryMap.count < E820.maxZeroPageEntries)
    }

    @Test func elfHeaderDescribesSystemMemoryOutsideTheRegionAndItsOwnNote() throws {
        let plan = try Self.planner().plan()
        let header = try #require(plan.segments.first { $0.purpose == "ELF core header" })
        #expect(header.range == plan.elfCoreHeader)
        let core = try ElfCoreFile(parsing: ArrayByteSource(Array(header.bytes)), offsets: .physicalAddress)
        let loads = core.loads.map { PhysicalRange(start: $0.physicalAddress, end: $0.physicalAddress + $0.memorySize) }
        #expect(loads == [PhysicalRange(start: 0x9f000, end: 0x9fc00), PhysicalRange(start: 0xc100000, end: 0x3ffe0000)])
        #expect(plan.systemMemoryOutsideRegion == loads)
        // VMCOREINFO lies inside R here, so the only note is kjump's own, inside the header pages.
        let notes = core.programHeaders.filter { $0.type == ElfProgramHeader.note }
        #expect(notes.count == 1)
        #expect(plan.elfCoreHeader.contains(notes[0].offset))
    }

    @Test func vmcoreinfoOutsideTheRegionGetsItsOwnNote() throws {
        let plan = try Self.planner(vmcoreinfo: PhysicalRange(start: 0x3f000000, end: 0x3f001024)).plan()
        let header = try #require(plan.segments.first { $0.purpose == "ELF core header" })
        let notes = try ElfCoreFile(parsing: ArrayByteSource(Array(header.bytes)), offsets: .physicalAddress).programHeaders.filter { $0.type == ElfProgramHeader.note }
        #expect(notes.map(\.offset).contains(0x3f000000))
        #expect(notes.count == 2)
    }

    @Test func regionTooSmallForTheKernelSaysHowMuchIsNeeded() throws {
        let error = #expect(throws: KexecJumpPlanError.self) {
            try Self.planner(region: HibernationRegion(mainBlockBytes: 20 << 20)).plan()
        }
        guard case .kernelDoesNotFit(let needsEnd, let regionEnd)? = error else {
            Issue.record("expected kernelDoesNotFit, got \(String(describing: error))")
            return
        }
        #expect(regionEnd == 21 << 20)
        #expect(needsEnd > regionEnd)
        #expect(error?.description.contains("raise --region-mib to at least") == true)
    }

    @Test func regionMustBeSystemRAMAndClearOfFirmware() throws {
        #expect(throws: KexecJumpPlanError.regionNotSystemRAM(PhysicalRange(start: 0x100000, end: 0x100000 + (2048 << 20)))) {
            try Self.planner(region: HibernationRegion(mainBlockBytes: 2048 << 20)).plan()
        }
        var firmware = Self.firmware
        firmware.append(E820Entry(address: 0x2000000, size: 0x1000, type: .acpiNVS))
        #expect(throws: KexecJumpPlanError.self) { try Self.planner(firmware: firmware).plan() }
    }

    @Test func tooManySegmentsIsRefused() throws {
        // Fourteen separate low ranges plus the main block's own segments exceed KEXEC_SEGMENT_MAX.
        let low = (0..<14).map { PhysicalRange(start: 0x1000 + UInt64($0) * 0x2000, end: 0x2000 + UInt64($0) * 0x2000) }
        let region = HibernationRegion(ranges: low + [PhysicalRange(start: 0x100000, end: 0xc100000)])
        #expect(throws: KexecJumpPlanError.tooManySegments(21)) { try Self.planner(region: region).plan() }
        // Nine low ranges still fit: 9 + the main block's 7 = 16.
        let fewer = HibernationRegion(ranges: Array(low.prefix(9)) + [PhysicalRange(start: 0x100000, end: 0xc100000)])
        #expect(try Self.planner(region: fewer).plan().segments.count == 16)
    }

    @Test func tooManyFirmwareRangesIsRefused() throws {
        let many = Self.firmware + (0..<130).map { E820Entry(address: 0x40000000 + UInt64($0) * 0x2000, size: 0x1000, type: .reserved) }
        #expect(throws: KexecJumpPlanError.self) { try Self.planner(firmware: many).plan() }
    }

    @Test func overlongCommandLineIsRefused() throws {
        let long = [String](repeating: "x=" + String(repeating: "y", count: 100), count: 30)
        let error = #expect(throws: KexecJumpPlanError.self) { try Self.planner(extra: long).plan() }
        #expect(error?.description.contains("accepts at most 2047") == true)
    }
}
