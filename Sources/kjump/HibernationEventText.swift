#if canImport(Glibc)
import Glibc
#endif
import KJumpCore
import KJumpLinux

/// How `kjump hibernate` prints what the hibernation flow reports.
extension HibernateCommand {
    static func print(_ event: HibernationEvent) { print(event, kernelPath: "") }

    /// The line after the jump back: how long the system was away, and when the image was consumed.
    static func print(resumed: Hibernation.Resumed) {
        var line = "kjump: resumed; the system was away \(resumed.after.seconds(since: resumed.before))"
        if let consumedAt = resumed.consumedAt {
            line += "; the image was consumed \(Int64(time(nil)) - consumedAt) s ago (resume)"
        }
        Swift.print(line + "; kexec image unloaded")
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
