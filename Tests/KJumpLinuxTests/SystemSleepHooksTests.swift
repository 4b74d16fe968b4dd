import Foundation
#if canImport(Glibc)
import Glibc
#endif
import KJumpLinux
import Testing

/// systemd's sleep hooks, run as systemd-sleep runs them (systemd-sleep(8)),
/// from a directory of small scripts.
@Suite struct SystemSleepHooksTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kjump-sleep-hooks-\(UUID().uuidString)").path
    var calls: String { directory + "/calls" }

    /// A hook script `name` in the hooks directory (mode `mode`) that appends
    /// its name, arguments and SYSTEMD_SLEEP_ACTION to `calls`, then exits `status`.
    func hook(_ name: String, status: Int = 0, mode: Int = 0o755) throws {
        let hooks = directory + "/system-sleep"
        try FileManager.default.createDirectory(atPath: hooks, withIntermediateDirectories: true)
        let script = "#!/bin/sh\necho \"\(name) $1 $2 $SYSTEMD_SLEEP_ACTION\" >> \(calls)\nexit \(status)\n"
        // O_CLOEXEC: a process another test spawns meanwhile must not inherit
        // this descriptor, or exec'ing the script fails with ETXTBSY.
        let fd = open(hooks + "/" + name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode_t(mode))
        try #require(fd >= 0)
        defer { close(fd) }
        try #require(script.utf8CString.withUnsafeBytes { write(fd, $0.baseAddress, $0.count - 1) } == script.utf8.count)
    }

    var hooks: SystemSleepHooks { SystemSleepHooks(directory: directory + "/system-sleep") }

    func recorded() throws -> [String] {
        guard FileManager.default.fileExists(atPath: calls) else { return [] }
        return try String(contentsOfFile: calls, encoding: .utf8).split(separator: "\n").map(String.init).sorted()
    }

    @Test func executablesOnlyInNameOrder() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try hook("50-b")
        try hook("10-a")
        try hook("20-not-executable", mode: 0o644)
        try hook(".hidden")
        #expect(hooks.hooks().map { ($0 as NSString).lastPathComponent } == ["10-a", "50-b"])
    }

    @Test func eachHookGetsThePhaseTheActionAndTheEnvironment() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try hook("10-a")
        try hook("20-b")
        #expect(hooks.run(.pre).isEmpty)
        #expect(hooks.run(.post).isEmpty)
        #expect(try recorded() == ["10-a post hibernate hibernate", "10-a pre hibernate hibernate",
                                   "20-b post hibernate hibernate", "20-b pre hibernate hibernate"])
    }

    /// A failing hook is reported by name and status; the others still run.
    @Test func aFailingHookIsReportedAndStopsNothing() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try hook("10-fails", status: 3)
        try hook("20-works")
        let failures = hooks.run(.pre)
        #expect(failures.map(\.hook) == [directory + "/system-sleep/10-fails"])
        #expect("\(failures[0])".contains("it exited with status 3"))
        #expect(try recorded() == ["10-fails pre hibernate hibernate", "20-works pre hibernate hibernate"])
    }

    @Test func noDirectoryNoHooks() {
        #expect(SystemSleepHooks(directory: "/nonexistent/system-sleep").run(.pre).isEmpty)
    }

    /// The post hooks run also when the hibernation fails, after it, as
    /// systemd-sleep runs them; the failure reaches the caller.
    @Test func postHooksRunAfterAFailedHibernation() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try hook("10-a")
        struct CouldNotSave: Error {}
        var order: [String] = []
        #expect(throws: CouldNotSave.self) {
            try SystemdHibernation(hooks: hooks).run(report: { order.append($0) }) {
                order.append("hibernate: \(try recorded())")
                throw CouldNotSave()
            }
        }
        #expect(order == ["hibernate: [\"10-a pre hibernate hibernate\"]"])
        #expect(try recorded() == ["10-a post hibernate hibernate", "10-a pre hibernate hibernate"])
    }

    @Test func failedHooksAreReportedAroundASuccessfulHibernation() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try hook("10-fails", status: 1)
        var reports: [String] = []
        let result = try SystemdHibernation(hooks: hooks).run(report: { reports.append($0) }) { 42 }
        #expect(result == 42)
        #expect(reports.count == 2)
        #expect(reports.allSatisfy { $0.hasPrefix("kjump: the sleep hook \(directory)/system-sleep/10-fails failed") })
    }
}
