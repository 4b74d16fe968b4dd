/// Why the kernel's log buffer could not be read at all.
public enum KernelLogError: Error, Equatable, CustomStringConvertible {
    /// The kernel predates the lockless ring buffer (Linux 5.10): VMCOREINFO
    /// exports `SYMBOL(log_buf)` but no `SYMBOL(prb)`.
    case unsupportedFormat(osRelease: String?)
    /// VMCOREINFO lacks a line the reader needs, e.g. `OFFSET(printk_info.seq)`.
    case missing(String)
    /// VMCOREINFO describes structures that cannot be right.
    case implausibleLayout(String)
    /// A part of the ring buffer could not be read.
    case unreadable(what: String, virtualAddress: UInt64, reason: String)
    /// The ring buffer's own fields hold values no kernel writes.
    case corrupt(ringBuffer: UInt64, reason: String)

    public var description: String {
        switch self {
        case .unsupportedFormat(let release):
            "the dumped kernel\(release.map { " (\($0))" } ?? "") keeps its log in the log_buf format of Linux before 5.10 (VMCOREINFO has SYMBOL(log_buf) but no SYMBOL(prb)); kjump dmesg reads only the lockless printk ring buffer of 5.10 and later"
        case .missing(let line):
            "the dumped kernel's VMCOREINFO has no \(line), which reading its log buffer needs"
        case .implausibleLayout(let reason):
            "the dumped kernel's VMCOREINFO describes an impossible printk ring buffer: \(reason)"
        case let .unreadable(what, address, reason):
            "cannot read the \(what) at virtual \(HexText.number(address)): \(reason)"
        case let .corrupt(address, reason):
            "the printk ring buffer at virtual \(HexText.number(address)) is corrupt: \(reason)"
        }
    }
}
