import KJumpCore

/// `kjump crash-load`, arming crash capture: resolves the dump target,
/// checks a dump filesystem, writes what the crash kernel must know on its
/// command line, and loads it into the `crashkernel=` reservation
/// (`CrashKernelLoader`). After a panic the crash kernel's `kjump save`
/// writes the dump and reboots.
public struct CrashCapture: Sendable {
    /// Where and how the dump is saved.
    public struct Request: Sendable {
        /// The hibernation kernel's bzImage, loaded as the crash kernel.
        public var kernelPath: String
        /// The block device the dump goes to.
        public var target: String
        /// A directory of the ext2/3/4 filesystem on `target` for the dump file; nil writes the raw device.
        public var directory: String?
        /// Pages left out, as makedumpfile's -d.
        public var dumpLevel: DumpLevel
        public var compression: ImageCompression
        /// CPUs the crash kernel brings up.
        public var cpus: Int
        /// More words for the crash kernel's command line (console=, the user's).
        public var extraCommandLine: [String]

        public init(kernelPath: String, target: String, directory: String? = nil, dumpLevel: DumpLevel,
                    compression: ImageCompression, cpus: Int = 1, extraCommandLine: [String] = []) {
            self.kernelPath = kernelPath
            self.target = target
            self.directory = directory
            self.dumpLevel = dumpLevel
            self.compression = compression
            self.cpus = cpus
            self.extraCommandLine = extraCommandLine
        }
    }

    /// The dump device with symbolic links resolved (the crash kernel has only devtmpfs).
    public let device: String
    /// The crash kernel's loader and its planned segments.
    public let loader: CrashKernelLoader
    public let plan: KexecJumpPlan

    /// Resolves and checks the target and plans the crash kernel; loads nothing.
    public init(_ request: Request) throws {
        device = try CrashTarget.resolve(request.target)
        if request.directory != nil { try CrashTarget.checkDumpFilesystem(device) }
        loader = CrashKernelLoader(kernelPath: request.kernelPath,
                                   extraCommandLine: Self.commandLine(request, device: device), cpus: request.cpus)
        plan = try loader.plan()
    }

    /// The words that tell the crash kernel's kjump where and how to save.
    public static func commandLine(_ request: Request, device: String) -> [String] {
        ["kjump.target=" + device, "kjump.dump-level=\(request.dumpLevel.rawValue)", "kjump.compress=\(request.compression)"]
            + (request.directory.map { ["kjump.target-dir=" + $0] } ?? [])
            + request.extraCommandLine
    }

    /// Loads the planned crash kernel, replacing any loaded before.
    public func load() throws(CrashLoadError) {
        try loader.load(plan)
    }

    /// Unloads the crash kernel (nothing happens when none is loaded).
    public static func unload() throws(CrashLoadError) {
        try CrashKernelLoader.unload()
    }

    /// Whether a crash kernel is loaded and how much memory is reserved, as a sentence.
    public static var status: String {
        let size = CrashKernelLoader.reservationSize
        let reserved = size.map { $0 == 0 ? "no memory reserved (boot with crashkernel=256M)" : "\($0 >> 20) MiB reserved" }
            ?? "this kernel has no crash kernel support"
        switch CrashKernelLoader.isLoaded {
        case true?: return "a crash kernel is loaded; \(reserved)"
        case false?: return "no crash kernel is loaded; \(reserved)"
        case nil: return "cannot tell whether a crash kernel is loaded (no /sys/kernel/kexec_crash_loaded); \(reserved)"
        }
    }
}

extension CrashCapture {
    /// What `device` holds, when it is a crash dump a crash kernel saved:
    /// "a crash dump saved 2026-12-05 06:27:20 UTC (N MiB)"; nil for anything else
    /// (nothing, a hibernation image, a dump given up half-written).
    /// Read at load time, so that the boot after a crash names its dump.
    public static func dumpDescription(on device: String) -> String? {
        guard let probe = try? ImageReader.probe(ResumeTarget(device: device).openImageSource()),
              probe.header.kind == .crash, probe.state.state == .committed else { return nil }
        let saved = probe.state.committedAt ?? probe.header.createdAt
        return "a crash dump saved \(UTCTimeText.text(unixSeconds: saved)) (\(probe.state.imageLength >> 20) MiB)"
    }
}
