/// The system kernel's VMCOREINFO: `KEY=VALUE` lines the kernel writes at
/// boot (kernel/vmcore_info.c, kernel/printk/printk.c `log_buf_vmcoreinfo_setup`,
/// arch/x86/kernel/vmcore_info_64.c) so that dump readers can find symbols,
/// structure layouts and the kernel's physical placement.
///
/// Value formats, from the kernel's `vmcoreinfo_append_str` calls (6.12):
/// `SYMBOL(x)=%lx` and `KERNELOFFSET=%lx` are hexadecimal without `0x`;
/// `SIZE`, `OFFSET`, `LENGTH` are `%lu`; `NUMBER(x)=%ld` is signed decimal,
/// except `NUMBER(VMALLOC_START)=0x%lx`, which is hexadecimal with `0x`;
/// `PAGESIZE=%ld`; `CRASHTIME=%lld` (only in a crash dump); `BUILD-ID` is
/// 40 hex digits. Anything else (`CONFIG_X=y`, ...) is kept in `other`.
public struct VmcoreInfo: Sendable, Equatable {
    /// `OSRELEASE`, e.g. `6.12.117`.
    public var osRelease: String?
    /// `BUILD-ID`: the kernel image's 20-byte build id as 40 hex digits.
    public var buildID: String?
    /// `PAGESIZE`: a positive power of two (any other value is a malformed line).
    public var pageSize: Int?
    /// `SYMBOL(name)`: virtual addresses.
    public var symbols: [String: UInt64] = [:]
    /// `SIZE(name)`: sizes of types in bytes.
    public var sizes: [String: UInt64] = [:]
    /// `OFFSET(type.field)`, keyed `type.field`, e.g. `uts_namespace.name`.
    public var offsets: [String: UInt64] = [:]
    /// `NUMBER(name)`. Hexadecimal values (`VMALLOC_START`) are stored as
    /// their bit pattern; read them with `unsignedNumber(_:)`.
    public var numbers: [String: Int64] = [:]
    /// `LENGTH(name)`: array lengths.
    public var lengths: [String: UInt64] = [:]
    /// `KERNELOFFSET`: the KASLR virtual offset of the kernel image.
    public var kernelOffset: UInt64?
    /// `CRASHTIME`: seconds since the epoch, appended only at a panic.
    public var crashTime: Int64?
    /// Lines with any other key, value as written.
    public var other: [String: String] = [:]
    /// Lines that have no `=`, or a known key whose value does not parse.
    public var malformedLines: [String] = []

    /// The name of the ELF note that carries the text.
    public static let noteName = "VMCOREINFO"
    /// x86-64 `__START_KERNEL_map`: where the kernel image mapping begins.
    public static let kernelImageMapStart: UInt64 = 0xffff_ffff_8000_0000

    /// An empty VMCOREINFO.
    public init() {}

