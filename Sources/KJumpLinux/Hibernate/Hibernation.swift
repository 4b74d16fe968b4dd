#if canImport(Glibc)
import Glibc
#endif
import KJumpCore

/// `kjump hibernate`, the system kernel's half of a hibernation: loads the
/// hibernation kernel with what it must know (resume target, codec, the
/// mounted filesystems' identities, an attempt id), arms the one-shot boot
/// entry, jumps, and when this kernel runs again tells a resume from a
/// hibernation kernel that gave up. The steps that do not touch the kernel
/// (`loader`, `outcome`) are unit-tested.
public struct Hibernation {
    /// What to hibernate with.
    public struct Request: Sendable {
        /// The hibernation kernel's bzImage.
        public var kernelPath: String
        /// The H region.
        public var region: HibernationRegion
        /// Where the image goes.
        public var target: ResumeTarget
        /// How H compresses the image.
        public var compression: ImageCompression
        /// More words for H's command line (the running kernel's console=).
        public var extraCommandLine: [String]
        /// The boot entry that starts the hibernation kernel at the next boot; nil when the user arms it.
        public var bootEntry: (any OneShotBootEntry)?
        /// The machine's hibernation key: H seals the image with it. Nil hibernates unsealed.
        public var sealing: HibernationKey?
        /// The running system kernel's image and command line, recorded in the image.
        public var system: SystemBootIdentity?

        public init(kernelPath: String, region: HibernationRegion, target: ResumeTarget, compression: ImageCompression = .lz4,
                    extraCommandLine: [String] = [], bootEntry: (any OneShotBootEntry)? = nil, sealing: HibernationKey? = nil) {
            self.kernelPath = kernelPath
            self.region = region
            self.target = target
            self.compression = compression
            self.extraCommandLine = extraCommandLine
            self.bootEntry = bootEntry
            self.sealing = sealing
        }
    }

    /// The system is back from its image.
    public struct Resumed: Sendable {
        /// The clocks just before the jump and just after the return.
        public var before: Clocks
        public var after: Clocks
        /// When the hibernation kernel consumed the image (seconds since the epoch), if it recorded it.
        public var consumedAt: Int64?
        /// How long the hibernation kernel ran to save the image (from the jump to the commit), if recorded.
        public var savedInMilliseconds: UInt64?
        /// How long the hibernation kernel ran to restore it (from power-on of H to every page in place), if recorded.
        public var restoredInMilliseconds: UInt64?
    }

    public let request: Request
    private let report: (HibernationEvent) -> Void

    public init(_ request: Request, report: @escaping (HibernationEvent) -> Void = { _ in }) {
        self.request = request
        self.report = report
    }

    /// The resume target: a device checked by the doctor, or a resume file
    /// made by `kjump setup --file` (exactly one of the two).
    public static func target(device: String?, file: String?,
                              report: (HibernationEvent) -> Void = { _ in }) throws -> ResumeTarget {
        if let file {
            let location = try ResumeFile.locate(path: file)
            report(.resumeFile(path: file, location: location))
            return ResumeTarget(device: location.device, mapOffset: location.mapOffset)
        }
        guard let device else { throw HibernationError.unusableResumeDevice(reason: "no resume device or resume file was given") }
        let check = Doctor().resumeDeviceCheck(SystemFactsReader().readResumeDevice(device), memory: nil)
        guard check.status != .fail else { throw HibernationError.unusableResumeDevice(reason: check.message) }
        return ResumeTarget(device: device)
    }

    /// Hibernates; returns once the system was resumed from the image.
    /// Throws when the hibernation kernel came back without saving (the
    /// system kept running) or could not be started (nothing was changed).
    public func run() throws -> Resumed {
        let filesystems = try MountedFilesystems.readWrite()
        for (device, identity) in filesystems where identity == nil { report(.filesystemWithoutIdentity(device: device)) }
        let attempt = Self.newAttemptID()
        // The image's ID is chosen here, so that the boot entry can be bound to it before the jump.
        let imageID = ImageID(bytes: SystemRandom.bytes(16))
        try load(loader(attempt: attempt, imageID: imageID, filesystems: filesystems.compactMap(\.identity)))
        try armBootEntry(imageID: imageID)
        report(.hibernating(target: request.target))
        let clocks: (before: Clocks, after: Clocks)
        do { clocks = try PreservedContextJump.perform() } catch {
            disarmBootEntry()
            throw error
        }
        // Back: resumed from the image (now consumed), or H gave up. What this
        // kernel cached of the device predates the jump.
        PageCache.drop(request.target.device)
        let probe = try? ImageReader.probe(request.target.openImageSource())
        let consumedAt = try settle(probe, attempt: attempt).get()
        return Resumed(before: clocks.before, after: clocks.after, consumedAt: consumedAt,
                       savedInMilliseconds: probe?.state.savedInMilliseconds, restoredInMilliseconds: probe?.state.restoredInMilliseconds)
    }

