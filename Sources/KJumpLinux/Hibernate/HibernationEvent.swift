import KJumpCore

/// What `Hibernation` reports while it works, for the command to print.
public enum HibernationEvent: Sendable {
    /// The image goes to a resume file: its capacity and extents on `device`.
    case resumeFile(path: String, location: ResumeFile.Location)
    /// A read-write filesystem that is not ext2/3/4: a resume cannot tell whether it was mounted in between.
    case filesystemWithoutIdentity(device: String)
    /// The hibernation kernel's segments, before loading.
    case planned(KexecJumpPlan)
    /// The hibernation kernel is loaded; `seconds` the `kexec_load` took.
    case loaded(seconds: Double)
    /// The one-shot boot entry is armed for the next boot.
    case bootEntryArmed(name: String)
    /// About to sync and jump.
    case hibernating(target: ResumeTarget)
    /// The hibernation kernel came back without saving, and the boot entry could not be disarmed.
    case bootEntryStillArmed(name: String, error: KJumpLinuxError)
}
