import KJumpCore

/// A boot-loader entry armed for the next boot only: the machine boots the
/// hibernation kernel once, with the image's resume command line, and the
/// normal system after that. `Hibernation` arms it before the jump and
/// disarms it after the jump back, resumed or not.
///
/// The entry is bound to the image it is armed for: it passes
/// `kjump.image=<image ID>` to the hibernation kernel, which refuses any
/// other image (an older one copied back, say).
public protocol OneShotBootEntry: Sendable {
    /// The entry, for messages.
    var name: String { get }
    /// Makes the next boot (only) start this entry, for image `imageID`.
    func arm(imageID: ImageID) throws(KJumpLinuxError)
    /// Makes the next boot the default one again.
    func disarm() throws(KJumpLinuxError)
}

/// GRUB's one-shot entry: `grub-editenv - set kjump_image=ID` names the
/// image (the entry's linux line passes `kjump.image=${kjump_image}`), then
/// `grub-reboot ENTRY` sets `next_entry` in grubenv, which GRUB clears when
/// it boots it; `grub-editenv - unset next_entry kjump_image` takes both back.
public struct GrubOneShotBootEntry: OneShotBootEntry {
    /// A menu entry's id or title.
    public var name: String

    public init(name: String) {
        self.name = name
    }

    public func arm(imageID: ImageID) throws(KJumpLinuxError) {
        try ProgramRunner.run(["grub-editenv", "-", "set", "kjump_image=\(imageID)"])
        try ProgramRunner.run(["grub-reboot", name])
    }

    public func disarm() throws(KJumpLinuxError) {
        try ProgramRunner.run(["grub-editenv", "-", "unset", "next_entry", "kjump_image"])
    }
}
