/// The header record (tag 6) that makes an image sealed: which keys sealed
/// it and the encapsulated key from which the resume key derives the
/// image's own keys (`ImageSealKeys`). Layout (56 bytes, little-endian):
/// ```
/// 0   2  frame AEAD: 2 = AES-256-GCM (HPKE's AEAD number)
/// 2   2  KEM: 0x0020 = DHKEM(X25519, HKDF-SHA256), HPKE auth mode
/// 4   2  KDF: 0x0001 = HKDF-SHA256
/// 6   2  reserved, zero
/// 8   8  resume key id (the recipient)
/// 16  8  hibernation key id (the sender)
/// 24 32  encapsulated key (an X25519 public key made for this image)
/// ```
public struct ImageSealingRecord: Sendable, Equatable {
    public static let size = 56
    static let aesGCM256: UInt16 = 0x0002
    static let x25519HKDFSHA256: UInt16 = 0x0020
    static let hkdfSHA256: UInt16 = 0x0001

    /// The resume key that opens the image.
    public var recipient: SealingKeyID
    /// The hibernation key that sealed it.
    public var sender: SealingKeyID
    /// HPKE's encapsulated key: 32 bytes.
    public var encapsulatedKey: [UInt8]

    public init(recipient: SealingKeyID, sender: SealingKeyID, encapsulatedKey: [UInt8]) {
        self.recipient = recipient
        self.sender = sender
        self.encapsulatedKey = encapsulatedKey
    }

    func encoded() -> [UInt8] {
        var out = ImageByteWriter(capacity: Self.size)
        out.put(Self.aesGCM256)
        out.put(Self.x25519HKDFSHA256)
        out.put(Self.hkdfSHA256)
        out.put(UInt16(0))
        out.put(recipient.bytes)
        out.put(sender.bytes)
        out.put(encapsulatedKey)
        return out.bytes
    }

    /// Reads the record's payload; refuses other lengths and algorithms.
    public init(decoding payload: some Collection<UInt8>) throws(SealingError) {
        let bytes = Array(payload)
        guard bytes.count == Self.size else {
            throw .malformedRecord(reason: "it has \(bytes.count) bytes, not \(Self.size)")
        }
        let aead = bytes.imageLoad(UInt16.self, at: 0), kem = bytes.imageLoad(UInt16.self, at: 2)
        let kdf = bytes.imageLoad(UInt16.self, at: 4), reserved = bytes.imageLoad(UInt16.self, at: 6)
        guard aead == Self.aesGCM256, kem == Self.x25519HKDFSHA256, kdf == Self.hkdfSHA256, reserved == 0 else {
            throw .malformedRecord(reason: "its algorithms (AEAD \(HexText.number(aead, digits: 4)), KEM \(HexText.number(kem, digits: 4)), KDF \(HexText.number(kdf, digits: 4))) are not AES-256-GCM, X25519 and HKDF-SHA256")
        }
        self.init(recipient: SealingKeyID(bytes: Array(bytes[8..<16])), sender: SealingKeyID(bytes: Array(bytes[16..<24])),
                  encapsulatedKey: Array(bytes[24..<56]))
    }
}
