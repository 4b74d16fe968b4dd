#if canImport(Glibc)
import Glibc
#endif
import KJumpCore
import SystemPackage
import Synchronization

/// A `ByteSource` over a file read through `mmap(2)` windows.
///
/// For `/proc/vmcore` this is much faster than `pread`: each `read(2)` of
/// old memory maps and unmaps one page at a time (`copy_oldmem_page`), while
/// an `mmap` of /proc/vmcore maps the old memory's ranges once per window
/// (`remap_oldmem_pfn_range`).
///
/// **Bounded.** The file is never mapped whole: at most `cachedWindows`
/// windows of `windowBytes` each stay mapped (least recently used is
/// unmapped first), and a request that straddles two windows gets a mapping
/// of its own for the duration of the call. So the page tables and address
/// space this costs do not grow with the file: mapping all of an 8 GiB
/// system's /proc/vmcore at once cost the hibernation kernel 16 MiB of page
/// tables and got its saver killed by the OOM killer.
///
/// Safe from several threads: a window is never unmapped while a call
/// still reads it (more windows than `cachedWindows` are then mapped for a
/// while).
public final class MappedByteSource: ByteSource, Sendable {
    public let path: String
    public let size: UInt64
    /// Bytes per window: a multiple of the page size.
    public let windowBytes: UInt64
    /// Windows kept mapped at most.
    public let cachedWindows: Int

    /// The default window: 32 MiB (64 KiB of page tables).
    public static let defaultWindowBytes: UInt64 = 32 << 20
    /// Windows kept by default: 8 (256 MiB mapped, 512 KiB of page tables at
    /// most). Saving reads several places at once (page tables, mem_map, the
    /// pages themselves): with too few windows each chunk would map its
    /// window again, and mapping /proc/vmcore sets up every page table
    /// entry at once (`remap_pfn_range`).
    public static let defaultCachedWindows = 8

    private struct Window {
        var offset: UInt64
        var length: Int
        /// The mapping's address (kept as an integer: the state is shared between threads).
        var base: UInt
        var lastUse: UInt64
        /// Calls reading the window now: it is not unmapped while any is.
        var users: Int
    }

    private struct State: ~Copyable {
        var windows: [Window] = []
        var clock: UInt64 = 0
    }

    /// What a call reads through: a cached window, or a mapping of its own.
    private enum Lease {
        case window(offset: UInt64, base: UInt)
        case temporary(base: UInt, length: Int)
    }

    private let descriptor: FileDescriptor
    private let state = Mutex(State())
    /// Mappings made so far, and the time spent making them.
    private let mappings = Atomic<Int>(0)
    private let mappingNanoseconds = Atomic<UInt64>(0)

