/// The setup header of an x86 Linux bzImage: what a boot loader must know
/// before it loads the kernel (`Documentation/arch/x86/boot.rst`).
///
/// Parsing needs only the real-mode setup part of the file, the first
/// `payloadOffset` bytes, so a prefix of a bzImage is enough. `BzImage`
/// adds the protected-mode kernel that follows it.
///
/// Only kernels kjump can start are accepted: boot protocol 2.12 or later,
/// a 64-bit entry point (`XLF_KERNEL_64`) and a relocatable kernel.
///
/// | offset | C field (`struct setup_header`) | here |
/// |---|---|---|
/// | 0x1f1 | `setup_sects` (u8, 0 means 4) | `setupSectors` |
/// | 0x1f4 | `syssize` (u32, 16-byte paragraphs) | `protectedModeKernelSize` |
/// | 0x1fe | `boot_flag` (u16, 0xAA55) | checked |
/// | 0x200 | `jump` (the byte at 0x201 gives the header's length) | `setupHeader` |
/// | 0x202 | `header` ("HdrS") | checked |
/// | 0x206 | `version` (u16) | `protocolVersion` |
/// | 0x20e | `kernel_version` (u16, string at 0x200 + value) | `kernelVersionString` |
/// | 0x211 | `loadflags` (u8) | `loadFlags` |
/// | 0x230 | `kernel_alignment` (u32) | `kernelAlignment` |
/// | 0x234 | `relocatable_kernel` (u8) | `isRelocatable` |
/// | 0x236 | `xloadflags` (u16) | `extendedLoadFlags` |
/// | 0x238 | `cmdline_size` (u32) | `commandLineSizeLimit` |
/// | 0x258 | `pref_address` (u64) | `preferredAddress` |
/// | 0x260 | `init_size` (u32) | `initSize` |
public struct BzImageHeader: Sendable, Equatable {
    /// Bytes read before anything else is checked: the boot sector and the
    /// first setup sector, which hold the whole setup header.
    public static let minimumBytes = 1024
    /// Boot protocol 2.12 added `XLF_KERNEL_64` and `ext_cmd_line_ptr`.
    public static let minimumProtocolVersion: UInt16 = 0x020c
    /// Where the setup header starts, in the file and in `boot_params`.
    public static let setupHeaderOffset = 0x1f1
    /// The boot protocol 2.12 fields reach up to `init_size` (0x260–0x263).
    public static let minimumSetupHeaderEnd = 0x264
    /// `boot_params` continues with `edd_mbr_sig_buffer` at 0x290.
    public static let maximumSetupHeaderEnd = 0x290

    /// `loadflags` bit 0: the protected-mode kernel is loaded at 1 MiB or above.
    public static let loadedHighFlag: UInt8 = 1 << 0
    /// `xloadflags` bit 0: the kernel has a 64-bit entry point at load address + 0x200.
    public static let kernel64Flag: UInt16 = 1 << 0
    /// `xloadflags` bit 1: the kernel, boot_params and command line may live above 4 GiB.
    public static let canBeLoadedAbove4GFlag: UInt16 = 1 << 1

    /// `version`, e.g. 0x020f for boot protocol 2.15.
    public let protocolVersion: UInt16
    /// `setup_sects`: 512-byte sectors of real-mode setup after the boot sector (a 0 in the file means 4).
    public let setupSectors: Int
    /// `loadflags`.
    public let loadFlags: UInt8
    /// `xloadflags`.
    public let extendedLoadFlags: UInt16
    /// `kernel_alignment`: the physical alignment the kernel needs when relocated.
    public let kernelAlignment: UInt32
    /// `relocatable_kernel` is nonzero.
    public let isRelocatable: Bool
    /// `pref_address`: the load address the kernel was linked for.
    public let preferredAddress: UInt64
    /// `init_size`: bytes the kernel needs from its load address until it has set itself up.
    public let initSize: UInt32
    /// `cmdline_size`: the longest command line, without its terminating NUL.
    public let commandLineSizeLimit: UInt32
    /// `syssize` × 16: the length of the protected-mode kernel that follows the setup.
    public let protectedModeKernelSize: Int
    /// The string `kernel_version` points at, e.g. "6.12.117 (root@vm) #1 SMP …"; nil when absent.
    public let kernelVersionString: String?
    /// The setup header as the kernel defines its length: from 0x1f1 up to
    /// 0x202 + the byte at 0x201. A boot loader copies it into `boot_params` at 0x1f1.
    public let setupHeader: ArraySlice<UInt8>

