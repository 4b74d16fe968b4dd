/// What `systemd-hibernate.service` does, with kjump in place of the kernel's
/// hibernation: `systemctl hibernate` → logind → hibernate.target →
/// systemd-hibernate.service, whose `ExecStart=` kjump's drop-in replaces
/// with `kjump hibernate --systemd`. systemd-sleep would run the sleep hooks
/// around the kernel's hibernation; this runs them around kjump's.
public struct SystemdHibernation: Sendable {
    /// systemd's own sleep program, which hibernates with the kernel's
    /// hibernation (swsusp): what the unit runs without kjump.
    public static let systemdSleep = "/lib/systemd/systemd-sleep"

    public var hooks: SystemSleepHooks

    public init(hooks: SystemSleepHooks = SystemSleepHooks()) {
        self.hooks = hooks
    }

    /// Runs the `pre` hooks, then `hibernate`, then the `post` hooks, also
    /// when `hibernate` throws (the system did not sleep, but the hooks that
    /// prepared for it must undo it, as systemd-sleep does). Reports each
    /// hook that failed; a failed hook stops nothing.
    public func run<Resumed>(report: (String) -> Void, _ hibernate: () throws -> Resumed) throws -> Resumed {
        for failure in hooks.run(.pre) { report("kjump: \(failure)") }
        defer {
            for failure in hooks.run(.post) { report("kjump: \(failure)") }
        }
        return try hibernate()
    }

    /// The kernel's own hibernation, as the unit would run it without kjump:
    /// for a machine where kjump is installed but not set up.
    public static func handOverToSystemdSleep() throws(KJumpLinuxError) -> Never {
        try ProgramRunner.replaceProcess(with: [systemdSleep, "hibernate"])
    }
}
