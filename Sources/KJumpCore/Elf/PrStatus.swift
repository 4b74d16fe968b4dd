/// The fields kjump reads from an x86-64 `NT_PRSTATUS` note (`struct
/// elf_prstatus`), which a crashing kernel writes for every CPU.
public struct PrStatus: Sendable, Equatable {
    /// `NT_PRSTATUS`.
    public static let noteType: UInt32 = 1
    /// `sizeof(struct elf_prstatus)` on x86-64.
    public static let size = 336
    static let pidOffset = 32
    /// `pr_reg` (`struct user_regs_struct`, 27 registers) starts here.
    static let registersOffset = 112
    static let ripIndex = 16
    static let rspIndex = 19

    /// `pr_pid`: the task running on the CPU (0: the idle task).
    public var pid: UInt32
    public var instructionPointer: UInt64
    public var stackPointer: UInt64

    /// Nil when `descriptor` is too short to be a prstatus.
    public init?(descriptor: [UInt8]) {
        guard descriptor.count >= Self.size else { return nil }
        pid = LittleEndianBytes.load(UInt32.self, from: descriptor, at: Self.pidOffset)
        instructionPointer = LittleEndianBytes.load(UInt64.self, from: descriptor, at: Self.registersOffset + 8 * Self.ripIndex)
        stackPointer = LittleEndianBytes.load(UInt64.self, from: descriptor, at: Self.registersOffset + 8 * Self.rspIndex)
    }
}
