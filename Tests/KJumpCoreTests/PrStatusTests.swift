import Testing
@testable import KJumpCore

@Suite struct PrStatusTests {
    @Test func pidAndRegistersAtTheirOffsets() throws {
        var descriptor = [UInt8](repeating: 0, count: PrStatus.size)
        descriptor.storeLittleEndian(UInt32(97), at: 32)
        descriptor.storeLittleEndian(UInt64(0xffff_ffff_8150_1234), at: 112 + 16 * 8)
        descriptor.storeLittleEndian(UInt64(0xffff_c900_0040_7e58), at: 112 + 19 * 8)
        let status = try #require(PrStatus(descriptor: descriptor))
        #expect(status.pid == 97)
        #expect(status.instructionPointer == 0xffff_ffff_8150_1234)
        #expect(status.stackPointer == 0xffff_c900_0040_7e58)
    }

    @Test func shortDescriptorIsNotAPrStatus() {
        #expect(PrStatus(descriptor: [UInt8](repeating: 0, count: 100)) == nil)
    }

    @Test func elfNotesRoundTripThroughTheImageNote() throws {
        let notes = [ElfNote(name: "CORE", type: 1, descriptor: [UInt8](repeating: 7, count: PrStatus.size), offset: 0),
                     ElfNote(name: "CORE", type: 1, descriptor: [UInt8](repeating: 9, count: PrStatus.size), offset: 0)]
        let note = try #require(ImageNote.elfNotes(notes))
        var header = ImageTesting.header(kind: .crash)
        header.notes.append(note)
        let parsed = try ElfNote.parseSegment(header.elfNoteBytes, at: 0)
        #expect(parsed.map(\.descriptor) == notes.map(\.descriptor))
        #expect(parsed.map(\.name) == ["CORE", "CORE"])
        #expect(ImageNote.elfNotes([]) == nil)
    }
}
