/// Facts about the x86-64 kexec control page of Linux 6.12
/// (arch/x86/kernel/relocate_kernel_64.S, arch/x86/include/asm/kexec.h).
///
/// `machine_kexec` copies `relocate_kernel` (at most 2048 bytes of code)
/// to the start of the control page; the rest of the page is a data area
/// and the stack. At every jump `relocate_kernel` stores there, among other
/// things, the indirection list head (`image->head`, passed in `%rdi`) at
/// `CP_PA_BACKUP_PAGES_MAP`; on the way back it reads the head from there
/// and swaps the pages again.
///
/// The re-entry point is the return address of `call *%rdx` in
/// `identity_mapped`, an instruction of the copied code, so it lies in
/// the code part of the control page.
public enum KexecControlPage {
    /// `KEXEC_CONTROL_PAGE_SIZE`.
    public static let size: UInt64 = 4096
    /// `KEXEC_CONTROL_CODE_MAX_SIZE`: the code part; the data area follows it.
    public static let controlCodeMaxSize: UInt64 = 2048
    /// `RSP` = `DATA(0x0)`: A's stack pointer at the jump.
    public static let savedStackPointerOffset: UInt64 = controlCodeMaxSize + 0x0
    /// `CR0` = `DATA(0x8)`.
    public static let savedCR0Offset: UInt64 = controlCodeMaxSize + 0x8
    /// `CR3` = `DATA(0x10)`.
    public static let savedCR3Offset: UInt64 = controlCodeMaxSize + 0x10
    /// `CR4` = `DATA(0x18)`.
    public static let savedCR4Offset: UInt64 = controlCodeMaxSize + 0x18
    /// `CP_PA_TABLE_PAGE` = `DATA(0x20)`: the identity-map page table.
    public static let tablePageOffset: UInt64 = controlCodeMaxSize + 0x20
    /// `CP_PA_SWAP_PAGE` = `DATA(0x28)`: the page `swap_pages` swaps through.
    public static let swapPageOffset: UInt64 = controlCodeMaxSize + 0x28
    /// `CP_PA_BACKUP_PAGES_MAP` = `DATA(0x30)` = 0x830: the indirection list head.
    public static let indirectionHeadOffset: UInt64 = controlCodeMaxSize + 0x30

    /// The control page holding `reentryPoint`; nil when the re-entry point
    /// lies in the data half of its page, where no code is.
    public static func controlPage(containingReentryPoint reentryPoint: UInt64) -> UInt64? {
        guard reentryPoint & (size - 1) < controlCodeMaxSize else { return nil }
        return reentryPoint & ~(size - 1)
    }

    /// The indirection list head A stored in its control page at the last
    /// jump, read from `memory` (the control page is never a kexec
    /// destination, so A's memory outside R holds it).
    public static func indirectionHead(reentryPoint: UInt64, memory: some PhysicalMemory) throws(KexecControlPageError) -> UInt64 {
        guard let page = controlPage(containingReentryPoint: reentryPoint) else {
            throw .reentryPointInDataArea(reentryPoint)
        }
        let address = page + indirectionHeadOffset
        let head: UInt64
        do {
            head = try memory.readUInt64LE(at: address)
        } catch {
            throw .unreadable(address: address, reason: String(describing: error))
        }
        guard head != 0 else { throw .noHead(address: address) }
        return head
    }
}

/// Why the control page gave no indirection list head.
public enum KexecControlPageError: Error, Equatable, CustomStringConvertible {
    /// The re-entry point is at or past offset 2048 of its page.
    case reentryPointInDataArea(UInt64)
    /// The head's slot could not be read.
    case unreadable(address: UInt64, reason: String)
    /// The head's slot holds zero: no jump stored a head there.
    case noHead(address: UInt64)

    public var description: String {
        switch self {
        case let .reentryPointInDataArea(point):
            "the re-entry point \(HexText.number(point)) lies at offset \(HexText.number(point & 0xfff)) of its page, past the 2048 bytes of kexec control code, so it is not in a kexec control page"
        case let .unreadable(address, reason):
            "cannot read the kexec list head at physical address \(HexText.number(address)): \(reason)"
        case let .noHead(address):
            "the kexec list head at physical address \(HexText.number(address)) is zero: the system kernel has not jumped through this control page"
        }
    }
}
