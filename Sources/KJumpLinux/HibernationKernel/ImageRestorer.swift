#if canImport(Glibc)
import Glibc
#endif
import KJumpCore

/// In the hibernation kernel booted by the boot loader with the image's
/// resume command line: checks the image, marks it consumed, writes the
/// system kernel's pages back through /dev/mem and jumps to its re-entry point.
///
/// Order matters: nothing is written to memory before the image is known to
/// be a committed hibernation image for this machine; each frame is checked
/// (and authenticated, when sealed) before its pages are written; and the
/// image is marked consumed (on disk, synced) after the last page and before
/// the jump, so it can never be resumed twice. A frame that fails while pages
/// are being written stops the resume before the jump and marks nothing: the
/// pages written so far belong to the system kernel, which is not running,
/// so nothing is harmed, and the image stays as it was.
public struct ImageRestorer {
    public var target: ResumeTarget
    /// Opens a sealed image. With it, an image that is not sealed is refused;
    /// without it, a sealed image is refused (before it is marked consumed).
    public var unwrapper: (any ImageKeyUnwrapper)?
    /// The image the boot entry was armed for (`kjump.image=`); any other is refused.
    public var expectedImageID: ImageID?
    /// The system kernel and command line the boot entry starts now
    /// (`kjump.system-kernel=`, `kjump.system-cmdline=`); an image made by another is refused.
    public var expectedSystem = SystemBootIdentity.Expected(kernelDigest: nil, commandLineDigest: nil)
    public var memoryDevice: String = "/dev/mem"
    /// Prefix of /sys and /proc (the firmware map, meminfo): "" in H, a fake tree in tests.
    public var systemRoot: String = ""

    public init(target: ResumeTarget, unwrapper: (any ImageKeyUnwrapper)? = nil) {
        self.target = target
        self.unwrapper = unwrapper
    }

    /// What was restored.
    public struct Result: Sendable {
        public var summary: ImageSummary
        public var reentryPoint: UInt64
        public var region: HibernationRegion
        public var seconds: Double
        /// Of `seconds`: checking the image before the first page was written.
        public var checkSeconds: Double
        /// What H had available when it checked its budget.
        public var availableBytes: UInt64
        /// Copying pages into memory and zeroing, summed over the workers that
        /// did it alongside reading, checking and decompressing frames.
        public var memorySeconds: Double
    }

    /// Everything up to (not including) the jump.
    public func restore(progress: ProgressMeter? = nil) throws -> Result {
        let start = Clocks.now()
        // The index is read a window at a time: H's memory does not grow with the image.
        // A sealed image's trailer and index are authenticated here; each frame before its pages are written.
        let reader = try ImageReader(source: try target.openImageSource(), options: .init(indexInMemory: false),
                                     unwrapper: unwrapper)
        try reader.checkResumable()
        guard reader.canReadFrames else { throw SealingError.keyNeeded }
        if let expectedImageID, reader.header.imageID != expectedImageID {
            throw HibernationError.notArmedImage(found: reader.header.imageID, armed: expectedImageID)
        }
        let header = reader.header
        if let mismatch = SystemBootIdentity.mismatch(recorded: SystemBootIdentity(note: header.note), expected: expectedSystem) {
            throw HibernationError.systemChanged(mismatch)
        }
        let firmwareNow = try FirmwareMemoryMap.read(root: systemRoot)
        if let difference = FirmwareMapMatch.difference(recorded: header.firmwareMemoryMap, current: firmwareNow) {
            throw HibernationError.machineChanged(difference)
        }

        for recorded in FilesystemIdentity.list(recorded: header.note("filesystems") ?? "") {
            if let reason = recorded.staleness(now: MountedFilesystems.identity(of: recorded.device)) {
                throw HibernationError.staleFilesystem(reason)
            }
        }

        // Enough memory in H to restore, checked while the image can still be left unused.
        let available = try HibernationKernelMemory.availableBytes(meminfo: systemRoot + "/proc/meminfo")
        guard let budget = ImageMemoryBudget.forReading(
            availableBytes: available, processors: ImageWriter.Options.defaultWorkers, frameInputBytes: header.frameInputBytes,
            readChunkBytes: reader.options.readChunkBytes) else {
            throw HibernationError.notEnoughMemory(availableBytes: available, neededBytes: ImageMemoryBudget.readerBytes(
                workers: 1, frameInputBytes: header.frameInputBytes, readChunkBytes: reader.options.readChunkBytes))
        }
        reader.options = ImageReader.Options(workers: budget.workers, maxFramesInFlight: budget.maxFramesInFlight,
                                             readChunkBytes: reader.options.readChunkBytes, indexInMemory: false)

        // The system kernel's RAM outside R: the only memory this may write.
        let systemRAM = header.firmwareMemoryMap.filter { $0.type == .usable }.map(\.range)
        let allowed = PhysicalRange.subtracting(header.hibernationRegion.ranges, from: systemRAM)
        let checked = Clocks.now()
        // Each decompression worker writes its own frames' pages, through its own mapping.
        var writers: [PhysicalMemoryWriter] = []
        try reader.restore(makeWriter: {
            let writer = try PhysicalMemoryWriter(path: memoryDevice, allowed: allowed)
            writers.append(writer)
            return writer
        }, progress: { progress?.update($0) })
        progress?.finish()
        // Every frame was authentic and every page is in place: consumed,
        // durably, before the jump (the system kernel must never run twice from it).
        let sink = try target.openImageSink()
        let consumed = reader.state.consumed(at: Int64(time(nil)), restoredInMilliseconds: Clocks.uptimeMilliseconds).encoded()
        try consumed.withUnsafeBytes { try sink.write($0, at: ImageStateBlock.offset) }
        try sink.synchronize()
        let memoryNanoseconds = writers.reduce(0) { $0 + $1.busyNanoseconds }
        return Result(summary: reader.summary, reentryPoint: header.reentryPoint, region: header.hibernationRegion,
                      seconds: Double(Clocks.now().monotonic - start.monotonic) / 1e9,
                      checkSeconds: Double(checked.monotonic - start.monotonic) / 1e9,
                      availableBytes: available,
                      memorySeconds: Double(memoryNanoseconds) / 1e9)
    }
}

extension Kexec {
    /// Jumps to a preserve-context re-entry point: loads one zero page inside
    /// `region` (a load with no segments would unload instead) with the
    /// re-entry point as entry, and reboots into it. Returns only if the
    /// other side jumps back here.
    public static func jump(toReentryPoint reentry: UInt64, region: HibernationRegion) throws(JumpError) {
        guard let page = region.ranges.last?.start else { throw .notInHibernationKernel(.missing("kjump.region=")) }
        let segment = KexecSegmentPlan(purpose: "jump-back page", destination: page, memorySize: 4096)
        do {
            try Kexec.load(entry: reentry, segments: [segment], flags: Kexec.preserveContext)
        } catch {
            guard case .syscall(_, let errno) = error else { throw .system(error) }
            throw .loadRefused(errno: errno, cause: HibernationKernelLoader.explain(errno))
        }
        do { try Kexec.jump() } catch {
            guard case .syscall(_, let errno) = error else { throw .system(error) }
            throw .jumpFailed(errno: errno)
        }
    }
}