    /// Parses and checks the setup header at the start of `bytes`, which must
    /// hold at least the whole real-mode setup (`payloadOffset` bytes).
    public init(parsing bytes: [UInt8]) throws(BootProtocolError) {
        guard bytes.count >= Self.minimumBytes else {
            throw .truncatedHeader(fileLength: bytes.count, needed: Self.minimumBytes)
        }
        let bootFlag = bytes.littleEndian(UInt16.self, at: 0x1fe)
        guard bootFlag == 0xaa55 else { throw .badBootFlag(found: bootFlag) }
        let magic = bytes.littleEndian(UInt32.self, at: 0x202)
        guard magic == Self.headerMagic else { throw .missingHeaderMagic(found: magic) }
        protocolVersion = bytes.littleEndian(UInt16.self, at: 0x206)
        guard protocolVersion >= Self.minimumProtocolVersion else {
            throw .protocolTooOld(version: protocolVersion)
        }
        let headerEnd = 0x202 + Int(bytes[0x201])
        guard headerEnd >= Self.minimumSetupHeaderEnd else { throw .setupHeaderTooShort(end: headerEnd) }
        guard headerEnd <= Self.maximumSetupHeaderEnd else { throw .setupHeaderTooLong(end: headerEnd) }
        setupHeader = bytes[Self.setupHeaderOffset..<headerEnd]

        extendedLoadFlags = bytes.littleEndian(UInt16.self, at: 0x236)
        guard extendedLoadFlags & Self.kernel64Flag != 0 else {
            throw .no64BitEntry(extendedLoadFlags: extendedLoadFlags)
        }
        isRelocatable = bytes[0x234] != 0
        guard isRelocatable else { throw .notRelocatable }
        initSize = bytes.littleEndian(UInt32.self, at: 0x260)
        guard initSize != 0 else { throw .zeroInitSize }

        let sectors = Int(bytes[0x1f1])
        setupSectors = sectors == 0 ? 4 : sectors
        let setupEnd = (setupSectors + 1) * 512
        guard bytes.count >= setupEnd else {
            throw .truncatedSetup(fileLength: bytes.count, setupEnd: setupEnd)
        }
        protectedModeKernelSize = Int(bytes.littleEndian(UInt32.self, at: 0x1f4)) * 16
        guard protectedModeKernelSize > 0 else { throw .emptyPayload }

        loadFlags = bytes[0x211]
        kernelAlignment = bytes.littleEndian(UInt32.self, at: 0x230)
        commandLineSizeLimit = bytes.littleEndian(UInt32.self, at: 0x238)
        preferredAddress = bytes.littleEndian(UInt64.self, at: 0x258)
        kernelVersionString = Self.kernelVersion(in: bytes[..<setupEnd],
                                                 pointer: bytes.littleEndian(UInt16.self, at: 0x20e))
    }

    /// Offset in the file of the protected-mode kernel: `(setup_sects + 1) × 512`.
    /// (Not the header's `payload_offset` field, which locates the compressed
    /// kernel inside the protected-mode part.)
    public var payloadOffset: Int { (setupSectors + 1) * 512 }

    /// `XLF_KERNEL_64`: the kernel can be entered in 64-bit mode at load address + 0x200.
    public var supports64BitEntry: Bool { extendedLoadFlags & Self.kernel64Flag != 0 }

    /// `LOADED_HIGH`: the protected-mode kernel runs at 1 MiB or above.
    public var isLoadedHigh: Bool { loadFlags & Self.loadedHighFlag != 0 }

    /// `XLF_CAN_BE_LOADED_ABOVE_4G`.
    public var canBeLoadedAbove4G: Bool { extendedLoadFlags & Self.canBeLoadedAbove4GFlag != 0 }

    /// The protocol version as people write it, e.g. "2.15".
    public var protocolVersionText: String { BootProtocolError.versionText(protocolVersion) }

    /// "HdrS" read as a little-endian u32.
    static let headerMagic: UInt32 = 0x5372_6448

    private static func kernelVersion(in setup: ArraySlice<UInt8>, pointer: UInt16) -> String? {
        guard pointer != 0 else { return nil }
        let start = 0x200 + Int(pointer)
        guard start < setup.endIndex, let end = setup[start...].firstIndex(of: 0) else { return nil }
        return String(decoding: setup[start..<end], as: UTF8.self)
    }
}

/// A whole x86 Linux bzImage: the checked setup header and the protected-mode
/// kernel that a boot loader copies to the load address. The header's fields
/// read directly on the image, e.g. `image.initSize`.
@dynamicMemberLookup
public struct BzImage: Sendable {
    /// The 64-bit entry point, relative to the load address (boot protocol 2.12+).
    public static let entryPoint64Offset: UInt64 = 0x200

    /// The checked setup header.
    public let header: BzImageHeader
    /// The bytes from `payloadOffset` to the end of the file: what gets loaded at the load address.
    public let protectedModeKernel: ArraySlice<UInt8>

    /// Parses a complete bzImage; the file must be at least as long as `syssize` says.
    public init(parsing bytes: [UInt8]) throws(BootProtocolError) {
        header = try BzImageHeader(parsing: bytes)
        let payloadEnd = header.payloadOffset + header.protectedModeKernelSize
        guard bytes.count >= payloadEnd else {
            throw .truncatedPayload(fileLength: bytes.count, payloadEnd: payloadEnd)
        }
        protectedModeKernel = bytes[header.payloadOffset...]
    }

    /// Parses only the setup header; a prefix of the file holding the real-mode setup is enough.
    public static func parseHeader(_ bytes: [UInt8]) throws(BootProtocolError) -> BzImageHeader {
        try BzImageHeader(parsing: bytes)
    }

