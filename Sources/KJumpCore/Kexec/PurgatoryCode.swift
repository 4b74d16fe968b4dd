/// The purgatory's machine code (assembled from CKJump's purgatory.S) and
/// the patching of its parameter block. Pure: the bytes come from the caller.
public struct PurgatoryCode: Sendable, Equatable {
    /// The code, parameter block included.
    public var bytes: [UInt8]
    /// Offset of the parameter block: boot_params address, 64-bit entry,
    /// address of the 16 re-entry digits (three little-endian u64).
    public var parametersOffset: Int

    public init(bytes: [UInt8], parametersOffset: Int) {
        precondition(parametersOffset + 24 <= bytes.count, "the purgatory's parameter block must lie inside its code")
        self.bytes = bytes
        self.parametersOffset = parametersOffset
    }

    /// The code with its parameter block filled in.
    public func patched(bootParamsAddress: UInt64, kernelEntry: UInt64, reentryDigitsAddress: UInt64) -> [UInt8] {
        var out = bytes
        for (index, value) in [bootParamsAddress, kernelEntry, reentryDigitsAddress].enumerated() {
            out.storeLittleEndian(value, at: parametersOffset + 8 * index)
        }
        return out
    }
}

extension Array where Element == UInt8 {
    /// Stores `value` little-endian at `offset`, in `MemoryLayout<T>.size` bytes.
    mutating func storeLittleEndian<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        for index in 0..<MemoryLayout<T>.size {
            self[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index))
        }
    }
}
