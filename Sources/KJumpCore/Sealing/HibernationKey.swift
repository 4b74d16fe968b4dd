import Crypto

/// What hibernating needs to seal an image, without a passphrase: the
/// resume key's public half (the recipient) and this machine's own private
/// sending key, which the resume key trusts. Kept root-only on the system
/// (`/etc/kjump/hibernation.key`). Whoever reads it can make images the
/// resume key accepts, but cannot open any: see docs/security.md.
///
/// Text, one `key=value` a line (`#` lines are comments):
/// ```
/// format=kjump-hibernation-key-1
/// recipient-public=<64 hex digits: X25519 public key of the resume key>
/// sender-private=<64 hex digits: X25519 private key>
/// ```
public struct HibernationKey: Sendable {
    public static let format = "kjump-hibernation-key-1"

    public let recipientPublic: Curve25519.KeyAgreement.PublicKey
    public let senderPrivate: Curve25519.KeyAgreement.PrivateKey

    public init(recipientPublic: Curve25519.KeyAgreement.PublicKey, senderPrivate: Curve25519.KeyAgreement.PrivateKey) {
        self.recipientPublic = recipientPublic
        self.senderPrivate = senderPrivate
    }

    /// The resume key this key seals to.
    public var resumeKeyID: SealingKeyID { SealingKeyID(of: recipientPublic) }
    /// This key's own id, which sealed images record as their sender.
    public var id: SealingKeyID { SealingKeyID(of: senderPrivate.publicKey) }

    public var text: String {
        "# kjump hibernation key \(id): seals images to resume key \(resumeKeyID). Readable by root only.\n"
            + KeyValueLines.encode(["format": Self.format,
                                    "recipient-public": HexText.bytes(recipientPublic.rawRepresentation),
                                    "sender-private": HexText.bytes(senderPrivate.rawRepresentation)]) + "\n"
    }

    /// Parses a key file's text; `what` names it in errors (its path).
    public init(parsing text: some StringProtocol, what: String) throws(SealingError) {
        let fields = try SealingKeyFields(text, what: what, format: Self.format)
        self.init(recipientPublic: try fields.publicKey("recipient-public"),
                  senderPrivate: try fields.privateKey("sender-private"))
    }
}

extension HibernationKey {
    /// The key as fields of kjump's note (`KJumpNote`): how `kjump
    /// hibernate` hands it to the hibernation kernel. Not on H's command
    /// line, which the kernel prints on its console.
    public var noteFields: [String: String] {
        ["seal-recipient": HexText.bytes(recipientPublic.rawRepresentation),
         "seal-sender": HexText.bytes(senderPrivate.rawRepresentation)]
    }

    /// The key in kjump's note, or nil when the note has none (an unsealed hibernation).
    public init?(noteFields fields: [String: String]) throws(SealingError) {
        guard fields["seal-recipient"] != nil || fields["seal-sender"] != nil else { return nil }
        let parsed = SealingKeyFields(fields: fields, what: "kjump's note")
        self.init(recipientPublic: try parsed.publicKey("seal-recipient"), senderPrivate: try parsed.privateKey("seal-sender"))
    }
}

/// The fields of a key file, checked as they are taken.
struct SealingKeyFields {
    let fields: [String: String]
    let what: String

    init(fields: [String: String], what: String) {
        self.fields = fields
        self.what = what
    }

    init(_ text: some StringProtocol, what: String, format: String) throws(SealingError) {
        self.what = what
        let lines = text.split(separator: "\n").filter { !$0.hasPrefix("#") }
        fields = KeyValueLines.decode(lines.joined(separator: "\n"))
        guard let found = fields["format"] else { throw .malformedKeyFile(what: what, reason: "it has no format= line") }
        guard found == format else {
            throw .malformedKeyFile(what: what, reason: "its format is \"\(found)\", not \"\(format)\"")
        }
    }

    func string(_ key: String) throws(SealingError) -> String {
        guard let value = fields[key] else { throw .malformedKeyFile(what: what, reason: "it has no \(key)= line") }
        return value
    }

    func bytes(_ key: String, count: Int) throws(SealingError) -> [UInt8] {
        guard let bytes = HexText.decode(try string(key)), bytes.count == count else {
            throw .malformedKeyFile(what: what, reason: "\(key) is not \(count) bytes in hexadecimal")
        }
        return bytes
    }

    func number(_ key: String) throws(SealingError) -> UInt32 {
        guard let value = UInt32(try string(key)) else {
            throw .malformedKeyFile(what: what, reason: "\(key) is not a number")
        }
        return value
    }

    func publicKey(_ key: String) throws(SealingError) -> Curve25519.KeyAgreement.PublicKey {
        let raw = try bytes(key, count: 32)
        do { return try .init(rawRepresentation: raw) } catch {
            throw .malformedKeyFile(what: what, reason: "\(key) is not an X25519 public key")
        }
    }

    func privateKey(_ key: String) throws(SealingError) -> Curve25519.KeyAgreement.PrivateKey {
        let raw = try bytes(key, count: 32)
        do { return try .init(rawRepresentation: raw) } catch {
            throw .malformedKeyFile(what: what, reason: "\(key) is not an X25519 private key")
        }
    }
}
