import KJumpCore

/// The frozen system kernel's memory, seen from the hibernation kernel:
/// `/proc/vmcore` for A's RAM outside R, and the kexec backup pages (found
/// through A's control page) for A's contents of R.
public struct SystemKernelMemory {
    /// A's RAM outside R, from the ELF core.
    public let outsideRegion: ElfCoreMemory
    /// All of A's RAM, as A sees it.
    public let regionAware: RegionAwarePhysicalMemory

    /// Opens `vmcore` and walks the kexec indirection list.
    public static func open(vmcore: String, context: HibernationKernelContext) throws -> SystemKernelMemory {
        let source = try FileByteSource(path: vmcore)
        let outside = try ElfCoreMemory(source: source)
        let aware = try RegionAwarePhysicalMemory(base: outside, region: HibernationRegion(ranges: context.region),
                                                  reentryPoint: context.reentryPoint)
        return SystemKernelMemory(outsideRegion: outside, regionAware: aware)
    }
}
