import Foundation
import Testing
@testable import KJumpCore

@Suite struct DoctorTests {
    /// A machine that has everything: the lab's system kernel as seen from inside the guest.
    static func healthyFacts() throws -> SystemFacts {
        var facts = SystemFacts(
            machine: "x86_64", effectiveUserID: 0, kernelRelease: "6.12.117",
            kernelConfig: .init(path: "/proc/config.gz",
                                config: KernelConfig(parsing: try fixtureText("config-lab-system-6.12"))),
            kernelConfigPathsTried: ["/proc/config.gz", "/boot/config-6.12.117"],
            lockdown: .content("[none] integrity confidentiality\n"),
            kexecLoadDisabled: .content("0\n"),
            kexecLoadLimitReboot: .content("-1\n"),
            vmcoreinfo: .content("3b84000 1024\n"),
            memory: MemoryInfo(total: 1 << 30, free: 700 << 20, available: 800 << 20),
            resumeDevice: .init(path: "/dev/vdb", exists: true, isBlockDevice: true, sizeBytes: 2 << 30,
                                mountPoint: nil, isActiveSwap: false),
            crashKernelSize: .content("268435456\n"))
        facts.cpuInfo = .content("processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu vme monitor sse2\n")
        facts.commandLine = .content("console=ttyS0 quiet\n")
        return facts
    }

    func check(_ report: DoctorReport, _ name: String) throws -> DoctorCheck {
        try #require(report.checks.first { $0.name == name }, "no check named \(name)")
    }

    @Test func healthyMachinePassesEveryCheck() throws {
        let report = Doctor().evaluate(try Self.healthyFacts())
        #expect(report.passed)
        #expect(report.checks.allSatisfy { $0.status == .ok }, "\(report.renderText())")
        #expect(report.checks.count == 15)
    }

    @Test func hostKernelWithoutKexecJumpFails() throws {
        var facts = try Self.healthyFacts()
        facts.kernelConfig = .init(path: "/proc/config.gz",
                                   config: KernelConfig(parsing: try fixtureText("config-6.18-host")))
        let report = Doctor().evaluate(facts)
        #expect(!report.passed)
        let jump = try check(report, "CONFIG_KEXEC_JUMP")
        #expect(jump.status == .fail)
        #expect(jump.message.contains("rebuild the kernel with CONFIG_KEXEC_JUMP=y"))
        #expect(jump.message.contains("Debian's, openSUSE's and Alpine's do not: docs/INSTALL.md"))
    }

    @Test func moduleIsNotEnough() throws {
        var facts = try Self.healthyFacts()
        facts.kernelConfig?.config = KernelConfig(parsing: "CONFIG_KEXEC=y\nCONFIG_KEXEC_JUMP=y\nCONFIG_HIBERNATION=y\nCONFIG_CRASH_DUMP=y\nCONFIG_PROC_VMCORE=m\n")
        let check = try check(Doctor().evaluate(facts), "CONFIG_PROC_VMCORE")
        #expect(check.status == .fail)
        #expect(check.message.contains("=m"))
    }

    @Test func missingProcVmcoreOnlyWarns() throws {
        var facts = try Self.healthyFacts()
        facts.kernelConfig?.config = KernelConfig(parsing: "CONFIG_KEXEC=y\nCONFIG_KEXEC_JUMP=y\nCONFIG_HIBERNATION=y\nCONFIG_CRASH_DUMP=y\n")
        let report = Doctor().evaluate(facts)
        #expect(try check(report, "CONFIG_PROC_VMCORE").status == .warn)
        #expect(report.passed)
    }

    @Test func unreadableConfigWarnsAndNamesThePathsTried() throws {
        var facts = try Self.healthyFacts()
        facts.kernelConfig = nil
        let report = Doctor().evaluate(facts)
        let jump = try check(report, "CONFIG_KEXEC_JUMP")
        #expect(jump.status == .warn)
        #expect(jump.message.contains("/proc/config.gz or /boot/config-6.12.117"))
    }

    @Test func lockdownRefusesKexecAndSaysSoPlainly() throws {
        var facts = try Self.healthyFacts()
        facts.lockdown = .content("none [integrity] confidentiality\n")
        let report = Doctor().evaluate(facts)
        let lockdown = try check(report, "lockdown")
        #expect(lockdown.status == .fail)
        #expect(lockdown.message.contains("refuses kexec_load(2)"))
        #expect(lockdown.message.contains("mokutil --disable-validation"))
        #expect(!report.passed)
    }

    @Test func absentLockdownFileIsFineWithoutTheLSM() throws {
        var facts = try Self.healthyFacts()
        facts.lockdown = .missing
        facts.kernelConfig?.config = KernelConfig(parsing: "CONFIG_KEXEC=y\n")
        #expect(try check(Doctor().evaluate(facts), "lockdown").status == .ok)
        facts.kernelConfig?.config = KernelConfig(parsing: "CONFIG_SECURITY_LOCKDOWN_LSM=y\n")
        let withLSM = try check(Doctor().evaluate(facts), "lockdown")
        #expect(withLSM.status == .warn)
        #expect(withLSM.message.contains("mount -t securityfs"))
    }

