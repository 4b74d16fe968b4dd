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

    /// The largest allocation malloc serves from its heap once
    /// `keepFreedFramesInHeap` ran: above a frame's default size, below a
    /// write chunk.
    public static let heapAllocationLimit = 4 << 20
    /// Free memory at the top of a heap that malloc keeps once
    /// `keepFreedFramesInHeap` ran.
    public static let keptFreeBytes = 4 << 20

    /// Makes malloc keep the memory of freed frames for the next ones.
    ///
    /// swift-crypto returns every frame it seals or opens in memory of its
    /// own (1 MiB, `ImageFormat.defaultFrameInputBytes`). glibc's default
    /// gives such memory back to the kernel once 2 MiB lie free at the top
    /// of a thread's heap, so the next frame takes it again page by page,
    /// each page a fault the kernel fills with zeros: checking a 179 MiB
    /// sealed image took about 90,000 such faults and twice the time of
    /// the same image unsealed. With heap allocations up to `heapAllocationLimit` and
    /// `keptFreeBytes` kept, the frames reuse their memory. Memory in use
    /// is unchanged (H's budget, `ImageMemoryBudget`, counts frames, not
    /// where malloc takes them). Returns whether malloc accepted both.
    @discardableResult
    public static func keepFreedFramesInHeap() -> Bool {
        ckjump_malloc_keep_freed(heapAllocationLimit, keptFreeBytes) == 1
    }
}
