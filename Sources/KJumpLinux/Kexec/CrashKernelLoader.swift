#if canImport(Glibc)
import Glibc
#endif
import KJumpCore
import SystemPackage

/// Why `kjump crash-load` could not load (or unload) the crash kernel. The
/// running system is unchanged in every case.
public enum CrashLoadError: Error, Sendable, CustomStringConvertible {
    case hibernationKernel(path: String, reason: String)
    case plan(KexecCrashPlanError)
    case loadRefused(errno: Errno, cause: String)
    case system(KJumpLinuxError)

    public var description: String {
        switch self {
        case .hibernationKernel(let path, let reason):
            "cannot use \(path) as the crash kernel: \(reason). Install kjump's hibernation kernel there, or pass --kernel PATH"
        case .plan(let error):
            "cannot lay out the crash kernel: \(error)"
        case .loadRefused(let errno, let cause):
            "the kernel refused to load the crash kernel (kexec_load with KEXEC_ON_CRASH: \(errno)): \(cause)"
        case .system(let error):
            error.description
        }
    }
}

/// Loads the hibernation kernel as the crash kernel: into the
/// `crashkernel=` reservation with `KEXEC_ON_CRASH`, so that a panic starts
/// it and its `kjump save` writes the dump.
public struct CrashKernelLoader: Sendable {
    /// `KEXEC_ON_CRASH`.
    public static let onCrash: UInt = 0x0000_0001

    /// Path of the hibernation kernel's bzImage.
    public var kernelPath: String
    /// Words added to H's command line (console=, kjump.target=…).
    public var extraCommandLine: [String]
    /// CPUs H brings up after the crash.
    public var cpus: Int

    public init(kernelPath: String, extraCommandLine: [String], cpus: Int = 1) {
        self.kernelPath = kernelPath
        self.extraCommandLine = extraCommandLine
        self.cpus = cpus
    }

    /// Builds the plan from the running system, without loading anything.
    public func plan() throws(CrashLoadError) -> KexecJumpPlan {
        let kernel: BzImage
        switch HibernationKernelImage.read(kernelPath) {
        case .success(let image): kernel = image
        case .failure(let unusable): throw .hibernationKernel(path: kernelPath, reason: unusable.reason)
        }
        let planner: KexecCrashPlanner
        do {
            let iomem: IoMemoryMap
            do { iomem = try IoMemoryMap(parsing: try KernelFile.readText("/proc/iomem")) } catch let error as IoMemoryMapError {
                throw KJumpLinuxError.malformed(path: "/proc/iomem", reason: error.description)
            }
            // crashkernel=X,high adds a small low reservation too; H lives in the largest.
            let reservation = iomem.crashKernelReservations.max { $0.size < $1.size } ?? PhysicalRange(start: 0, end: 0)
            planner = KexecCrashPlanner(reservation: reservation, kernel: kernel, purgatory: .shipped,
                                        firmwareMemoryMap: try FirmwareMemoryMap.read(), systemRAM: iomem.systemRAM,
                                        vmcoreinfo: try RunningKernelMemory.vmcoreinfoLocation(), cpuNotes: try Self.cpuNoteLocations(),
                                        extraCommandLine: extraCommandLine, cpus: cpus)
        } catch let error as KJumpLinuxError {
            throw .system(error)
        } catch {
            throw .system(.malformed(path: "/proc/iomem", reason: "\(error)"))
        }
        do { return try planner.plan() } catch { throw .plan(error) }
    }

    /// Loads `plan` with `KEXEC_ON_CRASH`, replacing any crash kernel loaded before.
    public func load(_ plan: KexecJumpPlan) throws(CrashLoadError) {
        do {
            try Kexec.load(entry: plan.entry, segments: plan.segments, flags: Self.onCrash)
        } catch {
            guard case .syscall(_, let errno) = error else { throw .system(error) }
            throw .loadRefused(errno: errno, cause: Self.explain(errno))
        }
    }

    /// Unloads the crash kernel (nothing happens when none is loaded).
    public static func unload() throws(CrashLoadError) {
        do { try Kexec.unload(flags: onCrash) } catch {
            guard case .syscall(_, let errno) = error else { throw .system(error) }
            throw .loadRefused(errno: errno, cause: explain(errno))
        }
    }

    /// Whether a crash kernel is loaded (`/sys/kernel/kexec_crash_loaded`); nil when the kernel does not say.
    public static var isLoaded: Bool? {
        KernelFile.probe("/sys/kernel/kexec_crash_loaded").text.map { $0.trimmingSpaces() == "1" }
    }

    /// The reservation's size in bytes (`/sys/kernel/kexec_crash_size`); nil when the kernel does not say.
    public static var reservationSize: UInt64? {
        KernelFile.probe("/sys/kernel/kexec_crash_size").text.flatMap { UInt64($0.trimmingSpaces()) }
    }

    /// Each possible CPU's `crash_notes` buffer, where a panic stores the CPU's registers
    /// (`/sys/devices/system/cpu/cpuN/crash_notes`: physical address in hex; `crash_notes_size`: bytes).
    static func cpuNoteLocations() throws(KJumpLinuxError) -> [PhysicalRange] {
        let possible = KernelFile.probe("/sys/devices/system/cpu/possible").text.map(CpuList.init(parsing:))?.cpus ?? [0]
        var notes: [PhysicalRange] = []
        for cpu in possible {
            let directory = "/sys/devices/system/cpu/cpu\(cpu)"
            guard let addressText = KernelFile.probe(directory + "/crash_notes").text else { continue }
            guard let address = UInt64(hex: addressText.trimmingSpaces()) else {
                throw .malformed(path: directory + "/crash_notes", reason: "expected a physical address in hex")
            }
            let size = KernelFile.probe(directory + "/crash_notes_size").text.flatMap { UInt64($0.trimmingSpaces()) } ?? 0
            guard size > 0 else {
                throw .malformed(path: directory + "/crash_notes_size", reason: "expected a size in bytes")
            }
            notes.append(PhysicalRange(start: address, end: address + size))
        }
        return notes
    }

    /// What an errno from `kexec_load(…, KEXEC_ON_CRASH)` most likely means here.
    static func explain(_ errno: Errno) -> String {
        switch errno {
        case .addressNotAvailable:
            "a segment lies outside the crashkernel= reservation"
        case .noFunction:
            "this kernel has no crash kernel support (CONFIG_CRASH_DUMP)"
        default:
            HibernationKernelLoader.explain(errno)
        }
    }
}