    @Test func kexecLoadDisabledFails() throws {
        var facts = try Self.healthyFacts()
        facts.kexecLoadDisabled = .content("1\n")
        let report = Doctor().evaluate(facts)
        #expect(try check(report, "kexec_load_disabled").status == .fail)
        facts.kexecLoadDisabled = .missing
        #expect(try check(Doctor().evaluate(facts), "kexec_load_disabled").message.contains("no kexec support"))
    }

    @Test func exhaustedLoadLimitFailsAndOldKernelsSkipTheCheck() throws {
        var facts = try Self.healthyFacts()
        facts.kexecLoadLimitReboot = .content("0\n")
        #expect(try check(Doctor().evaluate(facts), "kexec_load_limit_reboot").status == .fail)
        facts.kexecLoadLimitReboot = .missing
        #expect(Doctor().evaluate(facts).checks.allSatisfy { $0.name != "kexec_load_limit_reboot" })
    }

    @Test func missingVmcoreinfoFails() throws {
        var facts = try Self.healthyFacts()
        facts.vmcoreinfo = .missing
        #expect(try check(Doctor().evaluate(facts), "vmcoreinfo").status == .fail)
    }

    @Test func freeMemoryBelowRegionPlusMarginFails() throws {
        var facts = try Self.healthyFacts()
        let doctor = Doctor()
        let need = doctor.region.totalBytes + doctor.memoryMarginBytes
        facts.memory?.available = need
        #expect(try check(doctor.evaluate(facts), "free memory").status == .ok)
        facts.memory?.available = need - 1
        let low = try check(doctor.evaluate(facts), "free memory")
        #expect(low.status == .fail)
        #expect(low.message.contains("144 MiB needed (H region 80 MiB + 64 MiB margin)"))
    }

    @Test func largerRegionNeedsMoreMemory() throws {
        let facts = try Self.healthyFacts()
        let doctor = Doctor(region: HibernationRegion(mainBlockBytes: 1024 << 20))
        #expect(try check(doctor.evaluate(facts), "free memory").status == .fail)
    }

    @Test func resumeDeviceProblemsFail() throws {
        var facts = try Self.healthyFacts()
        facts.resumeDevice?.mountPoint = "/mnt"
        #expect(try check(Doctor().evaluate(facts), "resume device").message.contains("mounted on /mnt"))
        facts.resumeDevice?.mountPoint = nil
        facts.resumeDevice?.isActiveSwap = true
        #expect(try check(Doctor().evaluate(facts), "resume device").status == .fail)
        facts.resumeDevice?.isActiveSwap = false
        facts.resumeDevice?.isBlockDevice = false
        #expect(try check(Doctor().evaluate(facts), "resume device").message.contains("not a block device"))
        facts.resumeDevice?.exists = false
        #expect(try check(Doctor().evaluate(facts), "resume device").message.contains("does not exist"))
    }

    @Test func smallResumeDeviceWarnsAndNoneConfiguredWarns() throws {
        var facts = try Self.healthyFacts()
        facts.resumeDevice?.sizeBytes = 64 << 20
        #expect(try check(Doctor().evaluate(facts), "resume device").status == .warn)
        facts.resumeDevice = nil
        let none = try check(Doctor().evaluate(facts), "resume device")
        #expect(none.status == .warn)
        #expect(none.message.contains("--resume-device"))
    }

    @Test func noCrashReservationWarnsOnly() throws {
        var facts = try Self.healthyFacts()
        facts.crashKernelSize = .content("0\n")
        let report = Doctor().evaluate(facts)
        #expect(try check(report, "crash kernel").message.contains("crashkernel=256M"))
        #expect(report.passed)
    }

    @Test func textReportHasOneAlignedLinePerCheck() throws {
        var facts = try Self.healthyFacts()
        facts.machine = "aarch64"
        let report = Doctor().evaluate(facts)
        let lines = report.renderText().split(separator: "\n")
        #expect(lines.count == report.checks.count)
        #expect(lines[0].hasPrefix("fail  architecture "))
        #expect(lines[1].hasPrefix("ok    root "))
        // Every message starts in the same column, after the status and the padded name.
        let columns = Set(zip(lines, report.checks).map { line, check in
            #expect(line.hasSuffix("  " + check.message))
            return line.count - check.message.count
        })
        #expect(columns.count == 1)
    }


    /// Measured in the lab (lab/experiments/unpatched-jump): an Intel CPU with
    /// MWAIT needs clearcpuid=monitor on a kernel without the parking patch.
    @Test func anIntelCPUWithMwaitAsksForClearcpuid() throws {
        var facts = try Self.healthyFacts()
        facts.cpuInfo = .content("processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu vme monitor sse2\n")
        let parking = try check(Doctor().evaluate(facts), "CPU parking")
        #expect(parking.status == .warn)
        #expect(parking.message.contains("add clearcpuid=monitor"))
        facts.commandLine = .content("root=/dev/sda1 clearcpuid=pku,monitor quiet\n")
        #expect(try check(Doctor().evaluate(facts), "CPU parking").status == .ok)
        facts.cpuInfo = .content("vendor_id\t: GenuineIntel\nflags\t\t: fpu vme sse2\n")
        facts.commandLine = .missing
        #expect(try check(Doctor().evaluate(facts), "CPU parking").message.hasPrefix("no MONITOR/MWAIT"))
        facts.cpuInfo = .missing
        #expect(try check(Doctor().evaluate(facts), "CPU parking").status == .warn)
    }
}
