import Testing
@testable import kjump
@testable import KJumpLinux

/// The line `kjump hibernate` prints after the jump back, which systemd puts
/// in the journal: the hibernation kernel's save and restore times first.
@Suite struct ResumedLineTests {
    let before = Clocks(boottime: 10_000_000_000, monotonic: 10_000_000_000)
    let after = Clocks(boottime: 75_500_000_000, monotonic: 10_250_000_000)

    @Test func theLineHasTheSaveAndRestoreTimes() {
        let resumed = Hibernation.Resumed(before: before, after: after, consumedAt: 1_000,
                                          savedInMilliseconds: 6_214, restoredInMilliseconds: 4_100)
        let line = HibernateCommand.resumedLine(resumed, now: 1_003)
        #expect(line.hasPrefix("kjump: resumed; hibernation kernel: saved in 6.21 s, restored in 4.10 s (each from its start); the system was away 65.50 s"))
        #expect(line.hasSuffix("; the image was consumed 3 s ago (resume); kexec image unloaded"))
    }

    @Test func anImageWithoutTimesStillGivesTheLine() {
        let resumed = Hibernation.Resumed(before: before, after: after, consumedAt: nil)
        #expect(HibernateCommand.resumedLine(resumed, now: 0).hasPrefix("kjump: resumed; the system was away 65.50 s"))
    }
}
