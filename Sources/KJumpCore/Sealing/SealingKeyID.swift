import Crypto

/// Eight bytes that name a public key: the first eight of its SHA-256,
/// shown as 16 hex digits. Lets a refusal say which key an image wants.
public struct SealingKeyID: Sendable, Hashable, CustomStringConvertible {
    public static let size = 8
    public let bytes: [UInt8]

    /// `bytes` must hold exactly eight bytes.
    public init(bytes: [UInt8]) {
        precondition(bytes.count == Self.size, "a key id is \(Self.size) bytes, not \(bytes.count)")
        self.bytes = bytes
    }

    /// The id of an X25519 public key.
    public init(of publicKey: Curve25519.KeyAgreement.PublicKey) {
        self.init(bytes: Array(SHA256.hash(data: publicKey.rawRepresentation).prefix(Self.size)))
    }

    public var description: String { HexText.bytes(bytes) }
}
