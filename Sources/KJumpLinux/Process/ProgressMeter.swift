#if canImport(Glibc)
import Glibc
#endif
import SystemPackage

/// Progress on long work: done/total, MB/s and ETA, redrawn on one line of
/// standard error at most twice a second, only when standard error is a terminal.
public final class ProgressMeter {
    private let label: String
    /// The bytes the work covers; work that learns its size late sets it then.
    public var total: UInt64
    private let start = Clocks.now()
    private var lastDraw: UInt64 = 0
    private let enabled: Bool

    public init(label: String, totalBytes: UInt64) {
        self.label = label
        self.total = totalBytes
        enabled = isatty(STDERR_FILENO) == 1
    }

    /// Reports `done` bytes of `totalBytes`.
    public func update(_ done: UInt64) {
        guard enabled else { return }
        let now = Clocks.now().monotonic
        guard now - lastDraw >= 500_000_000 || done == total else { return }
        lastDraw = now
        let seconds = Double(now - start.monotonic) / 1e9
        let rate = seconds > 0 ? Double(done) / seconds / 1e6 : 0
        let eta = rate > 0 ? Double(total - min(done, total)) / 1e6 / rate : 0
        let percent = total > 0 ? Int(Double(done) * 100 / Double(total)) : 100
        let line = "\r\(label): \(done >> 20)/\(total >> 20) MiB (\(percent)%), \(Int(rate)) MB/s, ETA \(Int(eta.rounded())) s   "
        _ = try? FileDescriptor.standardError.writeAll(line.utf8)
    }

    /// Ends the progress line.
    public func finish() {
        if enabled { _ = try? FileDescriptor.standardError.writeAll("\n".utf8) }
    }
}
