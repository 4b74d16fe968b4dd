import Crypto
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What resuming needs to open an image: the private half of the key
/// images are sealed to, and the public key of the machine's hibernation
/// key (the only sender it trusts). The private half is either protected
/// by a passphrase (Argon2id, then AES-256-GCM; typed on the console at
/// resume) or stored as it is, for a root-only file on a device that is
/// not the system's (a USB key given at resume).
///
/// Text, one `key=value` a line (`#` lines are comments):
/// ```
/// format=kjump-resume-key-1
/// recipient-public=<64 hex digits>     this key's public half: its id, and a check on the private half
/// sender-public=<64 hex digits>        the hibernation key it trusts
/// protection=none | argon2id
/// recipient-private=<64 hex digits>    (none)
/// argon2id-memory-kib=32768            (argon2id)
/// argon2id-iterations=3
/// argon2id-parallelism=1
/// argon2id-salt=<32 hex digits>
/// sealed-recipient-private=<120 hex digits: 12-byte nonce, 32 encrypted bytes, 16-byte tag>
/// ```
public struct ResumeKey: Sendable {
    public static let format = "kjump-resume-key-1"

    public enum Protection: Sendable {
        case none(Curve25519.KeyAgreement.PrivateKey)
        /// The private key sealed with AES-256-GCM under Argon2id(passphrase, salt).
        case passphrase(Argon2idParameters, salt: [UInt8], sealed: [UInt8])
    }

    public let recipientPublic: Curve25519.KeyAgreement.PublicKey
    public let senderPublic: Curve25519.KeyAgreement.PublicKey
    public let protection: Protection

    public var id: SealingKeyID { SealingKeyID(of: recipientPublic) }
    public var needsPassphrase: Bool { if case .passphrase = protection { true } else { false } }

    public init(recipientPublic: Curve25519.KeyAgreement.PublicKey, senderPublic: Curve25519.KeyAgreement.PublicKey,
                protection: Protection) {
        self.recipientPublic = recipientPublic
        self.senderPublic = senderPublic
        self.protection = protection
    }

    /// Protects `recipientPrivate` with `passphrase`; `salt` (16 bytes)
    /// must be random.
    public static func protecting(_ recipientPrivate: Curve25519.KeyAgreement.PrivateKey,
                                  senderPublic: Curve25519.KeyAgreement.PublicKey, passphrase: [UInt8],
                                  parameters: Argon2idParameters, salt: [UInt8]) throws -> ResumeKey {
        let key = SymmetricKey(data: try parameters.deriveKey(passphrase: passphrase, salt: salt))
        let box = try AES.GCM.seal(recipientPrivate.rawRepresentation, using: key,
                                   authenticating: associatedData(senderPublic: senderPublic, recipientPublic: recipientPrivate.publicKey))
        guard let combined = box.combined else { throw SealingError.passphraseDerivationFailed(code: 0, message: "no combined box") }
        return ResumeKey(recipientPublic: recipientPrivate.publicKey, senderPublic: senderPublic,
                         protection: .passphrase(parameters, salt: salt, sealed: Array(combined)))
    }

    static func associatedData(senderPublic: Curve25519.KeyAgreement.PublicKey,
                               recipientPublic: Curve25519.KeyAgreement.PublicKey) -> [UInt8] {
        Array("kjump resume key ".utf8) + Array(recipientPublic.rawRepresentation) + Array(senderPublic.rawRepresentation)
    }

