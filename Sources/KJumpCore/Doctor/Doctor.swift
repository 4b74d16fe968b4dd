/// Judges `SystemFacts` against what hibernation and crash capture need.
/// Pure: the same facts always give the same report.
public struct Doctor: Sendable {
    /// The H region the hibernation kernel will use; its size sets the free-memory need.
    public var region: HibernationRegion
    /// Free memory wanted on top of |R| so the system keeps running while R is swapped out.
    public var memoryMarginBytes: UInt64

    public init(region: HibernationRegion = HibernationRegion(), memoryMarginBytes: UInt64 = 64 << 20) {
        self.region = region
        self.memoryMarginBytes = memoryMarginBytes
    }

    /// Free memory a jump needs: all of R (the kernel copies A's contents of R
    /// into pages it allocates) plus the margin.
    public var neededFreeBytes: UInt64 { region.totalBytes + memoryMarginBytes }

    /// Kernel options checked, with whether their absence fails and why they matter.
    static let requiredOptions: [(name: String, failsWhenMissing: Bool, why: String)] = [
        ("CONFIG_KEXEC", true, "kexec_load(2), which kjump uses to start the hibernation kernel"),
        ("CONFIG_KEXEC_JUMP", true, "jumping to the hibernation kernel and back (Fedora's, RHEL's and Ubuntu's kernels set it; Debian's, openSUSE's and Alpine's do not: docs/INSTALL.md builds Debian's with it)"),
        ("CONFIG_HIBERNATION", true, "freezing tasks and devices around a jump (CONFIG_KEXEC_JUMP depends on it)"),
        ("CONFIG_CRASH_DUMP", true, "/sys/kernel/vmcoreinfo and crash capture"),
        ("CONFIG_PROC_VMCORE", false, "reading /proc/vmcore when this kernel itself captures a dump; kjump's hibernation kernel has its own"),
    ]

    /// Every check, in a stable order.
    public func evaluate(_ facts: SystemFacts) -> DoctorReport {
        var checks: [DoctorCheck] = []
        checks.append(architecture(facts))
        checks.append(root(facts))
        checks += kernelConfig(facts)
        checks.append(lockdown(facts))
        checks.append(kexecLoadDisabled(facts))
        if let limit = kexecLoadLimit(facts) { checks.append(limit) }
        checks.append(vmcoreinfo(facts))
        checks.append(freeMemory(facts))
        checks.append(cpuParking(facts))
        checks.append(resumeDevice(facts))
        checks.append(crashReservation(facts))
        return DoctorReport(checks: checks)
    }

    func architecture(_ facts: SystemFacts) -> DoctorCheck {
        facts.machine == "x86_64"
            ? DoctorCheck(.ok, "architecture", "x86_64")
            : DoctorCheck(.fail, "architecture",
                          "this machine is \(facts.machine); kjump supports x86-64 only (kexec jump exists only there)")
    }

    func root(_ facts: SystemFacts) -> DoctorCheck {
        facts.effectiveUserID == 0
            ? DoctorCheck(.ok, "root", "running as root")
            : DoctorCheck(.fail, "root",
                          "running as uid \(facts.effectiveUserID); run kjump as root (kexec_load needs CAP_SYS_BOOT)")
    }

    func kernelConfig(_ facts: SystemFacts) -> [DoctorCheck] {
        guard let file = facts.kernelConfig else {
            let tried = facts.kernelConfigPathsTried.joined(separator: " or ")
            return Self.requiredOptions.map { option in
                DoctorCheck(.warn, option.name,
                            "unknown: could not read \(tried); build the kernel with CONFIG_IKCONFIG_PROC=y or install its config file")
            }
        }
        return Self.requiredOptions.map { option in
            switch file.config[option.name] {
            case .builtIn:
                return DoctorCheck(.ok, option.name, "=y in \(file.path)")
            case .module:
                return DoctorCheck(.fail, option.name,
                                   "=m in \(file.path), but it must be built in (=y): rebuild the kernel with \(option.name)=y")
            default:
                return DoctorCheck(option.failsWhenMissing ? .fail : .warn, option.name,
                                   "not set in \(file.path); needed for \(option.why): rebuild the kernel with \(option.name)=y")
            }
        }
    }

