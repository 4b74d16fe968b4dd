import KJumpCore
import Testing

@Suite struct HibernationReadinessTests {
    static let doctor = DoctorReport(checks: [
        DoctorCheck(.ok, "architecture", "x86_64"),
        DoctorCheck(.warn, "CONFIG_PROC_VMCORE", "not set"),
        DoctorCheck(.ok, "resume device", "/dev/vdb: block device, 512 MiB, not mounted"),
        DoctorCheck(.warn, "crash kernel", "no crashkernel= reservation"),
    ])
    static let memory = MemoryInfo(total: 1024 << 20, free: 600 << 20, available: 700 << 20)   // 324 MiB in use

    static func facts(_ text: String, kernel: Bool = true, key: Bool = true,
                      resumeFile: Result<UInt64, HibernationReadiness.ResumeFileProblem>? = nil) -> HibernationReadiness.Facts {
        HibernationReadiness.Facts(
            configuration: Result { () throws(ConfigurationError) in try KJumpConfiguration(parsing: text, path: "/etc/kjump/kjump.conf") },
            configurationPath: "/etc/kjump/kjump.conf", configurationExists: true,
            hibernationKernelPath: "/usr/lib/kjump/hibernation.bzImage", hibernationKernelExists: kernel,
            hibernationKeyPath: "/etc/kjump/hibernation.key", hibernationKeyExists: key, resumeFile: resumeFile)
    }

    func report(_ facts: HibernationReadiness.Facts) -> DoctorReport {
        HibernationReadiness().evaluate(doctor: Self.doctor, facts: facts, memory: Self.memory)
    }

    func status(_ report: DoctorReport, _ name: String) -> DoctorCheck.Status? {
        report.checks.first { $0.name == name }?.status
    }

    @Test func aConfiguredMachineIsReadyAndCrashChecksAreLeftOut() {
        let ready = report(Self.facts("resume-device = /dev/vdb\ngrub-entry = kjump-resume"))
        #expect(ready.passed)
        #expect(ready.checks.map(\.name) == ["architecture", "resume device", "configuration", "hibernation kernel",
                                             "resume target", "sealing", "resume boot entry"])
        #expect(ready.checks.allSatisfy { $0.status == .ok })
    }

    @Test func eachMissingPieceFailsAndSaysWhatToDo() {
        let empty = report(Self.facts("", kernel: false, key: false))
        #expect(!empty.passed)
        #expect(status(empty, "resume target") == .fail)
        #expect(status(empty, "resume device") == nil)   // not repeated when none is configured
        #expect(status(empty, "hibernation kernel") == .fail)
        #expect(empty.checks.first { $0.name == "sealing" }?.message.contains("kjump keygen") == true)
        #expect(status(empty, "resume boot entry") == .warn)
        // Unsealed on purpose: a warning, not a failure.
        #expect(status(report(Self.facts("resume-device = /dev/vdb\nseal = no", key: false)), "sealing") == .warn)
    }

    @Test func aBrokenConfigurationIsTheOneFailureNamed() {
        let broken = report(Self.facts("compress = lzma"))
        #expect(!broken.passed)
        #expect(broken.checks.last?.message == "/etc/kjump/kjump.conf, line 1: compress must be lz4, zstd or none, not 'lzma'; fix that line")
    }

    @Test func aResumeFileIsJudgedByItsRoom() {
        let config = "resume-file = /var/lib/kjump/resume"
        #expect(status(report(Self.facts(config, resumeFile: .success(1 << 30))), "resume file") == .ok)
        #expect(status(report(Self.facts(config, resumeFile: .success(100 << 20))), "resume file") == .warn)
        let moved = report(Self.facts(config, resumeFile: .failure(.init("it has no resume-file map; run kjump setup --file"))))
        #expect(status(moved, "resume file") == .fail)
        #expect(!moved.passed)
    }
}
