import KJumpCore

extension HibernationKernelContext {
    /// Reads and parses `/proc/cmdline`.
    public static func current() throws(JumpError) -> HibernationKernelContext {
        let text: String
        do { text = try KernelFile.readText("/proc/cmdline") } catch { throw .system(error) }
        do { return try HibernationKernelContext(parsing: KernelCommandLine(parsing: text)) } catch {
            throw .notInHibernationKernel(error)
        }
    }

    /// Jumps back into the system kernel: loads one zero page inside R (a load
    /// with no segments would unload instead) with entry = the re-entry point,
    /// and reboots into it. Returns only if the system kernel jumps here again.
    public func jumpBack() throws(JumpError) {
        guard let page = region.ranges.last?.start else { throw .notInHibernationKernel(.missing("kjump.region=")) }
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