    public subscript<Value>(dynamicMember field: KeyPath<BzImageHeader, Value>) -> Value {
        header[keyPath: field]
    }

    /// Bytes the kernel occupies from its load address until it has set itself
    /// up: `init_size`, or the protected-mode kernel if that is longer.
    public var loadMemorySize: UInt64 {
        max(UInt64(header.initSize), UInt64(protectedModeKernel.count))
    }
}

/// Why a bzImage cannot be booted, or its boot parameters cannot be built.
public enum BootProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file is shorter than the boot sector and setup header.
    case truncatedHeader(fileLength: Int, needed: Int)
    /// `boot_flag` at 0x1fe is not 0xAA55.
    case badBootFlag(found: UInt16)
    /// `header` at 0x202 is not "HdrS" (`found` read as a little-endian u32).
    case missingHeaderMagic(found: UInt32)
    /// `version` at 0x206 is below 2.12.
    case protocolTooOld(version: UInt16)
    /// The header length byte at 0x201 ends the header before `init_size`.
    case setupHeaderTooShort(end: Int)
    /// The header length byte at 0x201 ends the header past its room in `boot_params`.
    case setupHeaderTooLong(end: Int)
    /// `XLF_KERNEL_64` is clear in `xloadflags`.
    case no64BitEntry(extendedLoadFlags: UInt16)
    /// `relocatable_kernel` is 0.
    case notRelocatable
    /// `init_size` is 0.
    case zeroInitSize
    /// The file ends inside the real-mode setup that `setup_sects` announces.
    case truncatedSetup(fileLength: Int, setupEnd: Int)
    /// `syssize` is 0.
    case emptyPayload
    /// The file ends before the protected-mode kernel that `syssize` announces.
    case truncatedPayload(fileLength: Int, payloadEnd: Int)
    /// More e820 entries than `boot_params.e820_table` holds.
    case tooManyE820Entries(Int)

    public var description: String {
        switch self {
        case let .truncatedHeader(fileLength, needed):
            "the file ends at byte \(fileLength), but a bzImage setup header needs \(needed) bytes"
        case let .badBootFlag(found):
            "no boot flag 0xaa55 at offset 0x1fe (found \(HexText.number(found, digits: 4))): this is not a Linux boot image"
        case let .missingHeaderMagic(found):
            "no \"HdrS\" magic at offset 0x202 (found \(HexText.number(found, digits: 8))): this is not a Linux bzImage"
        case let .protocolTooOld(version):
            "boot protocol \(Self.versionText(version)) is too old: kjump needs 2.12 or later (64-bit entry)"
        case let .setupHeaderTooShort(end):
            "the setup header ends at offset \(HexText.number(end)) (0x202 + the byte at 0x201), "
                + "before the end of init_size at 0x264: it is too short for boot protocol 2.12"
        case let .setupHeaderTooLong(end):
            "the setup header ends at offset \(HexText.number(end)) (0x202 + the byte at 0x201), "
                + "past 0x290 where boot_params holds other fields"
        case let .no64BitEntry(flags):
            "the kernel has no 64-bit entry point: XLF_KERNEL_64 is clear in xloadflags "
                + "\(HexText.number(flags, digits: 4)) at offset 0x236"
        case .notRelocatable:
            "the kernel is not relocatable (relocatable_kernel at offset 0x234 is 0), "
                + "but kjump loads it at an address of its own choosing"
        case .zeroInitSize:
            "init_size at offset 0x260 is 0: the kernel does not say how much memory it needs"
        case let .truncatedSetup(fileLength, setupEnd):
            "the file ends at byte \(fileLength), but setup_sects at offset 0x1f1 says "
                + "the real-mode setup ends at byte \(setupEnd)"
        case .emptyPayload:
            "syssize at offset 0x1f4 is 0: the bzImage has no protected-mode kernel"
        case let .truncatedPayload(fileLength, payloadEnd):
            "the file ends at byte \(fileLength), but syssize at offset 0x1f4 says "
                + "the protected-mode kernel ends at byte \(payloadEnd): the bzImage is truncated"
        case let .tooManyE820Entries(count):
            "\(count) e820 entries do not fit in boot_params, which holds at most \(E820.maxZeroPageEntries)"
        }
    }

    /// "2.15" for 0x020f: the minor number is the low byte, in decimal, two digits.
    static func versionText(_ version: UInt16) -> String {
        let minor = String(version & 0xff)
        return String(version >> 8) + "." + (minor.count < 2 ? "0" + minor : minor)
    }
}

extension RandomAccessCollection<UInt8> where Index == Int {
    /// The little-endian integer at `offset` from the start of the collection.
    func littleEndian<Value: FixedWidthInteger & UnsignedInteger>(_: Value.Type, at offset: Int) -> Value {
        var value: Value = 0
        for byte in 0..<MemoryLayout<Value>.size {
            value |= Value(self[startIndex + offset + byte]) << (8 * byte)
        }
        return value
    }
}
