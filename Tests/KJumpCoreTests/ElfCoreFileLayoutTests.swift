import Testing
@testable import KJumpCore

@Suite struct ElfCoreFileLayoutTests {
    @Test func loadsArePageAlignedAfterHeadersAndNotes() throws {
        let loads = [PhysicalRange(start: 0x1000, end: 0x3000), PhysicalRange(start: 0x100000, end: 0x101000)]
        let note = ElfNoteEncoding.encode(name: "VMCOREINFO", type: 0, descriptor: Array("OSRELEASE=6.12.117\n".utf8))
        let layout = ElfCoreWriter.coreFileLayout(loads: loads, notes: note)
        #expect(layout.loadOffsets == [0x1000, 0x3000])
        #expect(layout.fileSize == 0x4000)
        // Fill the data with each page's address and parse the file back.
        var file = layout.prefix + [UInt8](repeating: 0, count: Int(layout.fileSize) - layout.prefix.count)
        file[0x1000] = 0xaa
        file[0x3000] = 0xbb
        let source = ArrayByteSource(file)
        let core = try ElfCoreFile(parsing: source)
        #expect(core.loads.map(\.physicalAddress) == [0x1000, 0x100000])
        #expect(VmcoreInfo(notes: core.notes)?.osRelease == "6.12.117")
        let memory = ElfCoreMemory(core: core, source: source)
        #expect(try memory.read(physicalAddress: 0x1000, count: 1) == [0xaa])
        #expect(try memory.read(physicalAddress: 0x100000, count: 1) == [0xbb])
    }
}
