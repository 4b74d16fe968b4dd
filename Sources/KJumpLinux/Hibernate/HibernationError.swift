import KJumpCore

/// Why hibernation or resume could not go ahead.
public enum HibernationError: Error, CustomStringConvertible {
    case noKJumpNote
    case noVmcoreinfo
    case machineChanged(String)
    case staleFilesystem(String)
    case notResumed(state: String)
    case notSaved(reason: String)
    case notEnoughMemory(availableBytes: UInt64, neededBytes: UInt64)
    case wouldNotResume(availableBytes: UInt64, neededBytes: UInt64, regionBytes: UInt64)
    /// The resume device named for `kjump hibernate` cannot hold an image.
    case unusableResumeDevice(reason: String)
    /// The one-shot boot entry could not be armed; nothing was changed.
    case bootEntryNotArmed(name: String, cause: KJumpLinuxError)
    /// The image on the target is not the one the boot entry was armed for.
    case notArmedImage(found: ImageID, armed: ImageID)
    /// The boot entry starts another system kernel or command line than the one that hibernated.
    case systemChanged(String)

    public var description: String {
        switch self {
        case .noKJumpNote:
            "the ELF core header has no KJUMP note with the system kernel's memory map: was this hibernation kernel started by kjump hibernate?"
        case .noVmcoreinfo:
            "the system kernel's VMCOREINFO note could not be read"
        case .machineChanged(let difference):
            "this is not the machine the image was made on: \(difference); the image cannot be resumed"
        case .staleFilesystem(let reason):
            "the image is stale: \(reason). Boot the normal system; the image stays unused"
        case let .notEnoughMemory(available, needed):
            "the hibernation kernel has \(available >> 20) MiB of memory available but restoring this image needs \(needed >> 20) MiB; the image was left unused. Boot the normal system and hibernate again with a larger H region (kjump hibernate --region-mib)"
        case let .wouldNotResume(available, needed, region):
            "this image could not be resumed: restoring it needs \(needed >> 20) MiB in the hibernation kernel, which has \(available >> 20) MiB, so it was not committed and the system keeps running. Hibernate again with a larger H region: kjump hibernate --region-mib \(Self.suggestedRegionMiB(regionBytes: region, shortfall: needed - available))"
        case .notSaved(let reason):
            "the hibernation kernel could not save the image: \(reason). It jumped back: the system kept running and nothing was lost"
        case .unusableResumeDevice(let reason):
            reason
        case let .bootEntryNotArmed(name, cause):
            "cannot arm the boot entry '\(name)' for the resume (\(cause)); nothing was changed"
        case let .notArmedImage(found, armed):
            "the image on the resume device is \(found), not \(armed), the one this boot was armed for: an older image was put back, or the hibernation that armed it did not finish. Boot the normal system; the image stays unused"
        case .systemChanged(let reason):
            "\(reason). Boot the normal system; the image stays unused"
        case .notResumed(let state):
            "the hibernation kernel returned without saving an image (image state: \(state)); the system kept running and nothing was lost"
        }
    }
}

extension HibernationError {
    /// The H region that would hold what was missing, with 16 MiB to spare, in MiB.
    static func suggestedRegionMiB(regionBytes: UInt64, shortfall: UInt64) -> UInt64 {
        (regionBytes + shortfall + (16 << 20) + (1 << 20) - 1) >> 20
    }
}