    func lockdown(_ facts: SystemFacts) -> DoctorCheck {
        switch facts.lockdown {
        case .content(let text):
            guard let state = LockdownState(parsing: text) else {
                return DoctorCheck(.warn, "lockdown", "cannot parse /sys/kernel/security/lockdown: \(text)")
            }
            if state.allowsKexecLoad {
                return DoctorCheck(.ok, "lockdown", "none")
            }
            return DoctorCheck(.fail, "lockdown",
                               "the kernel is locked down (\(state.rawValue)), usually by Secure Boot; lockdown refuses kexec_load(2), so kjump cannot hibernate or load a crash kernel here, and the command line cannot lower it. Turn Secure Boot off in the firmware setup, or where the kernel boots through shim (Debian, Ubuntu) turn off shim's validation: mokutil --disable-validation, then reboot")
        case .missing:
            if facts.kernelConfig?.config.isBuiltIn("CONFIG_SECURITY_LOCKDOWN_LSM") == true {
                return DoctorCheck(.warn, "lockdown",
                                   "the lockdown LSM is built in but /sys/kernel/security/lockdown is absent: mount securityfs (mount -t securityfs securityfs /sys/kernel/security) and run again")
            }
            return DoctorCheck(.ok, "lockdown", "no lockdown LSM in this kernel")
        case .unreadable(let reason):
            return DoctorCheck(.warn, "lockdown", "cannot read /sys/kernel/security/lockdown: \(reason)")
        }
    }

    func kexecLoadDisabled(_ facts: SystemFacts) -> DoctorCheck {
        let name = "kexec_load_disabled"
        switch facts.kexecLoadDisabled {
        case .content(let text) where text.trimmingSpaces().hasPrefix("0"):
            return DoctorCheck(.ok, name, "0")
        case .content(let text):
            return DoctorCheck(.fail, name,
                               "kernel.kexec_load_disabled is \(text.trimmingSpaces()); it cannot be reset until the next boot: reboot, and remove whatever sets it (sysctl.d)")
        case .missing:
            return DoctorCheck(.fail, name,
                               "/proc/sys/kernel/kexec_load_disabled is absent: this kernel has no kexec support (CONFIG_KEXEC)")
        case .unreadable(let reason):
            return DoctorCheck(.warn, name, "cannot read /proc/sys/kernel/kexec_load_disabled: \(reason)")
        }
    }

    func kexecLoadLimit(_ facts: SystemFacts) -> DoctorCheck? {
        guard let text = facts.kexecLoadLimitReboot.text?.trimmingSpaces() else { return nil }
        if text == "0" {
            return DoctorCheck(.fail, "kexec_load_limit_reboot",
                               "kernel.kexec_load_limit_reboot is 0: no more kexec loads are allowed until the next boot")
        }
        return DoctorCheck(.ok, "kexec_load_limit_reboot", text == "-1" ? "unlimited" : "\(text) loads left")
    }

    func vmcoreinfo(_ facts: SystemFacts) -> DoctorCheck {
        switch facts.vmcoreinfo {
        case .content(let text):
            return DoctorCheck(.ok, "vmcoreinfo", "note at \(text.trimmingSpaces())")
        case .missing:
            return DoctorCheck(.fail, "vmcoreinfo",
                               "/sys/kernel/vmcoreinfo is absent: the hibernation kernel cannot interpret this kernel's memory; rebuild with CONFIG_CRASH_DUMP=y")
        case .unreadable(let reason):
            return DoctorCheck(.fail, "vmcoreinfo", "cannot read /sys/kernel/vmcoreinfo: \(reason)")
        }
    }

    func freeMemory(_ facts: SystemFacts) -> DoctorCheck {
        guard let memory = facts.memory else {
            return DoctorCheck(.warn, "free memory", "cannot read MemAvailable from /proc/meminfo")
        }
        let need = neededFreeBytes
        let detail = "\(mib(memory.available)) MiB available, \(mib(need)) MiB needed (H region \(mib(region.totalBytes)) MiB + \(mib(memoryMarginBytes)) MiB margin)"
        if memory.available >= need {
            return DoctorCheck(.ok, "free memory", detail)
        }
        return DoctorCheck(.fail, "free memory",
                           detail + ": the system kernel must hold a copy of the H region while the hibernation kernel runs; stop some programs or drop caches (echo 3 > /proc/sys/vm/drop_caches)")
    }

    func resumeDevice(_ facts: SystemFacts) -> DoctorCheck {
        resumeDeviceCheck(facts.resumeDevice, memory: facts.memory)
    }

