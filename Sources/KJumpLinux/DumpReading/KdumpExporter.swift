import KJumpCore

extension FileImageSink: KdumpSink {}

/// `kjump export --kdump`: a kjump image to a kdump-compressed file that
/// crash(8) and makedumpfile read. Pages the image left out are absent from
/// the second bitmap; zero pages share one stored zero page; pages beyond
/// the kernel's last memory section (no `struct page`: a QEMU dump's VGA
/// memory) are left out as makedumpfile leaves them out; every frame's
/// checksum is checked on the way. A hibernation image is written as the
/// system kernel saw its memory (`ImageSystemMemory`: R from the kexec
/// backup pages). See `docs/kdump-export.md`.
public struct KdumpExporter {
    public var image: String
    public var output: String
    public var compression: KdumpCompression
    public var workers: Int
    /// Opens a sealed image.
    public var unwrapper: (any ImageKeyUnwrapper)?

    public init(image: String, output: String, compression: KdumpCompression = .zlib,
                workers: Int = ImageWriter.Options.defaultWorkers) {
        self.image = image
        self.output = output
        self.compression = compression
        self.workers = workers
    }

    /// What was written.
    public struct Result: Sendable {
        public var summary: KdumpCompressedWriter.Summary
        public var header: KdumpCompressedHeader
        /// Pages of the image left out because they lie beyond the kernel's memory (no `struct page`).
        public var pagesBeyondMemoryEnd: UInt64
        public var seconds: Double
    }

    /// The bytes of memory the export describes (data and zero pages), for a progress meter's total.
    public static func memoryBytes(ofImage path: String, unwrapper: (any ImageKeyUnwrapper)? = nil) throws -> UInt64 {
        let reader = try ImageReader(source: try ImageFile.source(path: path), options: .init(workers: 0), unwrapper: unwrapper)
        let pageSize = UInt64(reader.header.pageSize)
        return try ImageSystemMemory(reader: reader).extents.reduce(0) { $0 + $1.pageCount * pageSize }
    }

    public func run(progress: ProgressMeter? = nil) throws -> Result {
        let start = Clocks.now()
        let reader = try ImageReader(source: try ImageFile.source(path: image), options: .init(workers: workers), unwrapper: unwrapper)
        let memory = try ImageSystemMemory(reader: reader)
        // Cut where makedumpfile cuts (the last memory section with struct pages), so that it can refilter the file.
        let pageSize = UInt64(reader.header.pageSize)
        let memoryEnd = reader.header.note(ImageNote.vmcoreinfoKey).flatMap { text in
            KdumpMemoryEnd.pageFrameEnd(of: memory.extents.map { $0.address / pageSize..<$0.address / pageSize + $0.pageCount },
                                        vmcoreInfo: VmcoreInfo(text: text), memory: memory)
        }
        let layout = try KdumpCompressedLayout(image: reader.header, extents: memory.extents, compression: compression,
                                               memoryEnd: memoryEnd, isPartial: reader.summary.isPartial)
        let sink = try FileImageSink(path: output)
        let writer = try KdumpCompressedWriter(layout: layout, sink: sink, codec: KdumpPageCodec(compression),
                                               options: .init(workers: workers))
        var done: UInt64 = 0
        try memory.forEachRun { run in
            let kept = layout.pagesKept(address: run.address, pageCount: run.pageCount)
            if kept > 0, let bytes = run.bytes {
                try writer.append(address: run.address, pages: bytes.prefix(Int(kept * pageSize)))
            } else if kept > 0 {
                try writer.appendZero(address: run.address, pageCount: kept)
            }
            done += run.pageCount * pageSize
            progress?.update(done)
        }
        let summary = try writer.finish()
        try sink.truncateRegularFile(to: summary.fileSize)
        try sink.synchronize()
        progress?.finish()
        let seconds = Double(Clocks.now().monotonic - start.monotonic) / 1e9
        return Result(summary: summary, header: layout.header, pagesBeyondMemoryEnd: layout.pagesBeyondMemoryEnd, seconds: seconds)
    }
}
