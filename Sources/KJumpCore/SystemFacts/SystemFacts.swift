/// Everything `kjump doctor` needs to know about a machine, gathered by
/// KJumpLinux and judged by `Doctor` (so the judgement is testable anywhere).
public struct SystemFacts: Sendable, Equatable {
    /// Where the kernel configuration came from, and its text.
    public struct KernelConfigFile: Sendable, Equatable {
        public var path: String
        public var config: KernelConfig
        public init(path: String, config: KernelConfig) {
            self.path = path
            self.config = config
        }
    }

    /// What is known about the configured resume device.
    public struct ResumeDevice: Sendable, Equatable {
        /// The path as configured.
        public var path: String
        /// False when nothing exists at `path`.
        public var exists: Bool
        /// True for a block device (a partition or a whole disk).
        public var isBlockDevice: Bool
        /// Size in bytes, when known.
        public var sizeBytes: UInt64?
        /// Mount point when the device is mounted.
        public var mountPoint: String?
        /// True when the device is active swap.
        public var isActiveSwap: Bool

        public init(path: String, exists: Bool, isBlockDevice: Bool, sizeBytes: UInt64?,
                    mountPoint: String?, isActiveSwap: Bool) {
            self.path = path
            self.exists = exists
            self.isBlockDevice = isBlockDevice
            self.sizeBytes = sizeBytes
            self.mountPoint = mountPoint
            self.isActiveSwap = isActiveSwap
        }
    }

    /// `uname -m`.
    public var machine: String
    /// The effective user id.
    public var effectiveUserID: UInt32
    /// `uname -r`.
    public var kernelRelease: String
    /// The kernel configuration, or nil when none could be read.
    public var kernelConfig: KernelConfigFile?
    /// The paths tried for the configuration, in order.
    public var kernelConfigPathsTried: [String]
    /// `/sys/kernel/security/lockdown`.
    public var lockdown: ProbedFile
    /// `/proc/sys/kernel/kexec_load_disabled`.
    public var kexecLoadDisabled: ProbedFile
    /// `/proc/sys/kernel/kexec_load_limit_reboot` (Linux 6.6 and later).
    public var kexecLoadLimitReboot: ProbedFile
    /// `/sys/kernel/vmcoreinfo`.
    public var vmcoreinfo: ProbedFile
    /// `/proc/meminfo`, parsed.
    public var memory: MemoryInfo?
    /// The resume device, when one is configured.
    public var resumeDevice: ResumeDevice?
    /// `/sys/kernel/kexec_crash_size`.
    public var crashKernelSize: ProbedFile
    /// `/proc/cpuinfo`: the CPU vendor and whether it has MONITOR/MWAIT.
    public var cpuInfo: ProbedFile = .missing
    /// `/proc/cmdline`: the running kernel's command line.
    public var commandLine: ProbedFile = .missing

    public init(machine: String, effectiveUserID: UInt32, kernelRelease: String,
                kernelConfig: KernelConfigFile?, kernelConfigPathsTried: [String],
                lockdown: ProbedFile, kexecLoadDisabled: ProbedFile, kexecLoadLimitReboot: ProbedFile,
                vmcoreinfo: ProbedFile, memory: MemoryInfo?, resumeDevice: ResumeDevice?,
                crashKernelSize: ProbedFile) {
        self.machine = machine
        self.effectiveUserID = effectiveUserID
        self.kernelRelease = kernelRelease
        self.kernelConfig = kernelConfig
        self.kernelConfigPathsTried = kernelConfigPathsTried
        self.lockdown = lockdown
        self.kexecLoadDisabled = kexecLoadDisabled
        self.kexecLoadLimitReboot = kexecLoadLimitReboot
        self.vmcoreinfo = vmcoreinfo
        self.memory = memory
        self.resumeDevice = resumeDevice
        self.crashKernelSize = crashKernelSize
    }
}
