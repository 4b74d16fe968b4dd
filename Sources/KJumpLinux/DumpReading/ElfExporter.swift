import KJumpCore

/// `kjump export --elf`: a kjump image back to a standard ELF vmcore that
/// crash(8) and makedumpfile read. Pages the image left out are absent (the
/// `PT_LOAD`s skip them); zero runs are file holes, which read as zeros. A
/// hibernation image is written as the system kernel saw its memory at the
/// jump (`ImageSystemMemory`): R at its own addresses, from the kexec backup
/// pages, and the backup pages left out.
public struct ElfExporter {
    public var image: String
    public var output: String
    /// Opens a sealed image.
    public var unwrapper: (any ImageKeyUnwrapper)?

    public init(image: String, output: String) {
        self.image = image
        self.output = output
    }

    /// What was written.
    public struct Result: Sendable {
        public var loads: Int
        public var fileSize: UInt64
        public var hasVmcoreinfo: Bool
    }

    public func run() throws -> Result {
        let reader = try ImageReader(source: try ImageFile.source(path: image), unwrapper: unwrapper)
        let memory = try ImageSystemMemory(reader: reader)
        let pageSize = UInt64(reader.header.pageSize)
        // One PT_LOAD per run of consecutive pages, data and zero alike.
        var loads: [PhysicalRange] = []
        for extent in memory.extents {
            let range = PhysicalRange(start: extent.address, end: extent.end(pageSize: Int(pageSize)))
            if let last = loads.last, last.end == range.start { loads[loads.count - 1].end = range.end } else { loads.append(range) }
        }
        // The CPUs' notes first, then VMCOREINFO, as a kernel's /proc/vmcore orders them.
        var notes = reader.header.elfNoteBytes
        let vmcoreinfo = reader.header.note(ImageNote.vmcoreinfoKey)
        if let vmcoreinfo {
            notes += ElfNoteEncoding.encode(name: VmcoreInfo.noteName, type: 0, descriptor: Array(vmcoreinfo.utf8))
        }
        let layout = ElfCoreWriter.coreFileLayout(loads: loads, notes: notes, pageSize: pageSize)
        let sink = try FileImageSink(path: output)
        try layout.prefix.withUnsafeBytes { try sink.write($0, at: 0) }
        var index = 0
        try memory.forEachRun { run in
            guard let bytes = run.bytes else { return }   // zero pages: holes
            while loads[index].end <= run.address { index += 1 }
            let offset = layout.loadOffsets[index] + (run.address - loads[index].start)
            try bytes.withUnsafeBytes { try sink.write($0, at: offset) }
        }
        try sink.truncateRegularFile(to: layout.fileSize)
        try sink.synchronize()
        return Result(loads: loads.count, fileSize: layout.fileSize, hasVmcoreinfo: vmcoreinfo != nil)
    }
}
