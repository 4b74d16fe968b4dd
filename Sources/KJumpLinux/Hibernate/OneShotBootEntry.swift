/// A boot-loader entry armed for the next boot only: the machine boots the
/// hibernation kernel once, with the image's resume command line, and the
/// normal system after that. `Hibernation` arms it before the jump and
/// disarms it when the hibernation kernel returns without saving.
public protocol OneShotBootEntry: Sendable {
    /// The entry, for messages.
    var name: String { get }
    /// Makes the next boot (only) start this entry.
    func arm() throws(KJumpLinuxError)
    /// Makes the next boot the default one again.
    func disarm() throws(KJumpLinuxError)
}

/// GRUB's one-shot entry: `grub-reboot ENTRY` sets `next_entry` in
/// grubenv, which GRUB clears when it boots it; `grub-editenv - unset
/// next_entry` takes it back.
public struct GrubOneShotBootEntry: OneShotBootEntry {
    /// A menu entry's id or title.
    public var name: String

    public init(name: String) {
        self.name = name
    }

    public func arm() throws(KJumpLinuxError) {
        try ProgramRunner.run(["grub-reboot", name])
    }

    public func disarm() throws(KJumpLinuxError) {
        try ProgramRunner.run(["grub-editenv", "-", "unset", "next_entry"])
    }
}
