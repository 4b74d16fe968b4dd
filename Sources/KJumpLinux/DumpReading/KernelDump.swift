import KJumpCore

/// A dumped kernel's memory and VMCOREINFO, from an ELF vmcore
/// (`/proc/vmcore`, a QEMU dump) or a kjump image, whichever `path` holds.
public struct KernelDump {
    public let path: String
    public let format: DumpFormat
    public let vmcoreInfo: VmcoreInfo
    /// The kernel's RAM by physical address; pages a filtered dump left out are absent.
    public let memory: any PhysicalMemory

    /// Opens `path`, tells the format by its magic, and finds VMCOREINFO (the
    /// ELF note, or the image header's `vmcoreinfo` note). An image is
    /// checked as `kjump verify` does, except for the frames' contents, which
    /// are checked as they are read; a crash dump and a hibernation image
    /// read alike (`ImageSystemMemory`). A sealed image needs `unwrapper`.
    public static func open(path: String, unwrapper: (any ImageKeyUnwrapper)? = nil) throws -> KernelDump {
        let source = try ImageFile.source(path: path)
        let magic = try source.read(at: 0, count: Int(min(source.size, UInt64(DumpFormat.magicLength))))
        guard let format = DumpFormat(magic: magic) else { throw KernelDumpError.unknownFormat(path: path, magic: magic) }
        switch format {
        case .elfCore:
            let core = try ElfCoreFile(parsing: source)
            guard let info = VmcoreInfo(notes: core.notes) else { throw KernelDumpError.noVmcoreinfo(path: path, format: format) }
            return KernelDump(path: path, format: format, vmcoreInfo: info, memory: ElfCoreMemory(core: core, source: source))
        case .kjumpImage:
            let reader = try ImageReader(source: source, unwrapper: unwrapper)
            guard let text = reader.header.note(ImageNote.vmcoreinfoKey) else {
                throw KernelDumpError.noVmcoreinfo(path: path, format: format)
            }
            // A hibernation image keeps A's contents of R in kexec backup pages: read as A saw it.
            return KernelDump(path: path, format: format, vmcoreInfo: VmcoreInfo(text: text),
                              memory: try ImageSystemMemory(reader: reader))
        }
    }
}

/// Why a file could not be opened as a kernel dump.
public enum KernelDumpError: Error, Equatable, CustomStringConvertible {
    /// The file starts with neither the ELF magic nor `KJUMPIMG`.
    case unknownFormat(path: String, magic: [UInt8])
    /// The dump carries no VMCOREINFO, so nothing in it can be located.
    case noVmcoreinfo(path: String, format: DumpFormat)

    public var description: String {
        switch self {
        case let .unknownFormat(path, magic):
            "\(path) is neither an ELF vmcore nor a kjump image: it starts with "
                + (magic.isEmpty ? "nothing (it is empty)" : HexText.bytes(magic, separator: " "))
        case let .noVmcoreinfo(path, format):
            "\(path) is a \(format) without VMCOREINFO, so the kernel's structures cannot be found in it"
                + (format == .elfCore ? " (a QEMU dump needs -device vmcoreinfo and a guest kernel with CONFIG_FW_CFG_SYSFS)" : "")
        }
    }
}
