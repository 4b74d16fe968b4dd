#if canImport(Glibc)
import Glibc
#endif

/// The jump into a loaded preserve-context image (the hibernation kernel)
/// and back, for `kjump jump` and `Hibernation`: syncs filesystems, jumps
/// with `reboot(LINUX_REBOOT_CMD_KEXEC)`, and once back unloads the image so
/// that nothing can jump into stale code.
public enum PreservedContextJump {
    /// Jumps and returns, once back, the clocks read just before and just
    /// after. When the jump itself fails the image is unloaded and the error thrown.
    public static func perform() throws(JumpError) -> (before: Clocks, after: Clocks) {
        sync()
        // Heap pages freed but still mapped would be saved with the image.
        ProcessMemory.releaseFreedHeap()
        let before = Clocks.now()
        do { try Kexec.jump() } catch {
            try? Kexec.unload(flags: Kexec.preserveContext)
            throw .system(error)
        }
        let after = Clocks.now()
        try? Kexec.unload(flags: Kexec.preserveContext)
        return (before, after)
    }
}
