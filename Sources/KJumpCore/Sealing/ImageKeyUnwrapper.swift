/// Turns a sealed image's record into the image's keys at resume: the small
/// protocol through which every way of holding the resume key plugs in.
/// Today there is one, `ResumeKeyUnwrapper` (a key file, opened with a
/// passphrase or kept on another device). A TPM-sealed key would be a second
/// conformance that unseals the resume key's private half from the TPM when
/// the boot's PCRs match, and then derives the keys in the same way.
public protocol ImageKeyUnwrapper {
    /// The keys of image `imageID`, whose header holds `record`.
    func keys(for record: ImageSealingRecord, imageID: ImageID) throws(SealingError) -> ImageSealKeys
}

/// Derives an image's keys with an opened resume key.
public struct ResumeKeyUnwrapper: ImageKeyUnwrapper {
    public let key: OpenedResumeKey

    public init(key: OpenedResumeKey) { self.key = key }

    public func keys(for record: ImageSealingRecord, imageID: ImageID) throws(SealingError) -> ImageSealKeys {
        try ImageSealKeys.open(record, imageID: imageID, with: key)
    }
}
