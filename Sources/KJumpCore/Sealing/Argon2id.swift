import CArgon2

/// Argon2id (RFC 9106) from Debian's libargon2: turns a passphrase into the
/// key that opens a resume key. Its parameters live in the key file, so a
/// key made on a large machine still opens in the hibernation kernel's few
/// MiB as long as `memoryKiB` fits there.
public struct Argon2idParameters: Sendable, Equatable {
    /// Memory in KiB. Default 32 MiB: the hibernation kernel runs it in the H region.
    public var memoryKiB: UInt32
    /// Passes over that memory. Default 3.
    public var iterations: UInt32
    /// Lanes. Default 1 (H may have one CPU).
    public var parallelism: UInt32

    public static let `default` = Argon2idParameters(memoryKiB: 32 << 10, iterations: 3, parallelism: 1)
    /// What a key file may ask for: enough to refuse a file that would
    /// exhaust the hibernation kernel's memory or time.
    public static let memoryRange: ClosedRange<UInt32> = 8 << 10...(1 << 20)
    public static let iterationRange: ClosedRange<UInt32> = 1...64
    public static let parallelismRange: ClosedRange<UInt32> = 1...16

    public init(memoryKiB: UInt32, iterations: UInt32, parallelism: UInt32) {
        self.memoryKiB = memoryKiB
        self.iterations = iterations
        self.parallelism = parallelism
    }

    /// Why these parameters are out of range, or nil.
    public var problem: String? {
        if !Self.memoryRange.contains(memoryKiB) { return "Argon2id memory \(memoryKiB) KiB is not between \(Self.memoryRange.lowerBound) and \(Self.memoryRange.upperBound)" }
        if !Self.iterationRange.contains(iterations) { return "Argon2id iterations \(iterations) is not between \(Self.iterationRange.lowerBound) and \(Self.iterationRange.upperBound)" }
        if !Self.parallelismRange.contains(parallelism) { return "Argon2id parallelism \(parallelism) is not between \(Self.parallelismRange.lowerBound) and \(Self.parallelismRange.upperBound)" }
        return nil
    }

    /// A 32-byte key from `passphrase` and `salt`.
    public func deriveKey(passphrase: [UInt8], salt: [UInt8]) throws(SealingError) -> [UInt8] {
        var key = [UInt8](repeating: 0, count: 32)
        let code = passphrase.withUnsafeBytes { pass in
            salt.withUnsafeBytes { salt in
                key.withUnsafeMutableBytes { out in
                    argon2id_hash_raw(iterations, memoryKiB, parallelism, pass.baseAddress, pass.count,
                                      salt.baseAddress, salt.count, out.baseAddress, out.count)
                }
            }
        }
        guard code == ARGON2_OK.rawValue else {
            throw .passphraseDerivationFailed(code: code, message: String(cString: argon2_error_message(code)))
        }
        return key
    }
}
