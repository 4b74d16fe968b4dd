#if canImport(Glibc)
import Glibc
#endif
import KJumpCore
import Synchronization
import SystemPackage

/// Writes the system kernel's pages back to physical memory from the
/// restoring hibernation kernel, through `mmap` of `/dev/mem`.
///
/// Why mmap: `write(2)` to /dev/mem stops at the running kernel's
/// `high_memory` (the end of R here), while `mmap` only checks that the
/// physical address is valid (6.12 `drivers/char/mem.c`). A mapping never
/// mixes R (RAM to H) with the system kernel's memory (not RAM to H: PAT
/// refuses such mixed ranges), so every window stays inside one allowed range.
public final class PhysicalMemoryWriter {
    /// Where writes may go: the system kernel's RAM outside R. Anything else is refused.
    public let allowed: [PhysicalRange]
    /// The largest mapping kept at once.
    public let windowBytes: UInt64
    private let path: String
    private let descriptor: FileDescriptor
    private var window: (range: PhysicalRange, base: UnsafeMutableRawPointer)?
    /// A regular file (tests) needs msync; /dev/mem maps memory itself.
    private let isRegularFile: Bool
    /// Time spent in `write` and `zero` (mapping included), added on the
    /// writer's worker thread and read by the restorer's: atomic.
    private let busy = Atomic<UInt64>(0)
    public var busyNanoseconds: UInt64 { busy.load(ordering: .relaxed) }

    /// Opens `path` (`/dev/mem`, or a regular file in tests) read-write.
    public init(path: String = "/dev/mem", allowed: [PhysicalRange], windowBytes: UInt64 = 64 << 20) throws(KJumpLinuxError) {
        self.path = path
        self.allowed = allowed.sorted { $0.start < $1.start }
        self.windowBytes = windowBytes
        do {
            descriptor = try FileDescriptor.open(FilePath(path), .readWrite, options: [.closeOnExec])
        } catch {
            throw .open(path: path, errno: Errno(thrownBySystem: error))
        }
        isRegularFile = descriptor.isRegularFile
    }

    deinit {
        unmap()
        try? descriptor.close()
    }

    /// Copies `bytes` to `physicalAddress`; the whole span must lie in one allowed range.
    public func write(_ bytes: UnsafeRawBufferPointer, at physicalAddress: UInt64) throws(KJumpLinuxError) {
        let start = Clocks.monotonicNanoseconds
        defer { busy.wrappingAdd(Clocks.monotonicNanoseconds - start, ordering: .relaxed) }
        try checkAllowed(physicalAddress, count: bytes.count)
        var done = 0
        while done < bytes.count {
            let address = physicalAddress + UInt64(done)
            let mapped = try mapping(for: address)
            let count = min(bytes.count - done, Int(mapped.range.end - address))
            (mapped.base + Int(address - mapped.range.start)).copyMemory(from: bytes.baseAddress! + done, byteCount: count)
            done += count
        }
    }

    /// Writes `count` zero bytes at `physicalAddress`.
    public func zero(at physicalAddress: UInt64, count: Int) throws(KJumpLinuxError) {
        let start = Clocks.monotonicNanoseconds
        defer { busy.wrappingAdd(Clocks.monotonicNanoseconds - start, ordering: .relaxed) }
        try checkAllowed(physicalAddress, count: count)
        var done = 0
        while done < count {
            let address = physicalAddress + UInt64(done)
            let mapped = try mapping(for: address)
            let n = min(count - done, Int(mapped.range.end - address))
            (mapped.base + Int(address - mapped.range.start)).initializeMemory(as: UInt8.self, repeating: 0, count: n)
            done += n
        }
    }

    /// Reads back `count` bytes at `physicalAddress` (to verify what was written).
    public func read(at physicalAddress: UInt64, count: Int) throws(KJumpLinuxError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count {
            let address = physicalAddress + UInt64(out.count)
            let mapped = try mapping(for: address)
            let n = min(count - out.count, Int(mapped.range.end - address))
            out += UnsafeRawBufferPointer(start: mapped.base + Int(address - mapped.range.start), count: n)
        }
        return out
    }

    /// Flushes the current window (msync, for a regular file) and unmaps it.
    public func finish() throws(KJumpLinuxError) {
        if isRegularFile, let window, msync(window.base, Int(window.range.size), MS_SYNC) != 0 {
            throw .syscall(name: "msync of \(path) at \(HexText.number(window.range.start))", errno: Errno(rawValue: errno))
        }
        unmap()
    }

    /// Refuses, before touching anything, a span that leaves its allowed range.
    private func checkAllowed(_ address: UInt64, count: Int) throws(KJumpLinuxError) {
        guard let range = allowed.first(where: { $0.contains(address) }) else { throw .outsideAllowedMemory(address: address) }
        if address + UInt64(count) > range.end { throw .outsideAllowedMemory(address: range.end) }
    }

    private func mapping(for address: UInt64) throws(KJumpLinuxError) -> (range: PhysicalRange, base: UnsafeMutableRawPointer) {
        if let window, window.range.contains(address) { return window }
        guard let allowedRange = allowed.first(where: { $0.contains(address) }) else {
            throw .outsideAllowedMemory(address: address)
        }
        unmap()
        let start = max(allowedRange.start, address & ~(windowBytes - 1)) & ~0xfff
        let end = min(allowedRange.end, start + windowBytes)
        let base = mmap(nil, Int(end - start), PROT_READ | PROT_WRITE, MAP_SHARED, descriptor.rawValue, off_t(start))
        guard let base, base != MAP_FAILED else {
            throw .syscall(name: "mmap of \(path) at \(HexText.number(start)) (\(end - start) bytes)", errno: Errno(rawValue: errno))
        }
        let mapped = (range: PhysicalRange(start: start, end: end), base: base)
        window = mapped
        return mapped
    }

    private func unmap() {
        if let window { munmap(window.base, Int(window.range.size)) }
        window = nil
    }
}

/// Each restoring worker writes through its own `PhysicalMemoryWriter`.
extension PhysicalMemoryWriter: PhysicalPageWriter {}
