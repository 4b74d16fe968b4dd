/// The kernel's log buffer as found in a dump: the records still held, in
/// sequence order, and what could not be recovered.
public struct KernelLog: Sendable, Equatable {
    /// Readable records, ascending by sequence number, each number once.
    public var records: [KernelLogRecord]
    /// Sequence numbers before the first record or between records that the
    /// buffer no longer holds: overwritten when the ring wrapped, or damaged.
    public var lostRecords: UInt64
    /// Descriptors that claim a record the reader could not use, with why.
    public var damaged: [KernelLogDamage]
    /// Where the ring buffer was and how large it is.
    public var ringBuffer: RingBuffer

    public init(records: [KernelLogRecord], lostRecords: UInt64, damaged: [KernelLogDamage], ringBuffer: RingBuffer) {
        self.records = records
        self.lostRecords = lostRecords
        self.damaged = damaged
        self.ringBuffer = ringBuffer
    }

    /// The `struct printk_ringbuffer` the records came from.
    public struct RingBuffer: Sendable, Equatable {
        /// Virtual address of the `struct printk_ringbuffer`.
        public var address: UInt64
        /// Number of descriptors: 2^`prb_desc_ring.count_bits`.
        public var descriptorCount: Int
        /// Bytes of the text data ring: 2^`prb_data_ring.size_bits`.
        public var textBytes: Int

        public init(address: UInt64, descriptorCount: Int, textBytes: Int) {
            self.address = address
            self.descriptorCount = descriptorCount
            self.textBytes = textBytes
        }
    }

    /// Records whose text is shorter than their `text_len`.
    public var truncatedRecords: Int { records.count(where: { $0.isTruncated }) }
}

/// A descriptor of the ring buffer whose record could not be read.
public struct KernelLogDamage: Sendable, Equatable, CustomStringConvertible {
    /// Index of the descriptor in `descs` (and of its `printk_info` in `infos`).
    public var descriptor: Int
    public var reason: Reason

    public init(descriptor: Int, reason: Reason) {
        self.descriptor = descriptor
        self.reason = reason
    }

    public enum Reason: Sendable, Equatable {
        /// The `prb_desc` could not be read.
        case descriptorUnreadable(virtualAddress: UInt64)
        /// The `printk_info` could not be read.
        case infoUnreadable(virtualAddress: UInt64)
        /// The text bytes could not be read.
        case textUnreadable(virtualAddress: UInt64)
        /// The descriptor's id does not belong at its index.
        case idMismatch(id: UInt64)
        /// The record's sequence number does not belong at its index.
        case sequenceMismatch(sequence: UInt64)
        /// The text block's logical positions make no sense for the data ring.
        case invalidTextBlock(begin: UInt64, next: UInt64)
        /// The text block starts with another descriptor's id: it was overwritten.
        case textBlockOwner(expected: UInt64, found: UInt64)
        /// The sequence number lies too far from the others to be one of them.
        case sequenceOutOfRange(sequence: UInt64)
    }

    public var description: String {
        let what: String = switch reason {
        case .descriptorUnreadable(let address): "cannot read it at virtual \(HexText.number(address))"
        case .infoUnreadable(let address): "cannot read its printk_info at virtual \(HexText.number(address))"
        case .textUnreadable(let address): "cannot read its text at virtual \(HexText.number(address))"
        case .idMismatch(let id): "its id \(HexText.number(id)) belongs at another index"
        case .sequenceMismatch(let sequence): "its sequence number \(sequence) belongs at another index"
        case let .invalidTextBlock(begin, next): "its text block [\(HexText.number(begin)), \(HexText.number(next))) does not fit the data ring"
        case let .textBlockOwner(expected, found): "its text block belongs to descriptor id \(HexText.number(found)), not \(HexText.number(expected))"
        case .sequenceOutOfRange(let sequence): "its sequence number \(sequence) is far from every other record's"
        }
        return "log descriptor \(descriptor): \(what)"
    }
}
