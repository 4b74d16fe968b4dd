/// Why a sealed image, a key file or a passphrase could not be used. Each
/// reads as a sentence for the console of the hibernation kernel or the
/// user's terminal.
public enum SealingError: Error, Equatable, CustomStringConvertible {
    /// The image is sealed and no key was given to open it.
    case keyNeeded
    /// A key was given but the image is not sealed: it cannot be verified.
    case notSealed
    /// The image was sealed to another resume key (`imageKey`: the id its header records).
    case wrongKey(imageKey: SealingKeyID, givenKey: SealingKeyID)
    /// The image was sealed by another machine's hibernation key than the resume key trusts.
    case wrongSender(imageSender: SealingKeyID, trustedSender: SealingKeyID)
    /// The key exchange failed: the header's sealing record was altered or made with other keys.
    case keyExchangeFailed
    /// The passphrase does not open the resume key.
    case wrongPassphrase
    /// A key file that cannot be read as one (path or purpose in `what`, reason in `reason`).
    case malformedKeyFile(what: String, reason: String)
    /// The header's sealing record cannot be read.
    case malformedRecord(reason: String)
    /// Argon2id failed (`code` is libargon2's error code).
    case passphraseDerivationFailed(code: Int32, message: String)
    /// A frame's authentication tag does not match its bytes, its header or its place.
    case frameNotAuthentic(frame: Int)
    /// The trailer's authenticator does not match: trailer, header or index altered.
    case trailerNotAuthentic
    /// The index bytes do not hash to the digest the authenticated trailer records.
    case indexNotAuthentic
    /// Hibernating sealed needs the hibernation key, and there is none at `path`.
    case hibernationKeyMissing(path: String)

    public var description: String {
        switch self {
        case .keyNeeded:
            "the image is sealed: give the resume key that opens it (kjump keygen made it)"
        case .notSealed:
            "the image is not sealed, so nothing proves who wrote it: with a resume key only sealed images are read"
        case .wrongKey(let imageKey, let givenKey):
            "the image was sealed to resume key \(imageKey), not to the key given (\(givenKey))"
        case .wrongSender(let imageSender, let trustedSender):
            "the image was sealed by hibernation key \(imageSender), but the resume key trusts only \(trustedSender): it was not made on this machine"
        case .keyExchangeFailed:
            "the image's sealing record does not open with this resume key: the header was altered or the image was made with other keys"
        case .wrongPassphrase:
            "the passphrase does not open the resume key"
        case .malformedKeyFile(let what, let reason):
            "\(what) is not a kjump key file: \(reason)"
        case .malformedRecord(let reason):
            "the image's sealing record cannot be read: \(reason)"
        case .passphraseDerivationFailed(let code, let message):
            "Argon2id failed (libargon2 error \(code): \(message))"
        case .frameNotAuthentic(let frame):
            "frame \(frame) is not authentic: its bytes, its header or its place in the image were altered, or it comes from another image"
        case .trailerNotAuthentic:
            "the trailer is not authentic: the header, the trailer, the index or a frame (with its checksums) was altered"
        case .indexNotAuthentic:
            "the index is not authentic: its bytes do not match the digest the trailer seals"
        case .hibernationKeyMissing(let path):
            "there is no hibernation key at \(path): make one with 'kjump keygen', or hibernate unsealed with --no-seal"
        }
    }
}
