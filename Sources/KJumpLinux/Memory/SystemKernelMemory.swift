import KJumpCore

/// The frozen system kernel's memory, seen from the hibernation kernel:
/// `/proc/vmcore` for A's RAM outside R, and the kexec backup pages (found
/// through A's control page) for A's contents of R.
public struct SystemKernelMemory {
    /// The ELF core (/proc/vmcore): its notes include kjump's own.
    public let core: ElfCoreFile
    /// A's RAM outside R, from the ELF core.
    public let outsideRegion: ElfCoreMemory
    /// All of A's RAM, as A sees it.
    public let regionAware: RegionAwarePhysicalMemory
    /// When recording: every page read from the ELF core, for `PageRecording`.
    public let recorder: RecordingPhysicalMemory?
    /// The mapped /proc/vmcore (nil when it is read with pread): its mapping statistics.
    public let mapped: MappedByteSource?

    /// Opens `vmcore` and walks the kexec indirection list. With `recording`,
    /// every page read (the control page, the indirection list, backup pages…)
    /// is kept in `recorder`.
    public static func open(vmcore: String, context: HibernationKernelContext,
                            recording: Bool = false) throws -> SystemKernelMemory {
        // mmap, not pread: reading old memory page by page costs an ioremap each.
        let source: any ByteSource
        do { source = try MappedByteSource(path: vmcore) } catch { source = try FileByteSource(path: vmcore) }
        let core = try ElfCoreFile(parsing: source)
        let outside = ElfCoreMemory(core: core, source: source)
        let recorder = recording ? RecordingPhysicalMemory(base: outside) : nil
        let aware = try RegionAwarePhysicalMemory(base: recorder ?? outside, region: context.region,
                                                  reentryPoint: context.reentryPoint)
        return SystemKernelMemory(core: core, outsideRegion: outside, regionAware: aware, recorder: recorder,
                                  mapped: source as? MappedByteSource)
    }
}
