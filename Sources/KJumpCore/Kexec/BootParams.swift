/// The x86 "zero page", `struct boot_params` (`arch/x86/include/uapi/asm/bootparam.h`,
/// `Documentation/arch/x86/zero-page.rst` and `boot.rst`): the 4096 bytes a
/// boot loader hands to the kernel's 64-bit entry point in `%rsi`.
///
/// kjump fills only what the boot protocol asks of a loader that enters at
/// the 64-bit entry point; everything else stays zero:
///
/// | offset | C field | size | value written |
/// |---|---|---|---|
/// | 0x070 | `acpi_rsdp_addr` | u64 | 0 (the kernel searches for the RSDP) |
/// | 0x0c0 | `ext_ramdisk_image` | u32 | 0: no initrd (H's initramfs is built in) |
/// | 0x0c4 | `ext_ramdisk_size` | u32 | 0 |
/// | 0x0c8 | `ext_cmd_line_ptr` | u32 | high 32 bits of the command line address |
/// | 0x1e8 | `e820_entries` | u8 | number of entries in `e820_table` |
/// | 0x1ef | `sentinel` | u8 | 0 (nonzero would make the kernel clear fields it distrusts) |
/// | 0x1f1 | `hdr` (`struct setup_header`) | 0x202 + byte 0x201 − 0x1f1 | copied from the bzImage |
/// | 0x210 | `hdr.type_of_loader` | u8 | 0xff: undefined loader |
/// | 0x211 | `hdr.loadflags` | u8 | as in the bzImage (`LOADED_HIGH`, bit 0, set) |
/// | 0x218 | `hdr.ramdisk_image` | u32 | 0 |
/// | 0x21c | `hdr.ramdisk_size` | u32 | 0 |
/// | 0x228 | `hdr.cmd_line_ptr` | u32 | low 32 bits of the command line address |
/// | 0x250 | `hdr.setup_data` | u64 | 0: no `struct setup_data` list |
/// | 0x290 | `edd_mbr_sig_buffer` | 16 × u32 | 0; the setup header must end before it |
/// | 0x2d0 | `e820_table` | 128 × 20 bytes | `struct boot_e820_entry` values (`E820.encode`) |
///
/// The offsets are public because the purgatory, in assembly, appends one
/// e820 entry at run time: it writes the entry at
/// `e820TableOffset + e820_entries × 20` and increments the byte at
/// `e820EntriesOffset`. It needs a free slot, so give `make` at most 127 entries.
public enum BootParams {
    /// Size of `struct boot_params`: one page.
    public static let size = 4096

    /// `acpi_rsdp_addr` (u64).
    public static let acpiRSDPAddressOffset = 0x070
    /// `ext_ramdisk_image` (u32): high 32 bits of the initrd address.
    public static let extendedRamdiskImageOffset = 0x0c0
    /// `ext_ramdisk_size` (u32): high 32 bits of the initrd size.
    public static let extendedRamdiskSizeOffset = 0x0c4
    /// `ext_cmd_line_ptr` (u32): high 32 bits of the command line address.
    public static let extendedCommandLinePointerOffset = 0x0c8
    /// `e820_entries` (u8): how many entries of `e820_table` are valid.
    public static let e820EntriesOffset = 0x1e8
    /// `sentinel` (u8): must stay 0 in boot_params a loader built itself.
    public static let sentinelOffset = 0x1ef
    /// `hdr`: the setup header, copied from the bzImage.
    public static let setupHeaderOffset = BzImageHeader.setupHeaderOffset
    /// `hdr.type_of_loader` (u8).
    public static let typeOfLoaderOffset = 0x210
    /// `hdr.loadflags` (u8).
    public static let loadFlagsOffset = 0x211
    /// `hdr.ramdisk_image` (u32): low 32 bits of the initrd address.
    public static let ramdiskImageOffset = 0x218
    /// `hdr.ramdisk_size` (u32): low 32 bits of the initrd size.
    public static let ramdiskSizeOffset = 0x21c
    /// `hdr.cmd_line_ptr` (u32): low 32 bits of the command line address.
    public static let commandLinePointerOffset = 0x228
    /// `hdr.setup_data` (u64): physical address of a `struct setup_data` list.
    public static let setupDataOffset = 0x250
    /// `e820_table`: `E820.maxZeroPageEntries` packed `struct boot_e820_entry` values.
    public static let e820TableOffset = 0x2d0

    /// `type_of_loader` value for a boot loader without an assigned ID.
    public static let undefinedLoaderType: UInt8 = 0xff

    /// The boot parameters for `image`, with its command line (a NUL-terminated
    /// string) at `commandLineAddress` and the memory map `e820`.
    public static func make(image: BzImage, commandLineAddress: UInt64,
                            e820: [E820Entry]) throws(BootProtocolError) -> [UInt8] {
        try make(header: image.header, commandLineAddress: commandLineAddress, e820: e820)
    }

    /// The boot parameters for a kernel with setup header `header`; see `make(image:commandLineAddress:e820:)`.
    public static func make(header: BzImageHeader, commandLineAddress: UInt64,
                            e820: [E820Entry]) throws(BootProtocolError) -> [UInt8] {
        guard e820.count <= E820.maxZeroPageEntries else { throw .tooManyE820Entries(e820.count) }
        var page = [UInt8](repeating: 0, count: size)

        let headerBytes = header.setupHeader
        page.replaceSubrange(setupHeaderOffset..<setupHeaderOffset + headerBytes.count, with: headerBytes)
        page[typeOfLoaderOffset] = undefinedLoaderType
        page.storeLittleEndian(UInt32(0), at: ramdiskImageOffset)
        page.storeLittleEndian(UInt32(0), at: ramdiskSizeOffset)
        page.storeLittleEndian(UInt32(0), at: extendedRamdiskImageOffset)
        page.storeLittleEndian(UInt32(0), at: extendedRamdiskSizeOffset)
        page.storeLittleEndian(UInt64(0), at: setupDataOffset)
        page.storeLittleEndian(UInt32(truncatingIfNeeded: commandLineAddress), at: commandLinePointerOffset)
        page.storeLittleEndian(UInt32(truncatingIfNeeded: commandLineAddress >> 32),
                               at: extendedCommandLinePointerOffset)

        let table = E820.encode(e820)
        page[e820EntriesOffset] = UInt8(e820.count)
        page.replaceSubrange(e820TableOffset..<e820TableOffset + table.count, with: table)
        return page
    }
}
