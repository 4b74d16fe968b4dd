import CKJump
import KJumpCore

extension PurgatoryCode {
    /// The purgatory assembled into this binary (CKJump's purgatory.S).
    public static var shipped: PurgatoryCode {
        var size = 0
        let start = ckjump_purgatory_code(&size)
        let bytes = Array(UnsafeRawBufferPointer(start: start, count: size))
        return PurgatoryCode(bytes: bytes, parametersOffset: ckjump_purgatory_parameters_offset())
    }
}
