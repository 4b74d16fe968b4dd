import KJumpCore

/// What the hibernation kernel learns from its command line: why it was
/// started, where the system kernel re-enters, R, and where A's VMCOREINFO is.
public struct HibernationKernelContext: Sendable, Equatable {
    /// `kjump.role=`.
    public var role: String
    /// `kjump.reentry=`: the system kernel's re-entry point.
    public var reentryPoint: UInt64
    /// `kjump.region=`: the H region.
    public var region: [PhysicalRange]
    /// `kjump.vmcoreinfo=`: the system kernel's VMCOREINFO note.
    public var vmcoreinfo: PhysicalRange

    /// Reads and parses `/proc/cmdline`.
    public static func current() throws(JumpError) -> HibernationKernelContext {
        do {
            return try parse(KernelCommandLine(parsing: try KernelFile.readText("/proc/cmdline")))
        } catch let error as JumpError {
            throw error
        } catch let error as KJumpLinuxError {
            throw .system(error)
        } catch {
            throw .system(.malformed(path: "/proc/cmdline", reason: "\(error)"))
        }
    }

    /// Parses the words kjump's loader put on the command line.
    public static func parse(_ line: KernelCommandLine) throws(JumpError) -> HibernationKernelContext {
        guard let role = line.value(of: "kjump.role") else { throw .notInHibernationKernel(missing: "kjump.role=") }
        guard let reentry = line.value(of: "kjump.reentry").flatMap({ UInt64(hex: $0) }), reentry != 0 else {
            throw .notInHibernationKernel(missing: "kjump.reentry= (set by the purgatory)")
        }
        guard let regionText = line.value(of: "kjump.region") else { throw .notInHibernationKernel(missing: "kjump.region=") }
        var region: [PhysicalRange] = []
        for part in regionText.split(separator: ",") {
            let bounds = part.split(separator: "-")
            guard bounds.count == 2, let start = UInt64(hex: bounds[0]), let end = UInt64(hex: bounds[1]), start < end else {
                throw .notInHibernationKernel(missing: "a valid kjump.region= (got \(regionText))")
            }
            region.append(PhysicalRange(start: start, end: end))
        }
        guard let infoText = line.value(of: "kjump.vmcoreinfo") else { throw .notInHibernationKernel(missing: "kjump.vmcoreinfo=") }
        let info = infoText.split(separator: ",")
        guard info.count == 2, let address = UInt64(hex: info[0]), let size = UInt64(hex: info[1]) else {
            throw .notInHibernationKernel(missing: "a valid kjump.vmcoreinfo= (got \(infoText))")
        }
        return HibernationKernelContext(role: role, reentryPoint: reentry, region: region,
                                        vmcoreinfo: PhysicalRange(start: address, end: address + size))
    }

    /// Jumps back into the system kernel: loads one zero page inside R (a load
    /// with no segments would unload instead) with entry = the re-entry point,
    /// and reboots into it. Returns only if the system kernel jumps here again.
    public func jumpBack() throws(JumpError) {
        guard let page = region.last?.start else { throw .notInHibernationKernel(missing: "kjump.region=") }
        let segment = KexecSegmentPlan(purpose: "jump-back page", destination: page, memorySize: 4096)
        do {
            try Kexec.load(entry: reentryPoint, segments: [segment], flags: Kexec.preserveContext)
        } catch {
            guard case .syscall(_, let errno) = error else { throw .system(error) }
            throw .loadRefused(errno: errno, cause: HibernationKernelLoader.explain(errno))
        }
        do { try Kexec.jump() } catch {
            guard case .syscall(_, let errno) = error else { throw .system(error) }
            throw .jumpFailed(errno: errno)
        }
    }
}