    /// The key, opened: with `passphrase` when it is protected by one.
    public func open(passphrase: [UInt8]? = nil) throws(SealingError) -> OpenedResumeKey {
        switch protection {
        case .none(let privateKey):
            return OpenedResumeKey(recipientPrivate: privateKey, senderPublic: senderPublic)
        case .passphrase(let parameters, let salt, let sealed):
            guard let passphrase else { throw .wrongPassphrase }
            let key = SymmetricKey(data: try parameters.deriveKey(passphrase: passphrase, salt: salt))
            do {
                let raw = try AES.GCM.open(try AES.GCM.SealedBox(combined: sealed), using: key,
                                           authenticating: Self.associatedData(senderPublic: senderPublic, recipientPublic: recipientPublic))
                let privateKey = try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: raw)
                guard privateKey.publicKey.rawRepresentation == recipientPublic.rawRepresentation else { throw SealingError.wrongPassphrase }
                return OpenedResumeKey(recipientPrivate: privateKey, senderPublic: senderPublic)
            } catch {
                throw .wrongPassphrase
            }
        }
    }

    public var text: String {
        var fields = ["format": Self.format,
                      "recipient-public": HexText.bytes(recipientPublic.rawRepresentation),
                      "sender-public": HexText.bytes(senderPublic.rawRepresentation)]
        let comment: String
        switch protection {
        case .none(let privateKey):
            fields["protection"] = "none"
            fields["recipient-private"] = HexText.bytes(privateKey.rawRepresentation)
            comment = "Keep it off this machine's disks (a USB key given at resume), readable by root only."
        case .passphrase(let parameters, let salt, let sealed):
            fields["protection"] = "argon2id"
            fields["argon2id-memory-kib"] = String(parameters.memoryKiB)
            fields["argon2id-iterations"] = String(parameters.iterations)
            fields["argon2id-parallelism"] = String(parameters.parallelism)
            fields["argon2id-salt"] = HexText.bytes(salt)
            fields["sealed-recipient-private"] = HexText.bytes(sealed)
            comment = "Its private half is sealed by a passphrase, typed on the console at resume."
        }
        return "# kjump resume key \(id): opens the images of hibernation key \(SealingKeyID(of: senderPublic)). \(comment)\n"
            + KeyValueLines.encode(fields) + "\n"
    }

    /// Parses a key file's text; `what` names it in errors (its path).
    public init(parsing text: some StringProtocol, what: String) throws(SealingError) {
        let fields = try SealingKeyFields(text, what: what, format: Self.format)
        let recipientPublic = try fields.publicKey("recipient-public")
        let senderPublic = try fields.publicKey("sender-public")
        switch try fields.string("protection") {
        case "none":
            let privateKey = try fields.privateKey("recipient-private")
            guard privateKey.publicKey.rawRepresentation == recipientPublic.rawRepresentation else {
                throw .malformedKeyFile(what: what, reason: "recipient-private is not the private half of recipient-public")
            }
            self.init(recipientPublic: recipientPublic, senderPublic: senderPublic, protection: .none(privateKey))
        case "argon2id":
            let parameters = Argon2idParameters(memoryKiB: try fields.number("argon2id-memory-kib"),
                                                iterations: try fields.number("argon2id-iterations"),
                                                parallelism: try fields.number("argon2id-parallelism"))
            if let problem = parameters.problem { throw .malformedKeyFile(what: what, reason: problem) }
            self.init(recipientPublic: recipientPublic, senderPublic: senderPublic,
                      protection: .passphrase(parameters, salt: try fields.bytes("argon2id-salt", count: 16),
                                              sealed: try fields.bytes("sealed-recipient-private", count: 12 + 32 + 16)))
        case let other:
            throw .malformedKeyFile(what: what, reason: "protection \"\(other)\" is neither none nor argon2id")
        }
    }
}

/// A resume key whose private half is at hand: what derives an image's keys.
public struct OpenedResumeKey: Sendable {
    public let recipientPrivate: Curve25519.KeyAgreement.PrivateKey
    public let senderPublic: Curve25519.KeyAgreement.PublicKey

    /// The same key protected anew: by `passphrase` (a fresh salt), or not at all when nil.
    public func protected(passphrase: [UInt8]?, parameters: Argon2idParameters = .default) throws -> ResumeKey {
        guard let passphrase else {
            return ResumeKey(recipientPublic: recipientPrivate.publicKey, senderPublic: senderPublic, protection: .none(recipientPrivate))
        }
        let salt = SymmetricKey(size: .bits128).withUnsafeBytes { Array($0) }
        return try ResumeKey.protecting(recipientPrivate, senderPublic: senderPublic, passphrase: passphrase,
                                        parameters: parameters, salt: salt)
    }
}

/// A new pair of keys for one machine: `kjump keygen`.
public enum SealingKeyGeneration {
    /// A fresh hibernation key and the resume key that opens its images;
    /// with a passphrase, the resume key's private half is sealed by it.
    /// Keys and salt come from swift-crypto's random generator.
    public static func generate(passphrase: [UInt8]?, parameters: Argon2idParameters = .default) throws -> (HibernationKey, ResumeKey) {
        let recipient = Curve25519.KeyAgreement.PrivateKey()
        let sender = Curve25519.KeyAgreement.PrivateKey()
        let hibernation = HibernationKey(recipientPublic: recipient.publicKey, senderPrivate: sender)
        let opened = OpenedResumeKey(recipientPrivate: recipient, senderPublic: sender.publicKey)
        return (hibernation, try opened.protected(passphrase: passphrase, parameters: parameters))
    }
}
