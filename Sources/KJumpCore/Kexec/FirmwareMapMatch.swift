/// Whether the machine at resume is the machine the image was made on, as
/// far as memory goes.
///
/// The RAM layout (usable ranges) must be identical: the image's pages go
/// back to exactly those addresses, and the system kernel assumes them.
/// Non-RAM ranges must match too, except below 1 MiB, whose legacy layout
/// depends on the boot path rather than on the machine (measured: QEMU's PVH
/// entry reports [0x9fc00, 0x100000) as one reserved range, its BIOS path
/// reports [0x9fc00, 0xa0000) and [0xf0000, 0x100000)).
public enum FirmwareMapMatch {
    /// nil when the maps match for resuming; otherwise the first difference, as a sentence.
    public static func difference(recorded: [E820Entry], current: [E820Entry]) -> String? {
        let recordedRAM = normalized(recorded.filter { $0.type == .usable }.map(\.range))
        let currentRAM = normalized(current.filter { $0.type == .usable }.map(\.range))
        if recordedRAM != currentRAM {
            return "the RAM layout differs: the image was made with RAM at "
                + recordedRAM.map(\.description).joined(separator: " ") + ", this boot has "
                + currentRAM.map(\.description).joined(separator: " ")
        }
        let legacyEnd: UInt64 = 1 << 20
        let recordedOther = recorded.filter { $0.type != .usable && $0.range.end > legacyEnd }
        let currentOther = current.filter { $0.type != .usable && $0.range.end > legacyEnd }
        if recordedOther != currentOther {
            let missing = recordedOther.first { !currentOther.contains($0) } ?? currentOther.first { !recordedOther.contains($0) }!
            return "the firmware range \(missing) is not the same in the image and in this boot"
        }
        return nil
    }

    /// Sorted, with touching ranges merged (firmware may split RAM differently).
    static func normalized(_ ranges: [PhysicalRange]) -> [PhysicalRange] {
        var out: [PhysicalRange] = []
        for range in ranges.sorted(by: { $0.start < $1.start }) {
            if let last = out.last, last.end >= range.start {
                out[out.count - 1].end = max(last.end, range.end)
            } else {
                out.append(range)
            }
        }
        return out
    }
}
