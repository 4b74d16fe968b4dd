import Testing
@testable import KJumpCore

@Suite struct FirmwareMapMatchTests {
    /// The lab's system kernel (QEMU PVH entry) and its hibernation kernel at resume (QEMU BIOS path), measured.
    static let pvh = [
        E820Entry(address: 0, size: 0x9fc00, type: .usable),
        E820Entry(address: 0x9fc00, size: 0x60400, type: .reserved),
        E820Entry(address: 0x100000, size: 0x3feda000, type: .usable),
        E820Entry(address: 0x3ffda000, size: 0x26000, type: .reserved),
        E820Entry(address: 0xfffc0000, size: 0x40000, type: .reserved),
        E820Entry(address: 0xfd00000000, size: 0x300000000, type: .reserved),
    ]
    static let bios = [
        E820Entry(address: 0, size: 0x9fc00, type: .usable),
        E820Entry(address: 0x9fc00, size: 0x400, type: .reserved),
        E820Entry(address: 0xf0000, size: 0x10000, type: .reserved),
        E820Entry(address: 0x100000, size: 0x3feda000, type: .usable),
        E820Entry(address: 0x3ffda000, size: 0x26000, type: .reserved),
        E820Entry(address: 0xfffc0000, size: 0x40000, type: .reserved),
        E820Entry(address: 0xfd00000000, size: 0x300000000, type: .reserved),
    ]

    @Test func legacyAreaDifferencesBetweenBootPathsAreAccepted() {
        #expect(FirmwareMapMatch.difference(recorded: Self.pvh, current: Self.bios) == nil)
        #expect(FirmwareMapMatch.difference(recorded: Self.bios, current: Self.bios) == nil)
    }

    @Test func differentRAMIsRefused() {
        var smaller = Self.bios
        smaller[3] = E820Entry(address: 0x100000, size: 0x1fee0000, type: .usable)
        let reason = FirmwareMapMatch.difference(recorded: Self.pvh, current: smaller)
        #expect(reason?.hasPrefix("the RAM layout differs") == true)
    }

    @Test func movedFirmwareRangeAboveOneMiBIsRefused() {
        var moved = Self.bios
        moved[4] = E820Entry(address: 0x3ffda000, size: 0x26000, type: .acpiNVS)
        #expect(FirmwareMapMatch.difference(recorded: Self.bios, current: moved)?.contains("0x3ffda000") == true)
    }

    @Test func splitRAMRangesCompareEqual() {
        var split = Self.bios
        split[3] = E820Entry(address: 0x100000, size: 0x1000000, type: .usable)
        split.insert(E820Entry(address: 0x1100000, size: 0x3feda000 - 0x1000000, type: .usable), at: 4)
        #expect(FirmwareMapMatch.difference(recorded: Self.bios, current: split) == nil)
    }
}
