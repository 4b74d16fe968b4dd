import Testing
@testable import KJumpCore

/// A normal ELF core file as `/proc/vmcore` presents one: notes first, then
/// the loads, each `p_offset` a file offset.
func makeCoreFile(noteSegments: [[UInt8]], loads: [(physicalAddress: UInt64, bytes: [UInt8], memorySize: UInt64)]) -> [UInt8] {
    let count = noteSegments.count + loads.count
    var offset = UInt64(ElfFileHeader.size + count * ElfProgramHeader.size)
    var headers: [ElfProgramHeader] = []
    var data: [UInt8] = []
    for segment in noteSegments {
        headers.append(ElfProgramHeader(type: ElfProgramHeader.note, offset: offset, physicalAddress: 0,
                                        fileSize: UInt64(segment.count), memorySize: UInt64(segment.count)))
        data += segment
        offset += UInt64(segment.count)
    }
    for load in loads {
        headers.append(ElfProgramHeader(type: ElfProgramHeader.load, flags: 7, offset: offset,
                                        virtualAddress: 0xffff_8880_0000_0000 + load.physicalAddress,
                                        physicalAddress: load.physicalAddress,
                                        fileSize: UInt64(load.bytes.count), memorySize: load.memorySize))
        data += load.bytes
        offset += UInt64(load.bytes.count)
    }
    return ElfCoreWriter.encode(programHeaders: headers) + data
}

/// `count` bytes counting up from `first`.
func ramp(_ count: Int, from first: UInt8 = 0) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: Int(first) + $0) }
}

/// Parses `bytes` and returns the error's sentence, or nil if it parsed.
func parseError(_ bytes: [UInt8], offsets: ElfCoreFile.OffsetMeaning = .fileOffset) -> String? {
    do {
        _ = try ElfCoreFile(parsing: ArrayByteSource(bytes), offsets: offsets)
        return nil
    } catch {
        return error.description
    }
}

@Suite struct ElfCoreTests {
    let vmcoreinfoText = Array("OSRELEASE=6.12.117\nPAGESIZE=4096\n".utf8)

    @Test func vmcoreHeaderRoundTrips() throws {
        let loads = [PhysicalRange(start: 0x100000, end: 0xc100000), PhysicalRange(start: 0x10000000, end: 0x3ffe0000)]
        let notes: [(physicalAddress: UInt64, size: UInt64)] = [(0x3f82a000, 0x160), (0x3b84000, 0x1024)]
        let bytes = ElfCoreWriter.vmcoreHeader(loads: loads, notes: notes)
        #expect(bytes.count == 64 + 4 * 56)

        let core = try ElfCoreFile(parsing: ArrayByteSource(bytes), offsets: .physicalAddress)
        #expect(core.header == ElfFileHeader(programHeaderOffset: 64, programHeaderCount: 4))
        #expect(core.notes.isEmpty)
        #expect(core.programHeaders.map(\.type) == [4, 4, 1, 1])
        for (header, note) in zip(core.programHeaders, notes) {
            #expect(header.offset == note.physicalAddress && header.physicalAddress == note.physicalAddress)
            #expect(header.fileSize == note.size && header.memorySize == note.size)
        }
        #expect(core.loads.map { PhysicalRange(start: $0.physicalAddress, end: $0.physicalAddress + $0.memorySize) } == loads)
        for load in core.loads {
            #expect(load.offset == load.physicalAddress)
            #expect(load.fileSize == load.memorySize)
            #expect(load.flags == ElfProgramHeader.readWriteExecute)
            #expect(load.virtualAddress == 0 && load.align == 0)
        }
    }

    @Test func vmcoreHeaderFieldsMatchWhatTheCaptureKernelChecks() {
        // fs/proc/vmcore.c parse_crash_elf64_headers: EI_VERSION, e_version,
        // e_ehsize, e_phentsize, e_phnum != 0.
        let bytes = ElfCoreWriter.vmcoreHeader(loads: [PhysicalRange(start: 0x100000, end: 0x200000)], notes: [])
        #expect(Array(bytes[0..<8]) == [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0])
        #expect(LittleEndianBytes.load(UInt16.self, from: bytes, at: 16) == 4)   // ET_CORE
        #expect(LittleEndianBytes.load(UInt16.self, from: bytes, at: 18) == 62)  // EM_X86_64
        #expect(LittleEndianBytes.load(UInt32.self, from: bytes, at: 20) == 1)   // EV_CURRENT
        #expect(LittleEndianBytes.load(UInt16.self, from: bytes, at: 52) == 64)
        #expect(LittleEndianBytes.load(UInt16.self, from: bytes, at: 54) == 56)
        #expect(LittleEndianBytes.load(UInt16.self, from: bytes, at: 56) == 1)
    }

