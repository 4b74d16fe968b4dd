#if canImport(Glibc)
import Glibc
#endif
import KJumpCore
import Logging
import SystemPackage

/// Loads the hibernation kernel for a preserve-context jump: gathers the
/// running system's memory layout, plans the segments (KJumpCore), and
/// calls `kexec_load`.
public struct HibernationKernelLoader: Sendable {
    /// Path of the hibernation kernel's bzImage.
    public var kernelPath: String
    /// The H region.
    public var region: HibernationRegion
    /// Why H is started: `kjump.role=` (`jump`, `hibernate`).
    public var role: String
    /// Words added to H's command line.
    public var extraCommandLine: [String]
    /// Fields added to kjump's note for H (see `KJumpNote`).
    public var noteFields: [String: String] = [:]

    public init(kernelPath: String, region: HibernationRegion, role: String, extraCommandLine: [String]) {
        self.kernelPath = kernelPath
        self.region = region
        self.role = role
        self.extraCommandLine = extraCommandLine
    }

    /// Builds the plan from the running system, without loading anything.
    public func plan() throws(JumpError) -> KexecJumpPlan {
        let needed = Doctor(region: region).neededFreeBytes
        let meminfo: MemoryInfo?
        do { meminfo = MemoryInfo(parsing: try KernelFile.readText("/proc/meminfo")) } catch { throw .system(error) }
        if let available = meminfo?.available, available < needed {
            throw .notEnoughFreeMemory(available: available, needed: needed)
        }
        let kernel: BzImage
        switch HibernationKernelImage.read(kernelPath) {
        case .success(let image): kernel = image
        case .failure(let unusable): throw .hibernationKernel(path: kernelPath, reason: unusable.reason)
        }
        let firmware: [E820Entry]
        let systemRAM: [PhysicalRange]
        let vmcoreinfo: PhysicalRange
        do {
            firmware = try FirmwareMemoryMap.read()
            let iomemText = try KernelFile.readText("/proc/iomem")
            do { systemRAM = try IoMemoryMap(parsing: iomemText).systemRAM } catch {
                throw KJumpLinuxError.malformed(path: "/proc/iomem", reason: error.description)
            }
            vmcoreinfo = try RunningKernelMemory.vmcoreinfoLocation()
        } catch let error as KJumpLinuxError {
            throw .system(error)
        } catch {
            throw .system(.malformed(path: "/proc/iomem", reason: "\(error)"))
        }
        let planner = KexecJumpPlanner(region: region, kernel: kernel, purgatory: .shipped,
                                       firmwareMemoryMap: firmware, systemRAM: systemRAM, vmcoreinfo: vmcoreinfo,
                                       role: role, extraCommandLine: extraCommandLine, noteFields: noteFields)
        do { return try planner.plan() } catch { throw .plan(error) }
    }

    /// Loads `plan` with `KEXEC_PRESERVE_CONTEXT`.
    public func load(_ plan: KexecJumpPlan) throws(JumpError) {
        do {
            try Kexec.load(entry: plan.entry, segments: plan.segments, flags: Kexec.preserveContext)
        } catch {
            guard case .syscall(_, let errno) = error else { throw .system(error) }
            throw .loadRefused(errno: errno, cause: Self.explain(errno))
        }
    }

    /// What an errno from `kexec_load` most likely means here.
    static func explain(_ errno: Errno) -> String {
        switch errno {
        case .notPermitted:
            let disabled = KernelFile.probe("/proc/sys/kernel/kexec_load_disabled").text?.trimmingSpaces()
            if disabled == "1" { return "kernel.kexec_load_disabled is 1, which lasts until the next boot" }
            if let lockdown = KernelFile.probe("/sys/kernel/security/lockdown").text.flatMap(LockdownState.init(parsing:)),
               !lockdown.allowsKexecLoad {
                return "the kernel is locked down (\(lockdown.rawValue)), which forbids kexec_load"
            }
            return "kjump needs root (CAP_SYS_BOOT), and kexec_load must not be disabled (kjump doctor checks both)"
        case .noFunction:
            return "this kernel has no kexec support (CONFIG_KEXEC)"
        case .invalidArgument:
            return "the kernel rejected the plan, or lacks CONFIG_KEXEC_JUMP (needed for KEXEC_PRESERVE_CONTEXT)"
        case .noMemory:
            return "the kernel could not allocate pages for the H region's copy"
        case .resourceBusy:
            return "another kexec load is in progress"
        default:
            return "see kjump doctor"
        }
    }
}
