import Testing
@testable import KJumpCore

/// Helpers for the Kdump*Tests suites: a small reader of kdump-compressed
/// files (as crash(8) finds a page: count the set bits of the second bitmap
/// before it, read that descriptor) and an export of an in-memory image.
enum KdumpTesting {
    /// A kdump-compressed file in memory, parsed.
    struct File {
        var bytes: [UInt8]
        var header: KdumpCompressedHeader
        var ramBitmap: KdumpPageBitmap
        var dumpBitmap: KdumpPageBitmap
        var dumpedPFNs: [UInt64]

        init(_ bytes: [UInt8]) throws {
            self.bytes = bytes
            let blockSize = Int(bytes.imageLoad(Int32.self, at: 428))
            header = try KdumpCompressedHeader(parsing: Array(bytes[0..<blockSize]),
                                               subHeader: Array(bytes[blockSize..<blockSize + KdumpCompressedFormat.subHeaderSize]))
            let start = Int(header.bitmapOffset), half = Int(header.bitmapBytes)
            ramBitmap = KdumpPageBitmap(decoding: Array(bytes[start..<start + half]))
            dumpBitmap = KdumpPageBitmap(decoding: Array(bytes[start + half..<start + 2 * half]))
            dumpedPFNs = dumpBitmap.ranges.flatMap { Array($0) }
        }

        /// The descriptor of the `index`-th dumped page.
        func descriptor(_ index: Int) -> KdumpPageDescriptor {
            KdumpPageDescriptor(decoding: bytes, at: Int(header.descriptorsOffset) + index * KdumpCompressedFormat.pageDescriptorSize)
        }

        /// The note area's bytes.
        var notes: [UInt8] { Array(bytes[Int(header.notesOffset)..<Int(header.notesOffset + header.notesSize)]) }

        /// The VMCOREINFO text the sub-header points at.
        var vmcoreinfo: String {
            String(decoding: bytes[Int(header.vmcoreinfoOffset)..<Int(header.vmcoreinfoOffset + header.vmcoreinfoSize)], as: UTF8.self)
        }

        /// The contents of page frame `pfn`; nil when it is not dumped.
        func page(_ pfn: UInt64) throws -> [UInt8]? {
            guard dumpBitmap.contains(pfn) else { return nil }
            let index = dumpBitmap.ranges.prefix { $0.upperBound <= pfn }.reduce(0) { $0 + $1.count }
                + Int(pfn - (dumpBitmap.ranges.first { $0.contains(pfn) }!.lowerBound))
            let descriptor = self.descriptor(index)
            let stored = Array(bytes[Int(descriptor.offset)..<Int(descriptor.offset) + Int(descriptor.size)])
            if descriptor.flags.isEmpty {
                #expect(stored.count == header.blockSize, "a raw page must be stored whole")
                return stored
            }
            #expect(descriptor.flags == .zstd, "the tests decode zstd and raw pages only")
            var page = [UInt8](repeating: 0, count: header.blockSize)
            let failure = stored.withUnsafeBytes { input in
                page.withUnsafeMutableBytes { ImageFrameCodec().decompress(input, into: $0, codec: .zstd) }
            }
            if let failure { Issue.record("page \(pfn): \(failure)") }
            return page
        }
    }

    /// Exports an in-memory image (as `KdumpExporter` does a file) and returns the file and the writer's summary.
    static func export(_ image: [UInt8], codec: KdumpPageCodec = .zstd(), options: KdumpCompressedWriter.Options = .init(workers: 2),
                       memoryEnd: UInt64? = nil) throws -> (File, KdumpCompressedWriter.Summary, KdumpCompressedLayout) {
        let reader = try ImageTesting.open(image)
        let layout = try KdumpCompressedLayout(image: reader.header, extents: reader.extents,
                                               compression: codec.compression, memoryEnd: memoryEnd,
                                               isPartial: reader.summary.isPartial)
        let sink = ArrayImageSink()
        let writer = try KdumpCompressedWriter(layout: layout, sink: sink, codec: codec, options: options)
        try reader.forEachRun { run in
            let kept = layout.pagesKept(address: run.address, pageCount: run.pageCount)
            guard kept > 0 else { return }
            if let bytes = run.bytes {
                try writer.append(address: run.address, pages: bytes.prefix(Int(kept) * 4096))
            } else {
                try writer.appendZero(address: run.address, pageCount: kept)
            }
        }
        let summary = try writer.finish()
        #expect(UInt64(sink.bytes.count) == summary.fileSize)
        return (try File(sink.bytes), summary, layout)
    }

    static let vmcoreinfoText = "OSRELEASE=6.12.117-kjump\nPAGESIZE=4096\nSYMBOL(init_uts_ns)=ffffffff82a1b5e0\nNUMBER(phys_base)=0x1e00000\nCRASHTIME=1700000042\n"

    /// Two `NT_PRSTATUS` notes (two CPUs) and one other, as a crash image records them.
    static let elfNotes: [ElfNote] = [
        ElfNote(name: "CORE", type: ElfNote.typePRStatus, descriptor: [UInt8](repeating: 1, count: 336)),
        ElfNote(name: "CORE", type: ElfNote.typePRStatus, descriptor: [UInt8](repeating: 2, count: 336)),
        ElfNote(name: "QEMU", type: 0, descriptor: [UInt8](repeating: 3, count: 13)),
    ]

    /// A crash image header with VMCOREINFO, ELF notes, a dump level and more `notes`.
    static func crashHeader(notes: [ImageNote] = []) -> ImageHeader {
        ImageTesting.header(compression: .lz4, kind: .crash,
                            notes: [ImageNote(key: "dump-level", value: "31"),
                                    ImageNote(key: ImageNote.vmcoreinfoKey, value: vmcoreinfoText),
                                    ImageNote.elfNotes(elfNotes)!] + notes)
    }
}
