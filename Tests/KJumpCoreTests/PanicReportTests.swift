import Testing
@testable import KJumpCore

@Suite struct PanicReportTests {
    static func record(_ sequence: UInt64, _ text: String) -> KernelLogRecord {
        KernelLogRecord(sequence: sequence, timestampNanoseconds: sequence * 1000, callerID: 0, text: Array(text.utf8))
    }

    @Test func sysrqPanicOn612() throws {
        let records = [Self.record(0, "Linux version 6.12.117"),
                       Self.record(1, "sysrq: Trigger a crash"),
                       Self.record(2, "Kernel panic - not syncing: sysrq triggered crash"),
                       Self.record(3, "CPU: 1 UID: 0 PID: 44 Comm: sh Kdump: loaded Not tainted 6.12.117 #1"),
                       Self.record(4, "Call Trace:")]
        let report = try #require(PanicReport(records: records))
        #expect(report == PanicReport(message: "sysrq triggered crash", cpu: 1, pid: 44, command: "sh"))
        #expect(report.description == "CPU 1, PID 44 (sh): sysrq triggered crash")
    }

    @Test func oopsTaskLineBeforeThePanicOn61() throws {
        let records = [Self.record(0, "BUG: kernel NULL pointer dereference, address: 0000000000000000"),
                       Self.record(1, "CPU: 0 PID: 112 Comm: kworker/0:1 Kdump: loaded Not tainted 6.1.0-53-amd64 #1 Debian 6.1.187-1"),
                       Self.record(2, "RIP: 0010:foo+0x1/0x10"),
                       Self.record(3, "Kernel panic - not syncing: Fatal exception")]
        #expect(PanicReport(records: records) == PanicReport(message: "Fatal exception", cpu: 0, pid: 112, command: "kworker/0:1"))
    }

    @Test func noPanicNoReport() {
        #expect(PanicReport(records: [Self.record(0, "CPU: 0 PID: 1 Comm: init")]) == nil)
    }

    @Test func panicWithoutTaskLineStillGivesTheMessage() throws {
        let report = try #require(PanicReport(records: [Self.record(0, "Kernel panic - not syncing: VFS: Unable to mount root fs")]))
        #expect(report.description == "VFS: Unable to mount root fs")
        #expect(PanicReport.taskLine("CPU: x PID: 1 Comm: a") == nil)
    }
}
