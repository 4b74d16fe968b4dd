import Foundation
import Testing
@testable import KJumpCore

/// The seeds of the ELF core fuzz target (`Fuzz/Corpus/FuzzElfCore`,
/// docs/FUZZING.md), written with the project's own ELF writer:
/// `KJUMP_WRITE_FUZZ_SEEDS=$PWD/Fuzz/Corpus/FuzzElfCore swift test --filter writeElfCoreSeeds`.
@Suite struct FuzzSeedTests {
    /// A core file as `/proc/vmcore` presents one (two CPUs' PRSTATUS, kjump's
    /// note, VMCOREINFO and its closing zero header; three loads, one with a
    /// zero tail past its file bytes, one repeating memory another covers),
    /// the kexec ELF core header a loader would pass for it, and its notes alone.
    static func elfCoreSeeds() throws -> [(name: String, bytes: [UInt8])] {
        func prstatus(pid: UInt32, rip: UInt64, rsp: UInt64) -> [UInt8] {
            var descriptor = [UInt8](repeating: 0, count: PrStatus.size)
            func put<T: FixedWidthInteger>(_ value: T, at offset: Int) {
                var bytes: [UInt8] = []
                LittleEndianBytes.append(value, to: &bytes)
                descriptor.replaceSubrange(offset..<offset + bytes.count, with: bytes)
            }
            put(pid, at: PrStatus.pidOffset)
            put(rip, at: PrStatus.registersOffset + 8 * PrStatus.ripIndex)
            put(rsp, at: PrStatus.registersOffset + 8 * PrStatus.rspIndex)
            return encodedNote(name: "CORE", type: PrStatus.noteType, descriptor: descriptor)
        }
        var kjump = KJumpNote(fields: ["reentry": "0x3fe5f000"])
        kjump.firmwareMemoryMap = [E820Entry(address: 0, size: 0x9fc00, type: .usable),
                                   E820Entry(address: 0x100000, size: 0x3fee0000, type: .usable)]
        let vmcoreinfo = Array(try fixtureText("vmcoreinfo-6.12-sample.txt").utf8)
        let notes = prstatus(pid: 1, rip: 0xffff_ffff_8100_1234, rsp: 0xffff_c900_0001_3e58)
            + prstatus(pid: 0, rip: 0xffff_ffff_8100_2000, rsp: 0xffff_c900_0008_3ea0)
            + encodedNote(name: KJumpNote.name, type: KJumpNote.type, descriptor: kjump.descriptor)
            + encodedNote(name: VmcoreInfo.noteName, type: 0, descriptor: vmcoreinfo)
            + [UInt8](repeating: 0, count: ElfNote.headerSize)
        let coreFile = makeCoreFile(noteSegments: [notes],
                                    loads: [(0x1000, ramp(0x1000, from: 1), 0x1000),
                                            (0x10_0000, ramp(0x800, from: 2), 0x2000),
                                            (0x10_0800, ramp(0x400, from: 3), 0x400)])
        let header = ElfCoreWriter.vmcoreHeader(loads: [PhysicalRange(start: 0x1000, end: 0x9f000),
                                                        PhysicalRange(start: 0x10_0000, end: 0x4000_0000)],
                                                notes: [(0x3b8_4000, UInt64(notes.count))])
        return [("core-file", coreFile), ("elfcorehdr", header), ("note-segment", notes)]
    }

    @Test func elfCoreSeedsReadAsKjumpReadsThem() throws {
        let seeds = try Self.elfCoreSeeds()
        let source = ArrayByteSource(seeds[0].bytes)
        let core = try ElfCoreFile(parsing: source)
        #expect(core.notes.map(\.name) == ["CORE", "CORE", "KJUMP", "VMCOREINFO"])
        #expect(VmcoreInfo(notes: core.notes)?.osRelease == "6.12.117")
        #expect(core.notes.filter { $0.name == "CORE" }.compactMap { PrStatus(descriptor: $0.descriptor)?.pid } == [1, 0])
        #expect(KJumpNote(descriptor: core.notes[2].descriptor).firmwareMemoryMap?.count == 2)
        let memory = ElfCoreMemory(core: core, source: source)
        #expect(memory.ranges == [PhysicalRange(start: 0x1000, end: 0x2000), PhysicalRange(start: 0x10_0000, end: 0x10_2000)])
        #expect(try memory.read(physicalAddress: 0x10_07ff, count: 2) == [UInt8(truncatingIfNeeded: 2 + 0x7ff), 0])

        let header = try ElfCoreFile(parsing: ArrayByteSource(seeds[1].bytes), offsets: .physicalAddress)
        #expect(header.programHeaders.map(\.type) == [ElfProgramHeader.note, ElfProgramHeader.load, ElfProgramHeader.load])
        #expect(try ElfNote.parseSegment(seeds[2].bytes, at: 0) == core.notes.map {
            ElfNote(name: $0.name, type: $0.type, descriptor: $0.descriptor, offset: $0.offset - core.notes[0].offset)
        })
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["KJUMP_WRITE_FUZZ_SEEDS"] != nil))
    func writeElfCoreSeeds() throws {
        let directory = URL(fileURLWithPath: ProcessInfo.processInfo.environment["KJUMP_WRITE_FUZZ_SEEDS"]!)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for seed in try Self.elfCoreSeeds() {
            try Data(seed.bytes).write(to: directory.appendingPathComponent(seed.name))
        }
    }

    /// The image fuzz target's sealed seed (format 2.0): the fixture runs,
    /// sealed with a fresh key. The target reads it without its key, as
    /// `kjump inspect` does: header, sealing record, state, trailer, index.
    /// `KJUMP_WRITE_SEALED_FUZZ_SEED=$PWD/Fuzz/Corpus/FuzzImage swift test --filter writeSealedImageSeed`.
    static func sealedImageSeed() throws -> [UInt8] {
        let sink = ArrayImageSink()
        let writer = try ImageWriter(header: ImageTesting.header(frameInputBytes: 4 * 4096), sink: sink,
                                     options: .init(workers: 0), sealing: try SealingKeyGeneration.generate(passphrase: nil).0)
        for run in ImageTesting.fixtureRuns() {
            if let bytes = run.bytes { try writer.append(address: run.address, pages: bytes) } else {
                try writer.appendZero(address: run.address, pageCount: UInt64(run.pageCount))
            }
        }
        try writer.finish(committedAt: ImageTesting.committedAt)
        return sink.bytes
    }

    @Test func theSealedSeedIsReadWithoutItsKeyUpToItsFrames() throws {
        let reader = try ImageReader(source: ArrayByteSource(try Self.sealedImageSeed()))
        #expect(reader.header.isSealed && reader.frames.count > 1)
        #expect(throws: SealingError.keyNeeded) { try reader.verify() }
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["KJUMP_WRITE_SEALED_FUZZ_SEED"] != nil))
    func writeSealedImageSeed() throws {
        let directory = URL(fileURLWithPath: ProcessInfo.processInfo.environment["KJUMP_WRITE_SEALED_FUZZ_SEED"]!)
        try Data(try Self.sealedImageSeed()).write(to: directory.appendingPathComponent("image-v2.0-sealed.kjimg"))
    }
}
