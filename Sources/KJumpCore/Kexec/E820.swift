/// The type of an e820 memory map entry (`enum e820_type`,
/// `arch/x86/include/asm/e820/types.h`).
public struct E820Type: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt32

    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `E820_TYPE_RAM`: memory the kernel may use.
    public static let usable = E820Type(rawValue: 1)
    /// `E820_TYPE_RESERVED`.
    public static let reserved = E820Type(rawValue: 2)
    /// `E820_TYPE_ACPI`: ACPI tables, reclaimable once read.
    public static let acpiData = E820Type(rawValue: 3)
    /// `E820_TYPE_NVS`: ACPI non-volatile storage. The kernel maps these ranges
    /// early, which is why the purgatory uses this type for the re-entry page.
    public static let acpiNVS = E820Type(rawValue: 4)
    /// `E820_TYPE_UNUSABLE`.
    public static let unusable = E820Type(rawValue: 5)
    /// `E820_TYPE_PMEM`.
    public static let persistentMemory = E820Type(rawValue: 7)
    /// `E820_TYPE_PRAM`: persistent memory in the pre-ACPI 6.0 convention.
    public static let legacyPersistentMemory = E820Type(rawValue: 12)
    /// `E820_TYPE_SOFT_RESERVED`: specific-purpose memory, reserved unless a driver claims it.
    public static let softReserved = E820Type(rawValue: 0xefff_ffff)

    /// The type as the kernel prints its e820 map at boot ("usable", "ACPI NVS", "type 6", …).
    public var name: String {
        switch self {
        case .usable: "usable"
        case .reserved: "reserved"
        case .acpiData: "ACPI data"
        case .acpiNVS: "ACPI NVS"
        case .unusable: "unusable"
        case .persistentMemory: "persistent memory"
        case .legacyPersistentMemory: "persistent memory (legacy)"
        case .softReserved: "soft reserved"
        default: "type \(rawValue)"
        }
    }

    public var description: String { name }

    /// The `type` file of a `/sys/firmware/memmap/N` entry (`e820_type_to_string()`
    /// in `arch/x86/kernel/e820.c`); nil for "Unknown E820 type".
    public var memmapName: String? {
        Self.memmapNames.first { $0.type == self }?.name
    }

    /// Parses the `type` file of a `/sys/firmware/memmap/N` entry, e.g. "System RAM".
    /// Surrounding spaces and line ends are ignored; nil for "Unknown E820 type"
    /// and any other text.
    public init?(memmapName: some StringProtocol) {
        let name = memmapName.trimmingSpaces()
        guard let known = Self.memmapNames.first(where: { $0.name == name }) else { return nil }
        self = known.type
    }

    private static let memmapNames: [(name: String, type: E820Type)] = [
        ("System RAM", .usable),
        ("Reserved", .reserved),
        ("ACPI Tables", .acpiData),
        ("ACPI Non-volatile Storage", .acpiNVS),
        ("Unusable memory", .unusable),
        ("Persistent Memory", .persistentMemory),
        ("Persistent Memory (legacy)", .legacyPersistentMemory),
        ("Soft Reserved", .softReserved),
    ]
}

/// One entry of an e820 memory map: `size` bytes from `address`, of one type
/// (`struct boot_e820_entry`).
public struct E820Entry: Sendable, Equatable, CustomStringConvertible {
    public var address: UInt64
    public var size: UInt64
    public var type: E820Type

    public init(address: UInt64, size: UInt64, type: E820Type) {
        self.address = address
        self.size = size
        self.type = type
    }

    /// The entry covering `range`.
    public init(range: PhysicalRange, type: E820Type) {
        self.init(address: range.start, size: range.size, type: type)
    }

    /// Parses the three files of a `/sys/firmware/memmap/N` entry: `start` and
    /// `end` in hexadecimal ("0x9fbff"), `end` being the **last** byte of the
    /// range, and `type` (see `E820Type(memmapName:)`). Nil if any does not parse.
    public init?(memmapStart start: some StringProtocol, end: some StringProtocol, type: some StringProtocol) {
        guard let first = Self.hexAddress(start), let last = Self.hexAddress(end), first <= last,
              let type = E820Type(memmapName: type) else { return nil }
        self.init(address: first, size: last - first &+ 1, type: type)
    }

    /// `[address, address + size)`; the end is clamped at 2^64 − 1.
    public var range: PhysicalRange {
        let (end, overflow) = address.addingReportingOverflow(size)
        return PhysicalRange(start: address, end: overflow ? .max : end)
    }

    public var description: String { "\(range) \(type.name)" }

    private static func hexAddress(_ text: some StringProtocol) -> UInt64? {
        let trimmed = text.trimmingSpaces()
        guard trimmed.hasPrefix("0x") || trimmed.hasPrefix("0X") else { return nil }
        return UInt64(trimmed.dropFirst(2), radix: 16)
    }
}

/// The e820 memory map as the x86 boot protocol passes it in `boot_params`.
public enum E820 {
    /// Bytes of one packed entry: u64 address, u64 size, u32 type, little-endian.
    public static let entrySize = 20
    /// `E820_MAX_ENTRIES_ZEROPAGE`: the capacity of `boot_params.e820_table`.
    public static let maxZeroPageEntries = 128

    /// The entries packed as `struct boot_e820_entry` values, 20 bytes each, little-endian.
    public static func encode(_ entries: [E820Entry]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(entries.count * entrySize)
        for entry in entries {
            bytes.appendLittleEndian(entry.address)
            bytes.appendLittleEndian(entry.size)
            bytes.appendLittleEndian(entry.type.rawValue)
        }
        return bytes
    }

    /// Reads `count` packed entries from the start of `bytes`, which must hold them.
    public static func decode(_ bytes: ArraySlice<UInt8>, count: Int) -> [E820Entry] {
        precondition(bytes.count >= count * entrySize, "\(count) e820 entries need \(count * entrySize) bytes")
        return (0..<count).map { index in
            let offset = index * entrySize
            return E820Entry(address: bytes.littleEndian(UInt64.self, at: offset),
                             size: bytes.littleEndian(UInt64.self, at: offset + 8),
                             type: E820Type(rawValue: bytes.littleEndian(UInt32.self, at: offset + 16)))
        }
    }
}

extension Array<UInt8> {
    /// Appends `value` in little-endian byte order.
    mutating func appendLittleEndian<Value: FixedWidthInteger>(_ value: Value) {
        for byte in 0..<MemoryLayout<Value>.size {
            append(UInt8(truncatingIfNeeded: value >> (8 * byte)))
        }
    }
}
