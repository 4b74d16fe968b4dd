/// The command line the hibernation kernel boots with at resume, when a boot
/// loader (not kexec) starts it: it confines H to R and keeps it away from
/// every page the system kernel uses.
///
/// `memmap=exactmap` replaces the firmware map; R becomes RAM (`SIZE@ADDR`);
/// the system kernel's RAM outside R becomes ACPI data (`SIZE#ADDR`), which
/// H never allocates but its kexec identity map covers (so the jump to the
/// re-entry point does not fault); other firmware ranges stay reserved
/// (`SIZE$ADDR`, written `\$` where a boot loader needs it).
public struct RestorerCommandLine: Sendable, Equatable {
    /// The words, in order.
    public var words: [String]

    /// - Parameters:
    ///   - region: R.
    ///   - firmwareMemoryMap: the system kernel's firmware map.
    ///   - role/extra: `kjump.role=` and further words (console=, kjump.resume=…).
    public init(region: HibernationRegion, firmwareMemoryMap: [E820Entry], extra: [String]) {
        // Every CPU: the restorer decompresses on all of them.
        var words = HibernationKernelArguments.common + ["memmap=exactmap"]
        for range in region.ranges {
            words.append("memmap=\(Self.size(range.size))@\(HexText.number(range.start))")
        }
        for entry in firmwareMemoryMap.sorted(by: { $0.address < $1.address }) {
            let pieces = PhysicalRange.subtracting(region.ranges, from: [entry.range])
            for piece in pieces where piece.size > 0 {
                let marker = entry.type == .usable ? "#" : "$"
                words.append("memmap=\(Self.size(piece.size))\(marker)\(HexText.number(piece.start))")
            }
        }
        self.words = words + extra
    }

    /// The line, space separated.
    public var text: String { words.joined(separator: " ") }

    /// A size in the kernel's memparse syntax: K or M when exact, else bytes in hex.
    static func size(_ bytes: UInt64) -> String {
        if bytes % (1 << 20) == 0 { return "\(bytes >> 20)M" }
        if bytes % (1 << 10) == 0 { return "\(bytes >> 10)K" }
        return HexText.number(bytes)
    }
}