    /// Opens `path` and maps its first window to prove it can be mapped.
    /// Throws when the file cannot be opened or mapped.
    public init(path: String, windowBytes: UInt64 = MappedByteSource.defaultWindowBytes,
                cachedWindows: Int = MappedByteSource.defaultCachedWindows) throws(KJumpLinuxError) {
        precondition(windowBytes > 0 && windowBytes % UInt64(Self.pageSize) == 0, "windows are whole pages")
        precondition(cachedWindows >= 1, "at least one window")
        self.path = path
        self.windowBytes = windowBytes
        self.cachedWindows = cachedWindows
        let descriptor: FileDescriptor
        do {
            descriptor = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec])
        } catch {
            throw .open(path: path, errno: Errno(thrownBySystem: error))
        }
        let length: Int64
        do { length = try descriptor.seek(offset: 0, from: .end) } catch {
            try? descriptor.close()
            throw .read(path: path, errno: Errno(thrownBySystem: error))
        }
        self.descriptor = descriptor
        size = UInt64(length)
        if size > 0 {
            // Fail here, where the caller can fall back to pread, not at the first read.
            do {
                release(try lease(offset: 0, count: 1))
            } catch {
                try? descriptor.close()
                throw error
            }
        }
    }

    deinit {
        state.withLock { state in
            for window in state.windows { munmap(UnsafeMutableRawPointer(bitPattern: window.base), window.length) }
            state.windows = []
        }
        try? descriptor.close()
    }

    public func read(at offset: UInt64, count: Int) throws -> [UInt8] {
        try withBytes(at: offset, count: count) { [UInt8]($0) }
    }

    /// Passes the mapped bytes themselves: no copy.
    public func withBytes<Result>(at offset: UInt64, count: Int, _ body: (UnsafeRawBufferPointer) throws -> Result) throws -> Result {
        guard count >= 0, offset <= size, UInt64(count) <= size - offset else {
            throw ByteSourceError.outOfBounds(offset: offset, count: count, size: size)
        }
        if count == 0 { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        let lease = try lease(offset: offset, count: count)
        defer { release(lease) }
        let start: UInt64, base: UInt
        switch lease {
        case let .window(windowOffset, windowBase): (start, base) = (windowOffset, windowBase)
        case let .temporary(temporaryBase, _): (start, base) = (offset / UInt64(Self.pageSize) * UInt64(Self.pageSize), temporaryBase)
        }
        return try body(UnsafeRawBufferPointer(start: UnsafeRawPointer(bitPattern: base + UInt(offset - start)), count: count))
    }

    /// A mapping that holds `[offset, offset + count)`: the cached window
    /// that holds it (mapped now if need be, the least recently used idle
    /// one unmapped first), or, for a read that straddles two windows, a
    /// mapping of its own for this call only.
    private func lease(offset: UInt64, count: Int) throws(KJumpLinuxError) -> Lease {
        let first = offset / windowBytes
        let last = (offset + UInt64(count) - 1) / windowBytes
        if first != last {
            let page = UInt64(Self.pageSize)
            let start = offset / page * page
            let length = Int(offset + UInt64(count) - start)
            return .temporary(base: try map(offset: start, length: length), length: length)
        }
        let start = first * windowBytes
        return try state.withLock { state throws(KJumpLinuxError) -> Lease in
            state.clock += 1
            if let index = state.windows.firstIndex(where: { $0.offset == start }) {
                state.windows[index].lastUse = state.clock
                state.windows[index].users += 1
                return .window(offset: start, base: state.windows[index].base)
            }
            let idle = state.windows.indices.filter { state.windows[$0].users == 0 }
            if state.windows.count >= cachedWindows,
               let oldest = idle.min(by: { state.windows[$0].lastUse < state.windows[$1].lastUse }) {
                munmap(UnsafeMutableRawPointer(bitPattern: state.windows[oldest].base), state.windows[oldest].length)
                state.windows.remove(at: oldest)
            }
            let length = Int(min(windowBytes, size - start))
            let base = try map(offset: start, length: length)
            state.windows.append(Window(offset: start, length: length, base: base, lastUse: state.clock, users: 1))
            return .window(offset: start, base: base)
        }
    }

    private func release(_ lease: Lease) {
        switch lease {
        case .window(let offset, _):
            state.withLock { state in
                if let index = state.windows.firstIndex(where: { $0.offset == offset }) { state.windows[index].users -= 1 }
            }
        case let .temporary(base, length):
            munmap(UnsafeMutableRawPointer(bitPattern: base), length)
        }
    }

    /// Windows mapped now (for tests).
    public var mappedWindowCount: Int { state.withLock { $0.windows.count } }

    /// Mappings made so far (windows and one-call mappings) and the seconds
    /// spent in `mmap` and `munmap` for them: what windowing costs.
    public var mappingStatistics: (count: Int, seconds: Double) {
        (mappings.load(ordering: .relaxed), Double(mappingNanoseconds.load(ordering: .relaxed)) / 1e9)
    }

    private static var pageSize: Int { Int(sysconf(Int32(_SC_PAGESIZE))) }

    private func map(offset: UInt64, length: Int) throws(KJumpLinuxError) -> UInt {
        let start = Clocks.monotonicNanoseconds
        defer {
            mappings.add(1, ordering: .relaxed)
            mappingNanoseconds.add(Clocks.monotonicNanoseconds - start, ordering: .relaxed)
        }
        guard let mapped = mmap(nil, length, PROT_READ, MAP_SHARED, descriptor.rawValue, off_t(offset)),
              mapped != MAP_FAILED else {
            throw .syscall(name: "mmap of \(path) at byte \(offset)", errno: Errno(rawValue: errno))
        }
        return UInt(bitPattern: mapped)
    }
}
