#if canImport(Glibc)
import Glibc
#endif

/// The clocks that tell how long a jump or a hibernation took. Across a jump
/// CLOCK_MONOTONIC barely advances; CLOCK_BOOTTIME and CLOCK_REALTIME count
/// the whole absence.
public struct Clocks: Sendable {
    /// CLOCK_BOOTTIME, nanoseconds.
    public var boottime: UInt64
    /// CLOCK_MONOTONIC, nanoseconds.
    public var monotonic: UInt64

    /// Reads both clocks now.
    public static func now() -> Clocks {
        Clocks(boottime: read(CLOCK_BOOTTIME), monotonic: read(CLOCK_MONOTONIC))
    }

    /// How long this kernel has run (CLOCK_BOOTTIME), in milliseconds: in
    /// the hibernation kernel, the time since the jump or power-on started it.
    public static var uptimeMilliseconds: UInt64 { read(CLOCK_BOOTTIME) / 1_000_000 }

    /// CLOCK_MONOTONIC alone, nanoseconds: for timing many short steps.
    public static var monotonicNanoseconds: UInt64 { read(CLOCK_MONOTONIC) }

    private static func read(_ clock: clockid_t) -> UInt64 {
        var spec = timespec()
        clock_gettime(clock, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    /// "12.34 s (monotonic 0.21 s)": the time since `earlier`.
    public func seconds(since earlier: Clocks) -> String {
        func format(_ ns: UInt64) -> String {
            let hundredths = (ns + 5_000_000) / 10_000_000
            let fraction = hundredths % 100
            return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction) s"
        }
        return "\(format(boottime - earlier.boottime)) (monotonic \(format(monotonic - earlier.monotonic)))"
    }
}
