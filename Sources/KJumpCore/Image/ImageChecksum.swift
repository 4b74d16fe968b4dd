import CXXHash

/// The checksums of the image format, all from xxHash's XXH3 (seed 0):
/// XXH3-64 for every structure and frame, XXH3-128 to name the system
/// kernel's VMCOREINFO. They detect corruption and mix-ups, not tampering.
public enum ImageChecksum {
    /// XXH3-64 of `bytes`.
    public static func xxh3(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        kjump_xxh3_64(bytes.baseAddress, bytes.count)
    }

    /// XXH3-64 of `bytes`.
    public static func xxh3(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBytes { xxh3($0) }
    }

    /// XXH3-64 of `bytes`.
    public static func xxh3(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.withUnsafeBytes { xxh3($0) }
    }

    /// XXH3-128 of `bytes` in xxHash's canonical form (big-endian: the high
    /// 64 bits first), as `xxh128sum` prints it.
    public static func xxh128(_ bytes: [UInt8]) -> ImageHash128 {
        let hash = bytes.withUnsafeBytes { kjump_xxh3_128($0.baseAddress, $0.count) }
        var out = ImageByteWriter(capacity: 16)
        out.put(hash.high64.byteSwapped)   // little-endian bytes of the swapped value = big-endian bytes
        out.put(hash.low64.byteSwapped)
        return ImageHash128(bytes: out.bytes)
    }
}

/// XXH3-64 computed over bytes given in pieces: the same value as
/// `ImageChecksum.xxh3` of the pieces joined. Used from one thread.
public final class ImageChecksumStream {
    private let state: UnsafeMutableRawPointer

    public init() {
        guard let state = kjump_xxh3_state_new() else { fatalError("out of memory for an XXH3 state") }
        self.state = state
    }

    deinit { kjump_xxh3_state_free(state) }

    /// Adds `bytes` to what was hashed so far.
    public func update(_ bytes: UnsafeRawBufferPointer) {
        kjump_xxh3_state_update(state, bytes.baseAddress, bytes.count)
    }

    /// Adds `bytes` to what was hashed so far.
    public func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Adds `bytes` to what was hashed so far.
    public func update(_ bytes: ArraySlice<UInt8>) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// XXH3-64 of everything added so far.
    public var digest: UInt64 { kjump_xxh3_state_digest(state) }
}

/// A 128-bit hash, kept as the 16 bytes of its canonical (big-endian) form.
public struct ImageHash128: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]

    /// `bytes` must hold exactly 16 bytes.
    public init(bytes: [UInt8]) {
        precondition(bytes.count == 16, "a 128-bit hash is 16 bytes, not \(bytes.count)")
        self.bytes = bytes
    }

    /// All zero: "not recorded".
    public static let zero = ImageHash128(bytes: [UInt8](repeating: 0, count: 16))

    /// 32 lowercase hexadecimal digits, as `xxh128sum` prints them.
    public var description: String {
        HexText.bytes(bytes)
    }
}
