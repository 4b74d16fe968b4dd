#if canImport(Glibc)
import Glibc
#endif
import KJumpCore

/// What kjump does inside the hibernation kernel, with the lines it prints.
/// Shared by the full `kjump` command and the hibernation kernel's own small
/// program (`kjump-hibernation-kernel`, installed there as `kjump`).
public enum HibernationKernelTasks {
    /// `save-hibernation`: saves the frozen system kernel to `kjump.resume=`
    /// (and `kjump.resume-offset=`) of the command line, compressed as
    /// `kjump.compress=` says (lz4 when absent). `kjump.lab-pause=before-commit`
    /// (the lab's power-cut scenario) stops for good just before the commit,
    /// saying so on the console, so that the lab can cut the power there.
    public static func saveHibernation() throws {
        let context = try HibernationKernelContext.current()
        let line = KernelCommandLine(parsing: try KernelFile.readText("/proc/cmdline"))
        let target = try resumeTarget(line)
        var saver = HibernationImageSaver(context: context, target: target)
        if let codec = try line.value(of: "kjump.compress", as: "lz4, zstd or none", ImageCompression.init(name:)) {
            saver.compression = codec
        }
        if line.value(of: "kjump.lab-pause") == "before-commit" {
            saver.beforeCommit = {
                print("\nKJUMP-H-PAUSED before-commit: frames, index and trailer written and synced; waiting for the power cut")
                fflush(nil)
                while true { sleep(3600) }
            }
        }
        let result = try saver.run(progress: ProgressMeter(label: "kjump hibernate", totalBytes: 0))
        let s = result.statistics
        print("kjump: hibernation image on \(target.description)\(result.summary.isSealed ? " (sealed)" : ""): \(s.dataPages) data + \(s.zeroPages) zero pages, \(s.excludedPages) free pages left out, \(result.summary.imageBytes >> 20) MiB, \(DecimalText.oneDecimal(result.seconds)) s (finding free pages \(DecimalText.twoDecimals(result.classifySeconds)) s, /proc/vmcore mapped \(result.vmcoreMappings.count) times in \(DecimalText.twoDecimals(result.vmcoreMappings.seconds)) s, H had \(result.availableBytes >> 20) MiB available\(HibernationKernelMemory.peakMemoryText))")
    }

    /// `resume`: restores the image on `device` (default: `kjump.resume=` of
    /// the command line) and jumps into it; returns only by throwing.
    ///
    /// A sealed image opens with the resume key at `kjump.resume-key=` (default
    /// `/etc/kjump/resume.key`, put into H's initramfs beside it, or on a
    /// device the init script mounted); a passphrase is asked on the console,
    /// three tries. When a resume key is there, an image that is not sealed is refused.
    public static func resume(device: String?) throws {
        let line = KernelCommandLine(parsing: try KernelFile.readText("/proc/cmdline"))
        let target = try device.map { ResumeTarget(device: $0) } ?? resumeTarget(line)
        let unwrapper = try resumeKey(line)
        var restorer = ImageRestorer(target: target, unwrapper: unwrapper)
        restorer.expectedImageID = try line.value(of: "kjump.image", as: "an image ID", { ImageID(uuid: $0) })
        restorer.expectedSystem = SystemBootIdentity.Expected(commandLine: line)
        let result = try restorer.restore()
        if !restorer.expectedSystem.isEmpty {
            print("kjump: the boot entry starts the system kernel and command line that hibernated")
        }
        let f = DecimalText.twoDecimals
        print("kjump: restored \(result.summary.isSealed ? "and authenticated " : "")\(result.summary.dataPages) data + \(result.summary.zeroPages) zero pages in \(f(result.seconds)) s (image checks \(f(result.checkSeconds)) s, memory writes \(f(result.memorySeconds)) s, H had \(result.availableBytes >> 20) MiB available\(HibernationKernelMemory.peakMemoryText)); jumping to \(HexText.number(result.reentryPoint))")
        try Kexec.jump(toReentryPoint: result.reentryPoint, region: result.region)
    }

    /// The resume key `kjump.resume-key=` names, opened; nil when none was
    /// named and the default place holds none.
    private static func resumeKey(_ line: KernelCommandLine) throws -> ResumeKeyUnwrapper? {
        let named = line.value(of: "kjump.resume-key")
        let path = named ?? SealingKeyFiles.defaultResumeKeyPath
        if named == nil, !SealingKeyFiles.exists(path) { return nil }
        let opener = ResumeKeyOpener(prompt: PassphrasePrompt(terminal: "/dev/console"))
        return try opener.unwrapper(keyPath: path) { print("kjump: \($0)") }
    }

