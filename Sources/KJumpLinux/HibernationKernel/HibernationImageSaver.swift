#if canImport(Glibc)
import Glibc
#endif
import KJumpCore

/// In the hibernation kernel started by `kjump hibernate`: saves the frozen
/// system kernel's memory outside R (free pages dropped, zero pages
/// recorded) as a committed hibernation image on the resume device.
///
/// The image holds A's RAM outside R exactly as it is now: that includes the
/// kexec backup pages, which hold A's own contents of R, so the jump back at
/// resume (A's swap) restores R too. Classifying pages needs A's page tables
/// and mem_map, which may lie inside R: those reads go through the backup pages.
public struct HibernationImageSaver {
    public var context: HibernationKernelContext
    public var target: ResumeTarget
    public var vmcore: String = "/proc/vmcore"
    public var compression: ImageCompression = .lz4

    public init(context: HibernationKernelContext, target: ResumeTarget) {
        self.context = context
        self.target = target
    }

    public struct Result: Sendable {
        public var statistics: ImageSaver.Statistics
        public var summary: ImageSummary
        public var seconds: Double
        /// What H had available before the save began: what the restorer will have.
        public var availableBytes: UInt64
        /// How often /proc/vmcore was mapped, and the seconds that took.
        public var vmcoreMappings: (count: Int, seconds: Double)
        /// Of `seconds`: everything before the first page was read (A's page
        /// tables, R's mem_map) and reading mem_map to find the free pages.
        public var classifySeconds: Double
    }

