/// A half-open range of physical addresses `[start, end)`.
public struct PhysicalRange: Sendable, Equatable, CustomStringConvertible {
    public var start: UInt64
    public var end: UInt64

    public init(start: UInt64, end: UInt64) {
        precondition(start <= end, "a physical range must not end before it starts")
        self.start = start
        self.end = end
    }

    /// Number of bytes in the range.
    public var size: UInt64 { end - start }

    public var description: String {
        "[0x" + String(start, radix: 16) + ", 0x" + String(end, radix: 16) + ")"
    }
}

/// The H region R: the physical memory the hibernation kernel may use.
/// Low memory below 640 KiB (the real-mode trampoline needs it) plus one
/// block starting at 1 MiB.
public struct HibernationRegion: Sendable, Equatable {
    /// The ranges of R, in ascending order.
    public var ranges: [PhysicalRange]

    /// The base size of the block at 1 MiB: H's kernel, its initramfs and
    /// the image code's working memory (`ImageMemoryBudget`) fit in it, and
    /// it is the least `--region-mib` accepts. Every page of R costs the
    /// kexec load and a page swap at each jump (relocate_kernel copies it
    /// three times): measured in the lab (TCG, 1 GiB guest), the swap back at
    /// resume took 0.8 s for 96 MiB, and the whole jump back 0.93 s with
    /// 64 MiB against 1.08 s with 96 MiB and 1.23 s with 192 MiB.
    public static let defaultMainBlockBytes: UInt64 = 64 << 20

    /// The block kjump uses unless told otherwise: the base size plus 1 MiB
    /// per GiB of the system's RAM (rounded up), because the image's index,
    /// which H holds while it saves and restores, grows with the memory
    /// saved (about 0.8 MiB per GiB in the lab, where free and used pages
    /// alternate finely).
    public static func recommendedMainBlockBytes(systemRAMBytes: UInt64) -> UInt64 {
        let gib: UInt64 = 1 << 30
        return defaultMainBlockBytes + (systemRAMBytes + gib - 1) / gib * (1 << 20)
    }

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
