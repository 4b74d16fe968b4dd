// Fuzzes the ELF core reader: the input as a PT_NOTE segment
// (ElfNote.parseSegment, in a file and in physical memory), as a kexec ELF
// core header (`.physicalAddress`) and as a core file (`.fileOffset`); for a
// core file that parsed, the notes kjump reads (VMCOREINFO, PRSTATUS, KJUMP)
// and reads through ElfCoreMemory at both ends of every range it serves.
// Seeds: small core files written by ElfCoreWriter (FuzzSeedTests).
import KJumpCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzElfCore(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let source = ArrayByteSource(bytes)
    _ = try? ElfNote.parseSegment(bytes, at: 0x3b8_4000, inPhysicalMemory: true)
    if let notes = try? ElfNote.parseSegment(bytes, at: 0) { readNotes(notes) }
    _ = try? ElfCoreFile(parsing: source, offsets: .physicalAddress)
    guard let core = try? ElfCoreFile(parsing: source, offsets: .fileOffset) else { return 0 }
    readNotes(core.notes)
    let memory = ElfCoreMemory(core: core, source: source)
    for range in memory.ranges.prefix(16) {
        let count = Int(min(range.size, 64))
        for address in [range.start, range.end - UInt64(count)] {
            let read = try? memory.read(physicalAddress: address, count: count)
            if let read, read.count != count { fatalError("ElfCoreMemory returned \(read.count) bytes for \(count)") }
            _ = try? memory.withBytes(physicalAddress: address, count: count) { $0.count }
        }
    }
    return 0
}

/// What kjump takes from the notes of a dump.
private func readNotes(_ notes: [ElfNote]) {
    _ = VmcoreInfo(notes: notes)
    for note in notes.prefix(64) {
        switch (note.name, note.type) {
        case ("CORE", PrStatus.noteType): _ = PrStatus(descriptor: note.descriptor)
        case (KJumpNote.name, KJumpNote.type): _ = KJumpNote(descriptor: note.descriptor).firmwareMemoryMap
        default: break
        }
    }
}