    /// The resume target named by `kjump.resume=` (and `kjump.resume-offset=`);
    /// without it this is not a hibernation kernel started for hibernation or resume.
    private static func resumeTarget(_ line: KernelCommandLine) throws -> ResumeTarget {
        guard line.value(of: "kjump.resume") != nil else { throw JumpError.notInHibernationKernel(.missing("kjump.resume=")) }
        return try ResumeTarget(commandLine: line)
    }

    /// `jump-back`: jumps back into the system kernel at `kjump.reentry=`.
    public static func jumpBack() throws {
        let context = try HibernationKernelContext.current()
        print("kjump: jumping back to the system kernel at \(HexText.number(context.reentryPoint))")
        sync()
        try context.jumpBack()
        print("kjump: the system kernel jumped into the hibernation kernel again")
    }

    /// `probe`: reads the frozen system kernel's memory through the kexec
    /// backup pages and checks its release against VMCOREINFO; with `record`,
    /// also writes every page read as a page recording. Returns whether the releases match.
    public static func probe(vmcore: String, record: String?) throws -> Bool {
        let context = try HibernationKernelContext.current()
        let memory = try SystemKernelMemory.open(vmcore: vmcore, context: context, recording: record != nil)
        let probe = try SystemKernelProbe.run(memory: memory.regionAware, loads: memory.outsideRegion.ranges,
                                              region: context.region.ranges, vmcoreinfo: context.vmcoreinfo)
        print(probe.render())
        if let record, let recorder = memory.recorder {
            let loads = memory.outsideRegion.ranges.map { "\(HexText.number($0.start))-\(HexText.number($0.end))" }
            let recording = PageRecording(context: ["cmdline": try KernelFile.readText("/proc/cmdline").trimmingSpaces().description,
                                                    "loads": loads.joined(separator: ",")],
                                          pages: recorder.pages)
            try OutputFile.write(recording.encoded(), to: record)
            print("kjump probe: recorded \(recorder.pages.count) pages to \(record)")
        }
        return probe.releasesMatch
    }

    /// `boot-arg KEY`: the value of `KEY=` on the kernel command line, nil if absent.
    public static func bootArgument(_ key: String) throws -> String? {
        KernelCommandLine(parsing: try KernelFile.readText("/proc/cmdline")).value(of: key)
    }

    /// `save`: saves a vmcore as an image at `destination` and prints what it
    /// kept. Returns false for a partial dump (the target was full).
    public static func saveDump(from source: String, to destination: String, level: DumpLevel,
                                compression: ImageCompression, workers: Int, sealing: HibernationKey? = nil) throws -> Bool {
        var saver = VmcoreSaver(source: source, destination: destination, level: level,
                                compression: compression, kind: .crash, workers: workers)
        saver.sealing = sealing
        let total = try FileByteSource(path: source).size
        let result = try saver.run(progress: ProgressMeter(label: "kjump save", totalBytes: total))
        let s = result.statistics, summary = result.summary
        print("kjump save: \(destination): \(s.dataPages) data + \(s.zeroPages) zero pages kept, \(s.excludedPages) excluded (dump level \(level.rawValue))")
        print("kjump save: \(summary.imageBytes >> 10) KiB written in \(DecimalText.oneDecimal(result.seconds)) s (\(summary.compression)\(summary.isSealed ? ", sealed" : ""), \(summary.frameCount) frames)")
        if summary.isPartial {
            print("kjump save: PARTIAL dump: \(destination) is full; \(summary.missingPages) pages (the highest addresses) are missing. The dump is committed and readable; use a larger device for complete dumps")
            return false
        }
        return true
    }

    /// The exit status of `save` for a partial dump.
    public static let partialDumpExitStatus: Int32 = 2
}

extension KernelCommandLine {
    /// The value of `key` read by `parse`, nil when `key` is absent; a value
    /// `parse` refuses is an error that says what it should be (`what`).
    func value<Value>(of key: String, as what: String, _ parse: (String) -> Value?) throws(KJumpLinuxError) -> Value? {
        guard let text = value(of: key) else { return nil }
        guard let parsed = parse(text) else {
            throw .malformed(path: "/proc/cmdline", reason: "\(key)=\(text) is not \(what)")
        }
        return parsed
    }
}
