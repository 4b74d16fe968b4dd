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
    /// Called just before the image is committed (`ImageWriter.Options.beforeCommit`).
    public var beforeCommit: (@Sendable () -> Void)?

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
        let system = try Self.describe(memory, context: context)
        let ranges = memory.outsideRegion.ranges.compactMap { $0.wholePages() }
        progress?.total = ranges.reduce(0) { $0 + $1.size }
        let scanner = try MemMapScanner(vmcoreInfo: system.vmcoreinfo,
                                        addressSpace: try KernelAddressSpace(vmcoreInfo: system.vmcoreinfo, memory: memory.regionAware))
        // R first (bounded by R): the backup pages of A's free pages in R are left out too.
        let backupsOfFreePages = Self.excludedPages(classification: try scanner.classify(ramRanges: context.region.ranges),
                                                    region: context.region, backupPage: memory.regionAware.backupPage(of:))
        let classified = Clocks.now()
        let header = Self.header(system, context: context, target: target, compression: compression,
                                 imageID: system.note.fields["image-id"].flatMap { ImageID(uuid: $0) } ?? ImageID(bytes: SystemRandom.bytes(16)),
                                 createdAt: Int64(time(nil)))
        // The hibernation key in kjump's note seals the image; without one it is not sealed.
        let sealing = try HibernationKey(noteFields: system.note.fields)
        let writer = try openWriter(header, sealing: sealing)
        let (statistics, summary) = try Self.commitOrAbandon(writer, committedAt: { Int64(time(nil)) }) {
            // The rest of A's RAM: mem_map classified and pages saved in one pass, chunk by chunk.
            let (statistics, _) = try ImageSaver(recordZeroPages: true)
                .save(memory: memory.outsideRegion, ranges: ranges, filteredBy: scanner, level: [.free],
                      alsoExcluded: backupsOfFreePages, into: writer, clock: { Clocks.now().monotonic }) {
                    progress?.update($0)
                }
            try checkResumable(availableAtStart: availableAtStart, frameInputBytes: header.frameInputBytes)
            return statistics
        }
        progress?.finish()
        return Result(statistics: statistics, summary: summary,
                      seconds: Double(Clocks.now().monotonic - start.monotonic) / 1e9,
                      availableBytes: availableAtStart, vmcoreMappings: memory.mapped?.mappingStatistics ?? (0, 0),
                      classifySeconds: Double(classified.monotonic - start.monotonic + statistics.classifyNanoseconds) / 1e9)
    }

    /// What the saver must know of the frozen system kernel: kjump's note
    /// (the firmware memory map, the mounted filesystems, the attempt) and
    /// A's VMCOREINFO.
    struct SystemKernelDescription {
        var note: KJumpNote
        var firmwareMemoryMap: [E820Entry]
        var vmcoreinfoNote: ElfNote
        var vmcoreinfo: VmcoreInfo
    }

    /// Reads kjump's note from the ELF core and A's VMCOREINFO as A sees it (it usually lies inside R).
    static func describe(_ memory: SystemKernelMemory, context: HibernationKernelContext) throws -> SystemKernelDescription {
        guard let note = memory.core.note(named: KJumpNote.name).map({ KJumpNote(descriptor: $0.descriptor) }),
              let firmware = note.firmwareMemoryMap else {
            throw HibernationError.noKJumpNote
        }
        let noteBytes = try memory.regionAware.read(physicalAddress: context.vmcoreinfo.start, count: Int(context.vmcoreinfo.size))
        let notes = try ElfNote.parseSegment(noteBytes, at: context.vmcoreinfo.start, inPhysicalMemory: true)
        guard let vmcoreinfoNote = notes.first(where: { $0.name == VmcoreInfo.noteName }),
              let info = VmcoreInfo(notes: [vmcoreinfoNote]) else { throw HibernationError.noVmcoreinfo }
        return SystemKernelDescription(note: note, firmwareMemoryMap: firmware, vmcoreinfoNote: vmcoreinfoNote, vmcoreinfo: info)
    }

    /// The words after the memory map on the resume command line: the role and the target.
    static func resumeWords(target: ResumeTarget) -> [String] { ["kjump.role=resume"] + target.commandLineWords }

    /// The image's header: which kernel, where to re-enter it, R, the
    /// firmware map, the restorer's command line, and the notes the system
    /// kernel and the restorer check (filesystems, attempt, VMCOREINFO).
    static func header(_ system: SystemKernelDescription, context: HibernationKernelContext, target: ResumeTarget,
                       compression: ImageCompression, imageID: ImageID, createdAt: Int64) -> ImageHeader {
        let restorer = RestorerCommandLine(region: context.region, firmwareMemoryMap: system.firmwareMemoryMap,
                                           extra: resumeWords(target: target))
        return ImageHeader(
            imageID: imageID, kind: .hibernation, createdAt: createdAt, compression: compression,
            systemKernel: SystemKernelIdentity(osRelease: system.vmcoreinfo.osRelease ?? "unknown",
                                               vmcoreinfo: system.vmcoreinfoNote.descriptor),
            reentryPoint: context.reentryPoint, hibernationRegion: context.region, firmwareMemoryMap: system.firmwareMemoryMap,
            resumeCommandLine: restorer.text,
            notes: [ImageNote(key: "filesystems", value: system.note.fields["filesystems"] ?? ""),
                    // Which `kjump hibernate` this is: it trusts a failure left here only from its own attempt.
                    ImageNote(key: "attempt", value: system.note.fields["attempt"] ?? "")]
                // The system kernel's image and command line, by digest, for the resume boot entry to match.
                + ["system-kernel", "system-cmdline"].compactMap { key in system.note.fields[key].map { ImageNote(key: key, value: $0) } }
                + [.vmcoreinfo(descriptor: system.vmcoreinfoNote.descriptor)])
    }

    /// The writer on the target, sized to H's memory. No capacity: an image
    /// that does not fit is a write error, never a partial (unresumable)
    /// image. The index waits at the target's end while the frames are
    /// written, so H's memory does not grow with A's.
    private func openWriter(_ header: ImageHeader, sealing: HibernationKey?) throws -> ImageWriter {
        let sink = try target.openImageSink()
        let budget = ImageMemoryBudget.forWriting(
            availableBytes: try HibernationKernelMemory.availableBytes(), processors: ImageWriter.Options.defaultWorkers,
            frameInputBytes: header.frameInputBytes, writeChunkBytes: 4 << 20)
        let targetBytes = try target.openImageSource()
        var options = ImageWriter.Options(workers: budget.workers, maxFramesInFlight: budget.maxFramesInFlight)
        options.beforeCommit = beforeCommit
        return try ImageWriter(header: header, sink: sink, options: options,
                               indexSpill: ImageIndexSpill(source: targetBytes, end: targetBytes.size),
                               sealing: sealing)
    }

    /// Never commit an image the restorer would refuse: the hibernated system would be lost at resume.
    private func checkResumable(availableAtStart: UInt64, frameInputBytes: Int) throws(HibernationError) {
        guard let shortfall = ImageMemoryBudget.resumeShortfall(
            availableAtStart: availableAtStart, frameInputBytes: frameInputBytes,
            readChunkBytes: ImageReader.Options().readChunkBytes) else { return }
        throw .wouldNotResume(availableBytes: availableAtStart, neededBytes: availableAtStart + shortfall,
                              regionBytes: context.region.ranges.reduce(0) { $0 + $1.size })
    }

    /// Runs `save` and commits the image; when `save` (or the commit) throws,
    /// gives the image up with the error's text on the target itself (the
    /// system kernel reads it there after H jumps back; it is stored as text
    /// because it outlives this process) and rethrows.
    /// The commit records the time and how long this kernel has run (`Clocks.uptimeMilliseconds`).
    static func commitOrAbandon<T>(_ writer: ImageWriter, committedAt: () -> Int64,
                                   _ save: () throws -> T) throws -> (T, ImageSummary) {
        do {
            let saved = try save()
            return (saved, try writer.finish(committedAt: committedAt(), savedInMilliseconds: Clocks.uptimeMilliseconds))
        } catch {
            try? writer.abandon(reason: "\(error)")
            throw error
        }
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
