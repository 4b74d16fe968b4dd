#if canImport(Glibc)
import Glibc
#endif
import KJumpCore
import KJumpLinux

/// How `kjump hibernate` prints what the hibernation flow reports.
extension HibernateCommand {
    static func print(_ event: HibernationEvent) { print(event, kernelPath: "") }

    /// The line after the jump back (systemd puts it in the journal): how
    /// long the hibernation kernel took to save and to restore, how long the
    /// system was away, and when the image was consumed.
    static func print(resumed: Hibernation.Resumed) {
        Swift.print(resumedLine(resumed, now: Int64(time(nil))))
    }

    static func resumedLine(_ resumed: Hibernation.Resumed, now: Int64) -> String {
        var line = "kjump: resumed"
        if let times = HibernationKernelTimes.text(savedInMilliseconds: resumed.savedInMilliseconds,
                                                   restoredInMilliseconds: resumed.restoredInMilliseconds) {
            line += "; hibernation kernel: \(times) (each from its start)"
        }
        line += "; the system was away \(resumed.after.seconds(since: resumed.before))"
        if let consumedAt = resumed.consumedAt {
            line += "; the image was consumed \(now - consumedAt) s ago (resume)"
        }
        return line + "; kexec image unloaded"
    }

    static func print(_ event: HibernationEvent, kernelPath: String) {
        switch event {
        case let .resumeFile(path, location):
            Swift.print("kjump: resume file \(path): \(location.map.imageCapacity >> 20) MiB for the image, \(location.map.extents.count) extents on \(location.device)")
        case .filesystemWithoutIdentity(let device):
            Swift.print("kjump: warning: \(device) is not ext2/3/4; a resume cannot tell whether it was mounted in between")
        case .planned(let plan):
            Swift.print(PlanDescription.render(plan, kernelPath: kernelPath))
        case .loaded(let seconds):
            Swift.print("kjump: hibernation kernel loaded in \(DecimalText.twoDecimals(seconds)) s")
        case .bootEntryArmed(let name):
            Swift.print("kjump: the next boot starts GRUB entry '\(name)' once (grub-reboot)")
        case .hibernating(let target):
            Swift.print("kjump: syncing filesystems and hibernating to \(target.description)")
        case let .bootEntryStillArmed(name, error):
            Swift.print("kjump: warning: the next boot may still start '\(name)': \(error); run 'grub-editenv - unset next_entry'")
        }
    }
}
