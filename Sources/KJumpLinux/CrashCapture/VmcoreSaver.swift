#if canImport(Glibc)
import Glibc
#endif
import KJumpCore

/// `kjump save`: a vmcore (a file, or /proc/vmcore in a capture kernel) to a
/// kjump image, filtered at a dump level and compressed.
public struct VmcoreSaver {
    public var source: String
    public var destination: String
    public var level: DumpLevel
    public var compression: ImageCompression
    public var kind: ImageKind
    public var workers: Int
    /// Seals the image to this key's resume key (AES-256-GCM frames); nil writes it unsealed.
    public var sealing: HibernationKey?

    public init(source: String, destination: String, level: DumpLevel, compression: ImageCompression,
                kind: ImageKind, workers: Int = ImageWriter.Options.defaultWorkers) {
        self.source = source
        self.destination = destination
        self.level = level
        self.compression = compression
        self.kind = kind
        self.workers = workers
    }

    /// What a save produced, for the caller to print.
    public struct Result: Sendable {
        public var statistics: ImageSaver.Statistics
        public var summary: ImageSummary
        public var classification: PageClassCounts?
        public var seconds: Double
    }

    public func run(progress: ProgressMeter? = nil) throws -> Result {
        let start = Clocks.now()
        // mmap first: /proc/vmcore maps old memory once instead of page by page (see MappedByteSource).
        let input: any ByteSource
        do { input = try MappedByteSource(path: source) } catch { input = try FileByteSource(path: source) }
        let core = try ElfCoreFile(parsing: input)
        let memory = ElfCoreMemory(core: core, source: input)
        guard let note = core.note(named: VmcoreInfo.noteName), let info = VmcoreInfo(notes: [note]) else {
            throw VmcoreSaverError.noVmcoreinfo(path: source)
        }
        let ranges = memory.ranges.compactMap { $0.wholePages() }

        // Free, cache and user pages come from mem_map (classified chunk by chunk
        // while saving); zero pages from their contents.
        var scanner: MemMapScanner?
        if !level.subtracting(.zero).isEmpty {
            let space = try KernelAddressSpace(vmcoreInfo: info, memory: memory)
            scanner = try MemMapScanner(vmcoreInfo: info, addressSpace: space)
        }

        let header = ImageHeader(
            imageID: ImageID(bytes: SystemRandom.bytes(16)), kind: kind, createdAt: Int64(time(nil)),
            compression: compression,
            systemKernel: SystemKernelIdentity(osRelease: info.osRelease ?? "unknown", vmcoreinfo: note.descriptor),
            reentryPoint: 0, hibernationRegion: HibernationRegion(ranges: []), firmwareMemoryMap: [],
            resumeCommandLine: "", notes: Self.notes(core: core, vmcoreinfo: note, info: info, level: level, source: source))
        let sink = try FileImageSink(path: destination, direct: true)
        // A crash dump that does not fit its device is committed partial, with the pages that fit.
        // On a partition (a crash kernel's target) the index waits at its end: the
        // crash kernel's memory is a small reservation, whatever the RAM dumped.
        var spill: ImageIndexSpill?
        if sink.isBlockDevice, let capacity = sink.capacity {
            spill = ImageIndexSpill(source: try FileByteSource(path: destination, direct: true), end: capacity)
        }
        let writer = try ImageWriter(header: header, sink: sink,
                                     options: .init(workers: workers, capacity: kind == .crash ? sink.capacity : nil),
                                     indexSpill: spill, sealing: sealing)
        let saver = ImageSaver(recordZeroPages: level.contains(.zero))
        let statistics: ImageSaver.Statistics
        var counts: PageClassCounts?
        if let scanner {
            let (saved, classes) = try saver.save(memory: memory, ranges: ranges, filteredBy: scanner, level: level,
                                                  into: writer, progress: { progress?.update($0) })
            statistics = saved
            counts = classes
        } else {
            statistics = try saver.save(memory: memory, ranges: ranges, excluded: [], into: writer) { progress?.update($0) }
        }
        let summary = try writer.finish(committedAt: Int64(time(nil)))
        try sink.truncateRegularFile(to: summary.imageBytes)
        progress?.finish()
        let seconds = Double(Clocks.now().monotonic - start.monotonic) / 1e9
        return Result(statistics: statistics, summary: summary, classification: counts, seconds: seconds)
    }
}

extension VmcoreSaver {
    /// The image notes of a dump: how it was made, the kernel's VMCOREINFO,
    /// when the kernel crashed, and the CPUs' notes (registers at the crash).
    static func notes(core: ElfCoreFile, vmcoreinfo: ElfNote, info: VmcoreInfo, level: DumpLevel, source: String) -> [ImageNote] {
        var notes = [ImageNote(key: "dump-level", value: "\(level.rawValue)"),
                     ImageNote(key: "source", value: source),
                     .vmcoreinfo(descriptor: vmcoreinfo.descriptor)]
        if let crashTime = info.crashTime { notes.append(ImageNote(key: "crash-time", value: "\(crashTime)")) }
        let others = core.notes.filter { $0.name != VmcoreInfo.noteName && $0.name != KJumpNote.name }
        if let elfNotes = ImageNote.elfNotes(others) { notes.append(elfNotes) }
        return notes
    }
}

/// Why a vmcore could not be saved.
public enum VmcoreSaverError: Error, CustomStringConvertible {
    case noVmcoreinfo(path: String)

    public var description: String {
        switch self {
        case .noVmcoreinfo(let path):
            "\(path) has no VMCOREINFO note, so its pages cannot be classified (a QEMU dump needs -device vmcoreinfo and a guest kernel with CONFIG_FW_CFG_SYSFS)"
        }
    }
}
