/// One record of the kernel's log buffer, as `printk` stored it.
public struct KernelLogRecord: Sendable, Equatable {
    /// `printk_info.seq`: 0 for the first record since boot, +1 per record.
    public var sequence: UInt64
    /// `printk_info.ts_nsec`: nanoseconds since boot (local clock).
    public var timestampNanoseconds: UInt64
    /// Syslog level, 0 (emergency) … 7 (debug); nil when the layout does not show it.
    public var level: UInt8?
    /// Syslog facility, 0 for the kernel; nil when the layout does not show it.
    public var facility: UInt8?
    /// `printk_info.caller_id`: a thread id, or a CPU number with the top bit set.
    public var callerID: UInt32
    /// The message bytes as stored: no trailing newline; inner newlines
    /// separate the lines of a multi-line message.
    public var text: [UInt8]
    /// True when the ring buffer held fewer text bytes than `text_len` says.
    public var isTruncated: Bool

    public init(sequence: UInt64, timestampNanoseconds: UInt64, level: UInt8? = nil, facility: UInt8? = nil,
                callerID: UInt32 = 0, text: [UInt8], isTruncated: Bool = false) {
        self.sequence = sequence
        self.timestampNanoseconds = timestampNanoseconds
        self.level = level
        self.facility = facility
        self.callerID = callerID
        self.text = text
        self.isTruncated = isTruncated
    }

    /// Who printed the record.
    public enum Caller: Sendable, Equatable, CustomStringConvertible {
        /// A task, by thread id (`T123` in the kernel's `CONFIG_PRINTK_CALLER` output).
        case thread(UInt32)
        /// A CPU outside task context (`C1`).
        case cpu(UInt32)

        public var description: String {
            switch self {
            case .thread(let id): "T\(id)"
            case .cpu(let id): "C\(id)"
            }
        }
    }

    /// `callerID` decoded: the top bit marks a CPU number.
    public var caller: Caller {
        callerID & 0x8000_0000 != 0 ? .cpu(callerID & 0x7fff_ffff) : .thread(callerID)
    }
}