    /// Parses the text; never fails, unparseable lines land in `malformedLines`.
    public init(text: some StringProtocol) {
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = rawLine.trimmingSpaces()
            if line.isEmpty { continue }
            guard let equals = line.firstIndex(of: "=") else {
                malformedLines.append(String(line))
                continue
            }
            let key = line[..<equals]
            let value = line[line.index(after: equals)...]
            if !record(key: key, value: value) { malformedLines.append(String(line)) }
        }
    }

    /// Parses the descriptor of the `VMCOREINFO` ELF note: the text, possibly
    /// followed by NUL padding.
    public init(noteDescriptor: [UInt8]) {
        var end = noteDescriptor.count
        while end > 0, noteDescriptor[end - 1] == 0 { end -= 1 }
        self.init(text: String(decoding: noteDescriptor[..<end], as: UTF8.self))
    }

    /// Parses the first note named `VMCOREINFO` in `notes`; nil when there is none.
    public init?(notes: [ElfNote]) {
        guard let note = notes.first(where: { $0.name == VmcoreInfo.noteName }) else { return nil }
        self.init(noteDescriptor: note.descriptor)
    }

    /// `NUMBER(name)` read as an unsigned value (its bit pattern), e.g. `VMALLOC_START`.
    public func unsignedNumber(_ name: String) -> UInt64? {
        numbers[name].map { UInt64(bitPattern: $0) }
    }

    /// `NUMBER(phys_base)`: where the x86-64 kernel image sits physically,
    /// relative to its link-time placement.
    public var physBase: UInt64? { unsignedNumber("phys_base") }

    /// The physical address of an x86-64 kernel-image symbol:
    /// `SYMBOL(name) - __START_KERNEL_map + phys_base`, as the kernel's
    /// `__phys_addr_symbol` computes it (arch/x86/mm/physaddr.c).
    ///
    /// Valid only for addresses in the kernel image mapping (`_stext`,
    /// `init_uts_ns`, `swapper_pg_dir`, `prb`, ...). Some `SYMBOL()` lines
    /// hold pointer *values* in the direct map or vmemmap (`mem_section`,
    /// `vmemmap`); for those, and when `phys_base` is missing, the result is nil.
    public func physicalAddress(ofKernelSymbol name: String) -> UInt64? {
        symbols[name].flatMap(physicalAddress(ofKernelImageAddress:))
    }

    /// The physical address behind a virtual address in the x86-64 kernel
    /// image mapping `[__START_KERNEL_map, + KERNEL_IMAGE_SIZE)`; nil outside it
    /// (the size is taken from `NUMBER(KERNEL_IMAGE_SIZE)` when present) or
    /// when `phys_base` is missing.
    public func physicalAddress(ofKernelImageAddress virtualAddress: UInt64) -> UInt64? {
        guard virtualAddress >= Self.kernelImageMapStart, let physBase else { return nil }
        let offset = virtualAddress - Self.kernelImageMapStart
        if let imageSize = unsignedNumber("KERNEL_IMAGE_SIZE"), imageSize > 0, offset >= imageSize { return nil }
        return offset &+ physBase
    }

    /// Stores one `key=value` line; false when a known key's value does not parse.
    private mutating func record(key: Substring, value: Substring) -> Bool {
        switch key {
        case "OSRELEASE":
            osRelease = String(value)
        case "BUILD-ID":
            buildID = String(value)
        case "PAGESIZE":
            guard let number = Int(value), number > 0, number & (number - 1) == 0 else { return false }
            pageSize = number
        case "KERNELOFFSET":
            guard let number = Self.hexadecimal(value) else { return false }
            kernelOffset = number
        case "CRASHTIME":
            guard let number = Int64(value) else { return false }
            crashTime = number
        default:
            if let name = Self.argument(of: key, prefix: "SYMBOL(") {
                guard let address = Self.hexadecimal(value) else { return false }
                symbols[name] = address
            } else if let name = Self.argument(of: key, prefix: "SIZE(") {
                guard let size = UInt64(value) else { return false }
                sizes[name] = size
            } else if let name = Self.argument(of: key, prefix: "OFFSET(") {
                guard let offset = UInt64(value) else { return false }
                offsets[name] = offset
            } else if let name = Self.argument(of: key, prefix: "LENGTH(") {
                guard let length = UInt64(value) else { return false }
                lengths[name] = length
            } else if let name = Self.argument(of: key, prefix: "NUMBER(") {
                guard let number = Self.signedOrHex(value) else { return false }
                numbers[name] = number
            } else {
                other[String(key)] = String(value)
            }
        }
        return true
    }

    /// `name` for a key `PREFIXname)`, nil for other keys.
    private static func argument(of key: Substring, prefix: String) -> String? {
        guard key.hasPrefix(prefix), key.hasSuffix(")"), key.count > prefix.count + 1 else { return nil }
        return String(key.dropFirst(prefix.count).dropLast())
    }

    /// Hexadecimal with or without `0x`.
    private static func hexadecimal(_ text: Substring) -> UInt64? {
        let digits = text.hasPrefix("0x") || text.hasPrefix("0X") ? text.dropFirst(2) : text
        guard !digits.isEmpty else { return nil }
        return UInt64(digits, radix: 16)
    }

    /// Signed decimal, or `0x` hexadecimal stored as its 64-bit pattern.
    private static func signedOrHex(_ text: Substring) -> Int64? {
        if text.hasPrefix("0x") || text.hasPrefix("0X") {
            return hexadecimal(text).map { Int64(bitPattern: $0) }
        }
        return Int64(text)
    }
}