    /// The resume device check alone: it must exist, be a block device, and be
    /// neither mounted nor active swap; smaller than the memory in use only warns.
    public func resumeDeviceCheck(_ device: SystemFacts.ResumeDevice?, memory: MemoryInfo?) -> DoctorCheck {
        let name = "resume device"
        guard let device else {
            return DoctorCheck(.warn, name,
                               "none configured: hibernation needs a partition or disk that kjump may overwrite; pass --resume-device DEVICE")
        }
        guard device.exists else {
            return DoctorCheck(.fail, name, "\(device.path) does not exist")
        }
        guard device.isBlockDevice else {
            return DoctorCheck(.fail, name, "\(device.path) is not a block device: give a partition or a whole disk")
        }
        if let mountPoint = device.mountPoint {
            return DoctorCheck(.fail, name,
                               "\(device.path) is mounted on \(mountPoint): kjump would overwrite a live filesystem; choose an unused partition")
        }
        if device.isActiveSwap {
            return DoctorCheck(.fail, name,
                               "\(device.path) is active swap: run swapoff \(device.path) or choose another partition")
        }
        let size = device.sizeBytes.map { "\(mib($0)) MiB" } ?? "size unknown"
        if let bytes = device.sizeBytes, let memory, bytes < memory.total - memory.available {
            return DoctorCheck(.warn, name,
                               "\(device.path): \(size), smaller than the \(mib(memory.total - memory.available)) MiB of memory in use; an image may not fit")
        }
        return DoctorCheck(.ok, name, "\(device.path): block device, \(size), not mounted")
    }

    /// Where the CPUs taken offline for a jump wait. An Intel CPU with
    /// MONITOR/MWAIT waits in mwait_play_dead(), inside this kernel's text,
    /// which the jump swaps the hibernation kernel over: without kjump's
    /// parking patch (lab/kernel/patches/system/) it then runs what lands
    /// there. Measured in the lab (lab/experiments/unpatched-jump): the
    /// unpatched kernel's round trip triple-faults; with clearcpuid=monitor it
    /// works. AMD parks in HLT.
    func cpuParking(_ facts: SystemFacts) -> DoctorCheck {
        let name = "CPU parking"
        guard let cpuinfo = facts.cpuInfo.text else {
            return DoctorCheck(.warn, name, "cannot read /proc/cpuinfo: whether offline CPUs park safely during a jump is unknown")
        }
        let vendor = cpuinfo.split(separator: "\n").first { $0.hasPrefix("vendor_id") }
            .map { $0.split(separator: ":", maxSplits: 1).last.map { String($0.trimmingSpaces()) } ?? "" } ?? "unknown"
        if vendor == "AuthenticAMD" || vendor == "HygonGenuine" {
            return DoctorCheck(.ok, name, "\(vendor): offline CPUs wait in HLT during a jump")
        }
        let flags = cpuinfo.split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ") ?? []
        if !flags.contains("monitor") {
            return DoctorCheck(.ok, name, "no MONITOR/MWAIT: offline CPUs wait in HLT during a jump")
        }
        let line = KernelCommandLine(parsing: facts.commandLine.text ?? "")
        if line.words.contains(where: { $0.hasPrefix("clearcpuid=") && $0.dropFirst(11).split(separator: ",").contains("monitor") }) {
            return DoctorCheck(.ok, name, "clearcpuid=monitor: offline CPUs wait in HLT during a jump")
        }
        return DoctorCheck(.warn, name, "\(vendor) with MONITOR/MWAIT: a CPU taken offline for the jump waits in MWAIT inside this kernel's text, which the jump overwrites; add clearcpuid=monitor to the kernel command line and reboot (kjump's package adds it at update-grub, /etc/default/grub.d/kjump.cfg, once kjump.conf names a resume target), unless this kernel carries kjump's CPU-parking patch")
    }

    func crashReservation(_ facts: SystemFacts) -> DoctorCheck {
        let name = "crash kernel"
        guard let text = facts.crashKernelSize.text?.trimmingSpaces(), let bytes = UInt64(text) else {
            return DoctorCheck(.warn, name, "cannot read /sys/kernel/kexec_crash_size: crash capture status unknown")
        }
        if bytes == 0 {
            return DoctorCheck(.warn, name,
                               "no crashkernel= reservation: crash capture is unavailable (hibernation does not need it); add crashkernel=256M to the kernel command line to enable it")
        }
        return DoctorCheck(.ok, name, "\(mib(bytes)) MiB reserved by crashkernel=")
    }

    private func mib(_ bytes: UInt64) -> UInt64 { bytes >> 20 }
}
