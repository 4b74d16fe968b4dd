import Crypto
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One image's own keys: AES-256-GCM for its frames and HMAC-SHA256 for its
/// trailer. Nobody chooses them and they are never stored: HPKE in auth
/// mode (RFC 9180; X25519, HKDF-SHA256) derives them on both sides from a
/// key exchange between the machine's hibernation key (the sender) and its
/// resume key (the recipient), bound to the image ID. The header records
/// only the exchange's public half (`ImageSealingRecord`).
///
/// Why AES-256-GCM and not ChaCha20-Poly1305: both are in swift-crypto and
/// both are safe here (a fresh key per image, a frame counter as nonce);
/// measured on the lab machine through swift-crypto, AES-GCM seals at
/// 5.9 GB/s and opens at 7.9 GB/s (AES-NI, PCLMULQDQ) where ChaCha20-Poly1305
/// seals at 0.7–2.2 GB/s, and every x86-64 machine that can hibernate with
/// kjump has AES-NI.
public struct ImageSealKeys: Sendable {
    let frameKey: SymmetricKey
    let trailerKey: SymmetricKey

    static let ciphersuite = HPKE.Ciphersuite(kem: .Curve25519_HKDF_SHA256, kdf: .HKDF_SHA256, aead: .exportOnly)

    static func info(imageID: ImageID) -> Data { Data("kjump image 2 ".utf8 + imageID.bytes) }

    private init(frameKey: SymmetricKey, trailerKey: SymmetricKey) {
        self.frameKey = frameKey
        self.trailerKey = trailerKey
    }

    private init(exporting export: (String) throws -> SymmetricKey) rethrows {
        self.init(frameKey: try export("kjump frames"), trailerKey: try export("kjump trailer"))
    }

    /// Fresh keys for image `imageID`, and the record that lets `key`'s
    /// resume key derive them again. The exchange's ephemeral key comes
    /// from swift-crypto's random generator (the kernel's getrandom).
    public static func seal(imageID: ImageID, with key: HibernationKey) throws -> (ImageSealingRecord, ImageSealKeys) {
        let sender = try HPKE.Sender(recipientKey: key.recipientPublic, ciphersuite: ciphersuite,
                                     info: info(imageID: imageID), authenticatedBy: key.senderPrivate)
        let keys = try ImageSealKeys { try sender.exportSecret(context: Data($0.utf8), outputByteCount: 32) }
        let record = ImageSealingRecord(recipient: SealingKeyID(of: key.recipientPublic),
                                        sender: SealingKeyID(of: key.senderPrivate.publicKey),
                                        encapsulatedKey: Array(sender.encapsulatedKey))
        return (record, keys)
    }

    /// The keys of image `imageID` sealed as `record` says, derived with an
    /// opened resume key. Refuses a record made for another resume key or
    /// by a hibernation key the resume key does not trust.
    public static func open(_ record: ImageSealingRecord, imageID: ImageID, with key: OpenedResumeKey) throws(SealingError) -> ImageSealKeys {
        let given = SealingKeyID(of: key.recipientPrivate.publicKey)
        guard record.recipient == given else { throw .wrongKey(imageKey: record.recipient, givenKey: given) }
        let trusted = SealingKeyID(of: key.senderPublic)
        guard record.sender == trusted else { throw .wrongSender(imageSender: record.sender, trustedSender: trusted) }
        do {
            let recipient = try HPKE.Recipient(privateKey: key.recipientPrivate, ciphersuite: ciphersuite,
                                               info: info(imageID: imageID), encapsulatedKey: Data(record.encapsulatedKey),
                                               authenticatedBy: key.senderPublic)
            return try ImageSealKeys { try recipient.exportSecret(context: Data($0.utf8), outputByteCount: 32) }
        } catch {
            throw .keyExchangeFailed
        }
    }
}
