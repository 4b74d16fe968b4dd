#if canImport(Glibc)
import Glibc
#endif
import SystemPackage

/// Runs another program (found through PATH) and waits for it, with
/// `posix_spawnp(3)`: for the boot-loader tools `kjump hibernate` arms.
public enum ProgramRunner {
    /// Runs `arguments` (`arguments[0]` is the program) with this process's
    /// stdio and environment; throws when it cannot start or exits non-zero.
    public static func run(_ arguments: [String]) throws(KJumpLinuxError) {
        precondition(!arguments.isEmpty, "a program to run")
        var pid: pid_t = 0
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let spawned = posix_spawnp(&pid, arguments[0], nil, nil, &argv, environ)
        guard spawned == 0 else { throw .syscall(name: "posix_spawnp(\(arguments[0]))", errno: Errno(rawValue: spawned)) }
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
}
