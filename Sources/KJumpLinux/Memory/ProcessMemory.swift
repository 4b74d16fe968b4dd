import CKJump

/// This process's own memory, as the hibernation image sees it.
public enum ProcessMemory {
    /// Hands the heap's free memory back to the kernel (`malloc_trim(0)`).
    ///
    /// Memory a process frees usually stays in its heap, mapped and
    /// resident, so `kjump hibernate` would carry it into the image: the
    /// hibernation kernel's bzImage it read for the kexec load is 12 MiB of
    /// incompressible bytes. Trimmed pages are free pages to the kernel and
    /// left out. Returns whether anything was released.
    @discardableResult
    public static func releaseFreedHeap() -> Bool {
        ckjump_malloc_trim() == 1
    }
}