    @Test func vmcoreHeaderReadAsANormalFileFailsWithTheSegmentOffset() {
        let bytes = ElfCoreWriter.vmcoreHeader(loads: [PhysicalRange(start: 0x100000, end: 0x200000)],
                                               notes: [(0x3b84000, 0x1024)])
        #expect(parseError(bytes) ==
            "program header 0 at byte 64 says its data ends at 0x3b85024, past the end of the file (0xb0)")
    }

    @Test func notesOfAHeaderAreParsedFromPhysicalMemory() throws {
        var memory = FakePhysicalMemory()
        memory.addPages(from: 0x3b84000, to: 0x3b86000)
        let prstatus = encodedNote(name: "CORE", type: ElfNote.typePRStatus, descriptor: ramp(336))
        let info = encodedNote(name: "VMCOREINFO", type: 0, descriptor: vmcoreinfoText)
        // As crash_save_vmcoreinfo lays it out: the note, then final_note's zero header.
        memory.store(prstatus + info + [UInt8](repeating: 0, count: 12), at: 0x3b84000)

        let header = ElfCoreWriter.vmcoreHeader(loads: [], notes: [(0x3b84000, 0x1024)])
        let core = try ElfCoreFile(parsing: ArrayByteSource(header), offsets: .physicalAddress)
        let segment = try #require(core.programHeaders.first)
        let bytes = try memory.read(physicalAddress: segment.offset, count: Int(segment.fileSize))
        let notes = try ElfNote.parseSegment(bytes, at: segment.offset, inPhysicalMemory: true)
        #expect(notes.map(\.name) == ["CORE", "VMCOREINFO"])
        #expect(notes[0].type == 1 && notes[0].descriptor == ramp(336) && notes[0].offset == 0x3b84000)
        #expect(notes[1].descriptor == vmcoreinfoText)
        #expect(notes[1].offset == 0x3b84000 + UInt64(prstatus.count))
    }

    @Test func normalCoreFileGivesNotesAndMemory() throws {
        let cpu0 = encodedNote(name: "CORE", type: 1, descriptor: ramp(336))
        let cpu1 = encodedNote(name: "CORE", type: 1, descriptor: ramp(336, from: 7))
        let info = encodedNote(name: "VMCOREINFO", type: 0, descriptor: vmcoreinfoText)
        let file = makeCoreFile(
            noteSegments: [cpu0 + cpu1, [], info],
            loads: [(0x1000, ramp(0x2000, from: 1), 0x2000),
                    (0x3000, ramp(0x1000, from: 2), 0x1000),
                    (0x100000, ramp(0x800, from: 3), 0x1000)])
        let source = ArrayByteSource(file)
        let core = try ElfCoreFile(parsing: source)
        #expect(core.notes.map(\.name) == ["CORE", "CORE", "VMCOREINFO"])
        #expect(core.notes[1].descriptor == ramp(336, from: 7))
        #expect(core.note(named: "VMCOREINFO")?.descriptor == vmcoreinfoText)

        let memory = ElfCoreMemory(core: core, source: source)
        #expect(memory.ranges == [PhysicalRange(start: 0x1000, end: 0x4000), PhysicalRange(start: 0x100000, end: 0x101000)])
        #expect(try memory.read(physicalAddress: 0x1010, count: 4) == Array(ramp(0x2000, from: 1)[0x10..<0x14]))
        // Across the boundary between the first and the second load.
        #expect(try memory.read(physicalAddress: 0x2ffe, count: 4) ==
            Array(ramp(0x2000, from: 1)[0x1ffe...]) + Array(ramp(0x1000, from: 2)[0..<2]))
        // Past p_filesz the memory reads as zero.
        #expect(try memory.read(physicalAddress: 0x1007fe, count: 4) == [0x01, 0x02, 0, 0])
        #expect(try memory.readUInt64LE(at: 0x1000) == 0x0807060504030201)
        #expect(try memory.read(physicalAddress: 0x5000, count: 0) == [])
    }

    @Test func addressesOutsideEveryLoadAreNotPresent() throws {
        let file = makeCoreFile(noteSegments: [], loads: [(0x1000, ramp(0x1000), 0x1000), (0x3000, ramp(0x1000), 0x1000)])
        let memory = try ElfCoreMemory(source: ArrayByteSource(file))
        #expect(throws: PhysicalMemoryError.notPresent(0x2000)) { try memory.read(physicalAddress: 0x1ff0, count: 0x20) }
        #expect(throws: PhysicalMemoryError.notPresent(0x0)) { try memory.read(physicalAddress: 0, count: 1) }
        #expect(throws: PhysicalMemoryError.notPresent(0x4000)) { try memory.read(physicalAddress: 0x4000, count: 1) }
        #expect(PhysicalMemoryError.notPresent(0x2000).description ==
            "physical address 0x2000 is not present in the system kernel's memory image")
    }

    @Test func overlappingLoadsServeEachByteOnce() throws {
        // kexec-tools adds a kernel-text PT_LOAD that repeats RAM another load covers.
        let ram = ramp(0x4000, from: 9)
        let file = makeCoreFile(noteSegments: [], loads: [(0x2000, Array(ram[0x1000..<0x2000]), 0x1000),
                                                          (0x1000, ram, 0x4000)])
        let memory = try ElfCoreMemory(source: ArrayByteSource(file))
        #expect(memory.ranges == [PhysicalRange(start: 0x1000, end: 0x5000)])
        #expect(try memory.read(physicalAddress: 0x1000, count: 0x4000) == ram)
    }

    @Test func emptyNoteSegmentAndTrailingZeroPaddingAreAccepted() throws {
        let info = encodedNote(name: "VMCOREINFO", type: 0, descriptor: vmcoreinfoText)
        let file = makeCoreFile(noteSegments: [[], info + [0, 0, 0, 0]], loads: [])
        let core = try ElfCoreFile(parsing: ArrayByteSource(file))
        #expect(core.notes.count == 1)
        #expect(core.notes[0].offset == 64 + 2 * 56)
    }

    @Test func extendedProgramHeaderNumbering() throws {
        // e_phnum = PN_XNUM: the count lives in section header 0's sh_info.
        var file = makeCoreFile(noteSegments: [], loads: [(0x1000, ramp(16), 16)])
        let sectionHeaderOffset = UInt64(file.count)
        var section = [UInt8](repeating: 0, count: 64)
        section[44] = 1
        file += section
        file.poke(sectionHeaderOffset, at: 40)
        file.poke(UInt16(0xffff), at: 56)
        let core = try ElfCoreFile(parsing: ArrayByteSource(file))
        #expect(core.header.programHeaderCount == 1)
        #expect(core.loads.count == 1)
    }

    // MARK: malformed files

    var goodFile: [UInt8] {
        makeCoreFile(noteSegments: [encodedNote(name: "VMCOREINFO", type: 0, descriptor: vmcoreinfoText)],
                     loads: [(0x1000, ramp(0x100), 0x100)])
    }

    func patched(_ patch: (inout [UInt8]) -> Void) -> [UInt8] {
        var bytes = goodFile
        patch(&bytes)
        return bytes
    }

    @Test func truncatedHeader() {
        #expect(parseError(Array(goodFile[0..<30])) ==
            "the ELF header at byte 0 needs 64 bytes, but the file is only 30 bytes long")
    }

    @Test func badMagic() {
        #expect(parseError(patched { $0[1] = 0x45 + 1 }) == "byte 0 starts with 0x7f 0x46 0x4c 0x46, not the ELF magic 0x7f 'E' 'L' 'F'")
    }

    @Test func wrongClass() {
        #expect(parseError(patched { $0[4] = 1 }) == "byte 4 (EI_CLASS) is 1, but kjump reads only 64-bit ELF (class 2)")
    }

    @Test func wrongByteOrder() {
        #expect(parseError(patched { $0[5] = 2 }) == "byte 5 (EI_DATA) is 2, but kjump reads only little-endian ELF (1)")
    }

    @Test func notACore() {
        #expect(parseError(patched { $0[16] = 2 }) == "e_type at byte 16 is 2, not 4 (ET_CORE): this is not a core file")
    }

    @Test func wrongMachine() {
        #expect(parseError(patched { $0.poke(UInt16(183), at: 18) }) ==
            "e_machine at byte 18 is 183, but kjump reads only x86-64 cores (62)")
    }

    @Test func wrongProgramHeaderSize() {
        #expect(parseError(patched { $0[54] = 32 }) == "e_phentsize at byte 54 is 32, but an ELF64 program header is 56 bytes")
    }

    @Test func programHeadersBeyondTheFile() {
        #expect(parseError(patched { $0.poke(UInt64(0x10000), at: 32) }) ==
            "the 2 program headers at byte 65536 run past the end of the file (0x1ec)")
        #expect(parseError(patched { $0.poke(UInt16(40), at: 56) }) ==
            "the 40 program headers at byte 64 run past the end of the file (0x1ec)")
    }

    @Test func segmentDataBeyondTheFile() {
        // Program header 1 (the load) at byte 64 + 56 = 120.
        #expect(parseError(patched { $0.poke(UInt64(0x1000), at: 120 + 32); $0.poke(UInt64(0x1000), at: 120 + 40) }) ==
            "program header 1 at byte 120 says its data ends at 0x10ec, past the end of the file (0x1ec)")
        #expect(parseError(patched { $0.poke(UInt64.max - 8, at: 120 + 8) }) ==
            "program header 1 at byte 120 says its data ends beyond 2^64, past the end of the file (0x1ec)")
    }

    @Test func fileSizeLargerThanMemorySize() {
        #expect(parseError(patched { $0.poke(UInt64(0x80), at: 120 + 40) }) ==
            "program header 1 at byte 120 has 0x100 file bytes but only 0x80 memory bytes")
    }

    @Test func noteWithBadSizes() {
        // The note header is at byte 176 (after two program headers); n_descsz at +4.
        #expect(parseError(patched { $0.poke(UInt32(4096), at: 176 + 4) }) ==
            "the note at byte 176 says its name (11 bytes) and descriptor (4096 bytes) end at byte 4296, past the end of its segment at byte 236")
        #expect(parseError(patched { $0.poke(UInt32(0xffff_ffff), at: 176) }) != nil)
    }

    @Test func noteSegmentWithTrailingGarbage() {
        let info = encodedNote(name: "VMCOREINFO", type: 0, descriptor: vmcoreinfoText)
        let file = makeCoreFile(noteSegments: [info + [1, 2, 3, 4]], loads: [])
        #expect(parseError(file) ==
            "the note at byte \(120 + info.count) has only 4 bytes left in its segment, too few for a 12-byte note header")
    }

    @Test func noteErrorsInMemoryNameThePhysicalAddress() {
        #expect(throws: ElfCoreError.badNote(location: "physical address 0x3b84000",
                                             reason: "says its name (5 bytes) and descriptor (100 bytes) end at physical address 0x3b84078, past the end of its segment at physical address 0x3b84028")) {
            var bytes = encodedNote(name: "CORE", type: 1, descriptor: ramp(20))
            bytes.poke(UInt32(100), at: 4)
            _ = try ElfNote.parseSegment(bytes, at: 0x3b84000, inPhysicalMemory: true)
        }
    }

    @Test func shortReadsFromTheSourceAreErrors() {
        struct ShortSource: ByteSource {
            var size: UInt64 { 4096 }
            func read(at offset: UInt64, count: Int) throws -> [UInt8] { [] }
        }
        #expect(parseError([]) == "the ELF header at byte 0 needs 64 bytes, but the file is only 0 bytes long")
        #expect(throws: ElfCoreError.readFailed(offset: 0, count: 64, reason: "the source returned only 0 bytes")) {
            _ = try ElfCoreFile(parsing: ShortSource())
        }
    }
}