    /// Saves and commits the image; `progress` (its total is set here) follows A's memory outside R.
    public func run(progress: ProgressMeter? = nil) throws -> Result {
        let start = Clocks.now()
        // What H has before this program allocates anything: what the restorer will have at resume.
        let availableAtStart = try HibernationKernelMemory.availableBytes()
        let memory = try SystemKernelMemory.open(vmcore: vmcore, context: context)
        guard let note = memory.core.note(named: KJumpNote.name).map({ KJumpNote(descriptor: $0.descriptor) }),
              let firmware = note.firmwareMemoryMap else {
            throw HibernationError.noKJumpNote
        }
        // A's VMCOREINFO, read as A sees it (it usually lies inside R).
        let noteBytes = try memory.regionAware.read(physicalAddress: context.vmcoreinfo.start, count: Int(context.vmcoreinfo.size))
        let notes = try ElfNote.parseSegment(noteBytes, at: context.vmcoreinfo.start, inPhysicalMemory: true)
        guard let vmcoreinfoNote = notes.first(where: { $0.name == VmcoreInfo.noteName }),
              let info = VmcoreInfo(notes: [vmcoreinfoNote]) else { throw HibernationError.noVmcoreinfo }

        let ranges = memory.outsideRegion.ranges.compactMap { $0.wholePages() }
        progress?.total = ranges.reduce(0) { $0 + $1.size }
        let space = try KernelAddressSpace(vmcoreInfo: info, memory: memory.regionAware)
        let scanner = try MemMapScanner(vmcoreInfo: info, addressSpace: space)
        // R first (bounded by R): the backup pages of A's free pages in R are left out too.
        let regionClassification = try scanner.classify(ramRanges: context.region.ranges)
        let backupsOfFreePages = HibernationImageSaver.excludedPages(classification: regionClassification,
                                                                     region: context.region,
                                                                     backupPage: memory.regionAware.backupPage(of:))
        let classified = Clocks.now()
        let restorer = RestorerCommandLine(region: context.region, firmwareMemoryMap: firmware,
                                           extra: ["kjump.role=resume"] + target.commandLineWords)
        let header = ImageHeader(
            imageID: ImageID(bytes: SystemRandom.bytes(16)), kind: .hibernation, createdAt: Int64(time(nil)),
            compression: compression,
            systemKernel: SystemKernelIdentity(osRelease: info.osRelease ?? "unknown", vmcoreinfo: vmcoreinfoNote.descriptor),
            reentryPoint: context.reentryPoint, hibernationRegion: context.region, firmwareMemoryMap: firmware,
            resumeCommandLine: restorer.text,
            notes: [ImageNote(key: "filesystems", value: note.fields["filesystems"] ?? ""),
                    // Which `kjump hibernate` this is: it trusts a failure left here only from its own attempt.
                    ImageNote(key: "attempt", value: note.fields["attempt"] ?? ""),
                    .vmcoreinfo(descriptor: vmcoreinfoNote.descriptor)])
        // No capacity: an image that does not fit is a write error, never a partial (unresumable) image.
        let sink = try target.openImageSink()
        let budget = ImageMemoryBudget.forWriting(
            availableBytes: try HibernationKernelMemory.availableBytes(), processors: ImageWriter.Options.defaultWorkers,
            frameInputBytes: header.frameInputBytes, writeChunkBytes: 4 << 20)
        // The index waits at the target's end while the frames are written: H's memory does not grow with A's.
        let targetBytes = try target.openImageSource()
        let writer = try ImageWriter(header: header, sink: sink,
                                     options: .init(workers: budget.workers, maxFramesInFlight: budget.maxFramesInFlight),
                                     indexSpill: ImageIndexSpill(source: targetBytes, end: targetBytes.size))
        let statistics: ImageSaver.Statistics
        let summary: ImageSummary
        do {
            // The rest of A's RAM: mem_map classified and pages saved in one pass, chunk by chunk.
            (statistics, _) = try ImageSaver(recordZeroPages: true)
                .save(memory: memory.outsideRegion, ranges: ranges, filteredBy: scanner, level: [.free],
                      alsoExcluded: backupsOfFreePages, into: writer, clock: { Clocks.now().monotonic }) {
                    progress?.update($0)
                }
            // Never commit an image the restorer would refuse: the hibernated system would be lost at resume.
            if let shortfall = ImageMemoryBudget.resumeShortfall(
                availableAtStart: availableAtStart, frameInputBytes: header.frameInputBytes,
                readChunkBytes: ImageReader.Options().readChunkBytes) {
                throw HibernationError.wouldNotResume(availableBytes: availableAtStart, neededBytes: availableAtStart + shortfall,
                                                      regionBytes: context.region.ranges.reduce(0) { $0 + $1.size })
            }
            summary = try writer.finish(committedAt: Int64(time(nil)))
        } catch {
            // Say why on the target itself: the system kernel reads it after H jumps back.
            try? writer.abandon(reason: "\(error)")
            throw error
        }
        progress?.finish()
        return Result(statistics: statistics, summary: summary,
                      seconds: Double(Clocks.now().monotonic - start.monotonic) / 1e9,
                      availableBytes: availableAtStart, vmcoreMappings: memory.mapped?.mappingStatistics ?? (0, 0),
                      classifySeconds: Double(classified.monotonic - start.monotonic + statistics.classifyNanoseconds) / 1e9)
    }
}

extension HibernationImageSaver {
    /// The pages to leave out of the image: A's free pages outside R, and the
    /// backup page of every page of R that A holds free (the swap at the jump
    /// puts whatever is in that backup page there, which a free page may hold).
    /// Given a classification of R alone, only the backup pages: at most one
    /// range per page of R, whatever the size of A's RAM.
    static func excludedPages(classification: PageClassification, region: HibernationRegion,
                              backupPage: (UInt64) -> UInt64?) -> [PhysicalRange] {
        let free = classification.excludedRanges(at: [.free])
        var excluded = PhysicalRange.subtracting(region.ranges, from: free)
        for free in free {
            for inside in region.ranges where inside.overlaps(free) {
                var page = max(inside.start, free.start)
                while page < min(inside.end, free.end) {
                    if let source = backupPage(page) { excluded.append(PhysicalRange(start: source, end: source + 4096)) }
                    page += 4096
                }
            }
        }
        return excluded
    }
}
