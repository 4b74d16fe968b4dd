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

    /// Jumps back into the system kernel (see `Kexec.jump(toReentryPoint:region:)`).
    public func jumpBack() throws(JumpError) {
        try Kexec.jump(toReentryPoint: reentryPoint, region: region)
    }
}
