#if canImport(Glibc)
import Glibc
#endif
import SystemPackage

/// systemd's sleep hooks: the executables in `/usr/lib/systemd/system-sleep/`
/// that systemd-sleep runs, all at once, with `pre hibernate` before the
/// system sleeps and `post hibernate` after it woke, with
/// `SYSTEMD_SLEEP_ACTION=hibernate` in their environment
/// (systemd-sleep(8)). `kjump hibernate --systemd` stands in for
/// systemd-sleep in `systemd-hibernate.service`, so it runs them the same way.
public struct SystemSleepHooks: Sendable {
    /// Where Debian's systemd keeps them.
    public static let defaultDirectory = "/usr/lib/systemd/system-sleep"

    /// Before or after the sleep: the hooks' first argument.
    public enum Phase: String, Sendable {
        case pre, post
    }

    /// A hook that could not run or did not exit with status 0: systemd
    /// logs these and sleeps (or carries on) anyway, and so does kjump.
    public struct Failure: Sendable, Equatable, CustomStringConvertible {
        public var hook: String
        public var error: KJumpLinuxError
        public var description: String { "the sleep hook \(hook) failed: \(error)" }
    }

    public var directory: String

    public init(directory: String = SystemSleepHooks.defaultDirectory) {
        self.directory = directory
    }

    /// The hooks, in name order: the executable regular files (or links to
    /// them) in `directory`; none when it does not exist.
    public func hooks() -> [String] {
        let paths = (DirectoryPaths.names(in: directory) ?? []).filter { !$0.hasPrefix(".") }.map { directory + "/" + $0 }
        return paths.filter { path in
            var info = stat()
            return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG && access(path, X_OK) == 0
        }.sorted()
    }

    /// Runs every hook with `phase hibernate`, all at once, and waits for
    /// them all; returns those that failed.
    public func run(_ phase: Phase) -> [Failure] {
        var started: [(path: String, pid: pid_t, arguments: [String])] = []
        var failures: [Failure] = []
        for hook in hooks() {
            let arguments = [hook, phase.rawValue, "hibernate"]
            do throws(KJumpLinuxError) {
                started.append((hook, try ProgramRunner.start(arguments, environment: ["SYSTEMD_SLEEP_ACTION=hibernate"]), arguments))
            } catch {
                failures.append(Failure(hook: hook, error: error))
            }
        }
        for hook in started {
            do throws(KJumpLinuxError) {
                try ProgramRunner.wait(hook.pid, for: hook.arguments)
            } catch {
                failures.append(Failure(hook: hook.path, error: error))
            }
        }
        return failures
    }
}
