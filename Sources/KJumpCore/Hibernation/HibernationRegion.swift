/// The H region R: the physical memory the hibernation kernel may use.
/// Low memory below 640 KiB (the real-mode trampoline needs it) plus one
/// block starting at 1 MiB.
public struct HibernationRegion: Sendable, Equatable {
    /// The ranges of R, in ascending order.
    public var ranges: [PhysicalRange]

    /// The least block at 1 MiB that `--region-mib` accepts.
    public static let minimumMainBlockBytes: UInt64 = 64 << 20

    /// The block kjump uses unless told otherwise, the same for every
    /// system: H's kernel and initramfs (about 40 MiB once booted) and the
    /// image code's working memory (`ImageMemoryBudget`: 24 MiB for one
    /// thread, 30 MiB for two), none of which grows with the system's RAM
    /// (the index is spilled and streamed, /proc/vmcore is mapped in
    /// windows). Every page of R costs the kexec load and a page swap at
    /// each jump (relocate_kernel copies it three times): measured in the
    /// lab (TCG, 1 GiB guest), the whole jump back took 0.93 s with 64 MiB,
    /// 1.08 s with 96 MiB and 1.23 s with 192 MiB.
    public static let defaultMainBlockBytes: UInt64 = 80 << 20

    /// R with a main block of `mainBlockBytes` at 1 MiB.
    public init(mainBlockBytes: UInt64 = HibernationRegion.defaultMainBlockBytes) {
        ranges = [
            PhysicalRange(start: 0x1000, end: 0x9f000),
            PhysicalRange(start: 1 << 20, end: (1 << 20) + mainBlockBytes),
        ]
    }

    /// R given as explicit ranges (as the hibernation kernel reads them from `kjump.region=`).
    public init(ranges: [PhysicalRange]) {
        self.ranges = ranges.sorted { $0.start < $1.start }
    }

    /// Total bytes of R. The system kernel needs about this much free memory
    /// to jump, because every page of R is swapped out to a page it allocates.
    public var totalBytes: UInt64 { ranges.reduce(0) { $0 + $1.size } }
}