    /// After the jump back: what the image on the target says (`outcome`),
    /// with the one-shot entry disarmed either way. Without a resume the next
    /// boot must be the normal one; after one, the boot loader has spent the
    /// entry on disk, but this kernel's page cache of its environment
    /// predates the jump and still shows it armed (the distro scenario read
    /// next_entry=kjump-resume after the resume): written disarmed, what the
    /// system reads agrees with what the boot loader will do.
    func settle(_ probe: ImageProbe?, attempt: String) -> Result<Int64?, HibernationError> {
        disarmBootEntry()
        return Self.outcome(of: probe, attempt: attempt)
    }

    /// H's loader for this attempt: the target, the codec and the console on
    /// its command line; the attempt, the image ID, the filesystems and the
    /// hibernation key in kjump's note.
    public func loader(attempt: String, imageID: ImageID, filesystems: [FilesystemIdentity]) -> HibernationKernelLoader {
        var loader = HibernationKernelLoader(
            kernelPath: request.kernelPath, region: request.region, role: "hibernate",
            extraCommandLine: request.extraCommandLine + request.target.commandLineWords
                + (request.compression == .lz4 ? [] : ["kjump.compress=\(request.compression)"]))
        loader.noteFields["attempt"] = attempt
        loader.noteFields["image-id"] = imageID.description
        if let sealing = request.sealing { loader.noteFields.merge(sealing.noteFields) { $1 } }
        if let system = request.system { loader.noteFields.merge(system.noteFields) { $1 } }
        loader.noteFields["filesystems"] = filesystems.map(\.description).joined(separator: ",")
        return loader
    }

    /// What the image on the target says once the system kernel runs again:
    /// consumed by a resume (when, if recorded), or why there was none. H's
    /// reason counts only when the image is this attempt's: H may have failed
    /// before it started an image, leaving an older attempt's on the target.
    public static func outcome(of probe: ImageProbe?, attempt: String) -> Result<Int64?, HibernationError> {
        guard let probe, probe.state.state == .consumed else {
            if let probe, probe.state.state == .writing, let reason = probe.state.failure, probe.header.note("attempt") == attempt {
                return .failure(.notSaved(reason: reason))
            }
            return .failure(.notResumed(state: probe.map { "\($0.state.state)" } ?? "none"))
        }
        return .success(probe.state.consumedAt)
    }

    /// Names an attempt, so that a reason H leaves on the target is known to be this attempt's.
    static func newAttemptID() -> String {
        HexText.bytes(SystemRandom.bytes(8))
    }

    /// Plans and loads H. The plan holds the bzImage's bytes: it ends with
    /// this call, so the heap can hand them back before the jump (they would
    /// be in the image).
    private func load(_ loader: HibernationKernelLoader) throws(JumpError) {
        let plan = try loader.plan()
        report(.planned(plan))
        let loading = Clocks.now()
        try loader.load(plan)
        report(.loaded(seconds: Double(Clocks.now().monotonic - loading.monotonic) / 1e9))
    }

    private func armBootEntry(imageID: ImageID) throws(HibernationError) {
        guard let entry = request.bootEntry else { return }
        do { try entry.arm(imageID: imageID) } catch {
            try? Kexec.unload(flags: Kexec.preserveContext)
            throw .bootEntryNotArmed(name: entry.name, cause: error)
        }
        report(.bootEntryArmed(name: entry.name))
    }

    /// The next boot must be the normal one (again).
    private func disarmBootEntry() {
        guard let entry = request.bootEntry else { return }
        do { try entry.disarm() } catch { report(.bootEntryStillArmed(name: entry.name, error: error)) }
    }
}
