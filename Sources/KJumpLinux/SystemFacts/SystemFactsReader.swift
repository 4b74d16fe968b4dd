#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KJumpCore
import SystemPackage

/// Gathers `SystemFacts` from the running kernel: `uname`, `/proc`, `/sys`.
public struct SystemFactsReader: Sendable {
    /// Root under which `/proc`, `/sys` and `/boot` are read (`/` on a live system;
    /// tests point it at a directory tree).
    public var root: String

    public init(root: String = "") {
        self.root = root.hasSuffix("/") ? String(root.dropLast()) : root
    }

    /// Reads every fact `kjump doctor` judges. `resumeDevicePath` is the configured
    /// resume device, if any.
    public func read(resumeDevicePath: String?) -> SystemFacts {
        let names = Self.unameFields()
        let (config, tried) = readKernelConfig(release: names.release)
        let meminfo = KernelFile.probe(root + "/proc/meminfo").text.flatMap { MemoryInfo(parsing: $0) }
        var facts = SystemFacts(
            machine: names.machine,
            effectiveUserID: geteuid(),
            kernelRelease: names.release,
            kernelConfig: config,
            kernelConfigPathsTried: tried,
            lockdown: KernelFile.probe(root + "/sys/kernel/security/lockdown"),
            kexecLoadDisabled: KernelFile.probe(root + "/proc/sys/kernel/kexec_load_disabled"),
            kexecLoadLimitReboot: KernelFile.probe(root + "/proc/sys/kernel/kexec_load_limit_reboot"),
            vmcoreinfo: KernelFile.probe(root + "/sys/kernel/vmcoreinfo"),
            memory: meminfo,
            resumeDevice: resumeDevicePath.map(readResumeDevice),
            crashKernelSize: KernelFile.probe(root + "/sys/kernel/kexec_crash_size")
        )
        facts.cpuInfo = KernelFile.probe(root + "/proc/cpuinfo")
        facts.commandLine = KernelFile.probe(root + "/proc/cmdline")
        return facts
    }

    /// The kernel configuration from `/proc/config.gz`, else `/boot/config-<release>`.
    func readKernelConfig(release: String) -> (SystemFacts.KernelConfigFile?, [String]) {
        let procPath = root + "/proc/config.gz"
        let bootPath = root + "/boot/config-" + release
        if let bytes = try? KernelFile.readBytes(procPath),
           let text = try? Gzip.decompress(bytes, path: procPath) {
            return (.init(path: "/proc/config.gz", config: KernelConfig(parsing: String(decoding: text, as: UTF8.self))),
                    [procPath, bootPath])
        }
        if let text = try? KernelFile.readText(bootPath) {
            return (.init(path: bootPath, config: KernelConfig(parsing: text)), [procPath, bootPath])
        }
        return (nil, [procPath, bootPath])
    }

    /// What `stat`, `/proc/mounts`, `/proc/swaps` and sysfs say about a resume device.
    public func readResumeDevice(_ path: String) -> SystemFacts.ResumeDevice {
        var info = stat()
        guard stat(path, &info) == 0 else {
            return .init(path: path, exists: false, isBlockDevice: false, sizeBytes: nil,
                         mountPoint: nil, isActiveSwap: false)
        }
        let isBlock = (info.st_mode & S_IFMT) == S_IFBLK
        var size: UInt64?
        var mountPoint: String?
        var swap = false
        if isBlock {
            let major = (info.st_rdev >> 8) & 0xfff | ((info.st_rdev >> 32) & ~0xfff)
            let minor = (info.st_rdev & 0xff) | ((info.st_rdev >> 12) & ~0xff)
            let sysSize = root + "/sys/dev/block/\(major):\(minor)/size"
            if let sectors = KernelFile.probe(sysSize).text.flatMap({ UInt64($0.trimmingSpaces()) }) {
                size = sectors * 512
            }
            let canonical = Self.canonicalPath(path)
            if let mounts = KernelFile.probe(root + "/proc/mounts").text {
                for line in mounts.split(separator: "\n") {
                    let fields = line.split(separator: " ")
                    if fields.count > 1, Self.canonicalPath(String(fields[0])) == canonical {
                        mountPoint = String(fields[1])
                        break
                    }
                }
            }
            if let swaps = KernelFile.probe(root + "/proc/swaps").text {
                swap = swaps.split(separator: "\n").dropFirst().contains {
                    $0.split(separator: " ").first.map { Self.canonicalPath(String($0)) == canonical } ?? false
                }
            }
        }
        return .init(path: path, exists: true, isBlockDevice: isBlock, sizeBytes: size,
                     mountPoint: mountPoint, isActiveSwap: swap)
    }

    static func canonicalPath(_ path: String) -> String {
        DirectoryPaths.resolved(path) ?? path
    }

    static func unameFields() -> (machine: String, release: String) {
        var names = utsname()
        uname(&names)
        func field<T>(_ value: inout T) -> String {
            withUnsafeBytes(of: &value) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
        }
        return (field(&names.machine), field(&names.release))
    }
}
