#if canImport(Glibc)
import Glibc
#endif
import SystemPackage

/// Runs other programs with `posix_spawnp(3)` (found through PATH): the
/// boot-loader tools `kjump hibernate` arms, systemd's sleep hooks.
public enum ProgramRunner {
    /// Runs `arguments` (`arguments[0]` is the program) with this process's
    /// stdio and environment; throws when it cannot start or exits non-zero.
    public static func run(_ arguments: [String]) throws(KJumpLinuxError) {
        let pid = try start(arguments)
        try wait(pid, for: arguments)
    }

    /// Starts `arguments` with this process's stdio and environment plus
    /// `environment` (NAME=value each) and returns its process id.
    public static func start(_ arguments: [String], environment: [String] = []) throws(KJumpLinuxError) -> pid_t {
        precondition(!arguments.isEmpty, "a program to run")
        var pid: pid_t = 0
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = (inheritedEnvironment() + environment).map { strdup($0) } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        let spawned = posix_spawnp(&pid, arguments[0], nil, nil, &argv, &envp)
        guard spawned == 0 else { throw .syscall(name: "posix_spawnp(\(arguments[0]))", errno: Errno(rawValue: spawned)) }
        return pid
    }

    /// Waits for `pid`, started from `arguments`; throws unless it exited with status 0.
    public static func wait(_ pid: pid_t, for arguments: [String]) throws(KJumpLinuxError) {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw .syscall(name: "waitpid(\(arguments[0]))", errno: Errno(rawValue: errno)) }
        }
        // WIFEXITED / WEXITSTATUS: the low 7 bits are 0 on a normal exit; the status is in bits 8–15.
        let exited = status & 0x7f == 0
        let code = (status >> 8) & 0xff
        guard exited, code == 0 else {
            throw .malformed(path: arguments.joined(separator: " "),
                             reason: exited ? "it exited with status \(code)" : "it was killed by signal \(status & 0x7f)")
        }
    }

    /// Replaces this process with `arguments` (execv: the path is taken as
    /// it is); returns only by throwing, when it cannot.
    public static func replaceProcess(with arguments: [String]) throws(KJumpLinuxError) -> Never {
        precondition(!arguments.isEmpty, "a program to run")
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        // What stdio still buffers would vanish with this process image.
        fflush(nil)
        execv(arguments[0], &argv)
        let failure = errno
        for pointer in argv { free(pointer) }
        throw .syscall(name: "execv(\(arguments[0]))", errno: Errno(rawValue: failure))
    }

    private static func inheritedEnvironment() -> [String] {
        var entries: [String] = []
        var cursor = environ
        while let entry = cursor.pointee {
            entries.append(String(cString: entry))
            cursor += 1
        }
        return entries
    }
}
