/// Reads the kernel's log buffer, the lockless printk ring buffer of Linux
/// 5.10 and later, out of a dump.
///
/// How the ring buffer keeps records (kernel/printk/printk_ringbuffer.h):
/// descriptor *i* (`descs[i]`, with its `printk_info` at `infos[i]`) holds
/// one record. Its `state_var` packs the state in the top two bits
/// (0 reserved, 1 committed, 2 finalized, 3 reusable) and the descriptor
/// id below; `id mod count == i`, and so is `seq mod count`. Its text block
/// `[begin, next)` is a pair of logical positions in the data ring: position
/// *p* is byte `p mod size` of wrap `p / size`. A block that would cross the
/// end of the ring is stored from byte 0 instead, so `next` is one wrap
/// ahead. A block starts with the owning descriptor's id (8 bytes), then
/// the text; positions with bit 0 set mean the record has no text block.
///
/// The reader looks at every descriptor, keeps committed and finalized
/// records whose fields agree with each other, and sorts them by sequence
/// number. Every loop is bounded by the descriptor count, which is checked
/// against a sane maximum; every index and length comes from the dump and
/// is checked before use, so corrupt memory yields damaged records, not a
/// crash.
public struct KernelLogReader {
    public let layout: PrintkRingBufferLayout
    public let addressSpace: KernelAddressSpace

    /// Largest `count_bits` accepted: the kernel caps the log at 2 GiB
    /// (`log_buf_len`), with one descriptor per 32 bytes of text.
    public static let maximumCountBits = 26
    /// Largest `size_bits` accepted (2 GiB of text).
    public static let maximumSizeBits = 31

    /// Prepares to read the ring buffer described by `vmcoreInfo` through
    /// `addressSpace`. Throws when VMCOREINFO lacks the ring buffer (or has
    /// the pre-5.10 `log_buf` instead).
    public init(vmcoreInfo: VmcoreInfo, addressSpace: KernelAddressSpace) throws(KernelLogError) {
        self.init(layout: try PrintkRingBufferLayout(vmcoreInfo: vmcoreInfo), addressSpace: addressSpace)
    }

    /// Prepares to read the ring buffer `layout` describes through `addressSpace`.
    public init(layout: PrintkRingBufferLayout, addressSpace: KernelAddressSpace) {
        self.layout = layout
        self.addressSpace = addressSpace
    }

    /// The records the ring buffer holds. Throws when the ring buffer itself
    /// (its pointer, its header, or all of its descriptors) cannot be read
    /// or holds impossible sizes; single bad records land in `damaged`.
    public func read() throws(KernelLogError) -> KernelLog {
        let prb: UInt64
        do { prb = try addressSpace.readUInt64LE(virtualAddress: layout.prbSymbol) } catch {
            throw .unreadable(what: "printk ring buffer pointer prb", virtualAddress: layout.prbSymbol, reason: error.description)
        }
        let header: [UInt8]
        do { header = try addressSpace.read(virtualAddress: prb, count: layout.ringBufferSize) } catch {
            throw .unreadable(what: "printk ring buffer", virtualAddress: prb, reason: error.description)
        }
        func word<T: FixedWidthInteger>(_: T.Type, _ offset: Int) -> T { LittleEndianBytes.load(T.self, from: header, at: offset) }
        let countBits = Int(word(UInt32.self, layout.descRing + layout.countBits))
        let sizeBits = Int(word(UInt32.self, layout.textDataRing + layout.sizeBits))
        guard (1...Self.maximumCountBits).contains(countBits) else {
            throw .corrupt(ringBuffer: prb, reason: "its descriptor ring claims 2^\(countBits) descriptors")
        }
        guard (3...Self.maximumSizeBits).contains(sizeBits) else {
            throw .corrupt(ringBuffer: prb, reason: "its text data ring claims 2^\(sizeBits) bytes")
        }
        let count = UInt64(1) << UInt64(countBits)
        let ring = KernelLog.RingBuffer(address: prb, descriptorCount: Int(count), textBytes: 1 << sizeBits)
        let descs = try region("descriptor array", at: word(UInt64.self, layout.descRing + layout.descs),
                               length: count * UInt64(layout.descSize), ringBuffer: prb)
        let infos = try region("printk_info array", at: word(UInt64.self, layout.descRing + layout.infos),
                               length: count * UInt64(layout.infoSize), ringBuffer: prb)
        let text = try region("text data ring", at: word(UInt64.self, layout.textDataRing + layout.data),
                              length: UInt64(1) << UInt64(sizeBits), ringBuffer: prb)

        var records: [KernelLogRecord] = []
        var damaged: [KernelLogDamage] = []
        var readableDescriptors = 0
        for index in 0..<count {
            switch readRecord(index: index, count: count, sizeBits: sizeBits, descs: descs, infos: infos, text: text) {
            case .none:
                readableDescriptors += 1
            case .record(let record):
                readableDescriptors += 1
                records.append(record)
            case .damaged(let reason):
                if case .descriptorUnreadable = reason {} else { readableDescriptors += 1 }
                damaged.append(KernelLogDamage(descriptor: Int(index), reason: reason))
            }
        }
        if readableDescriptors == 0 {
            throw .unreadable(what: "printk descriptor array", virtualAddress: descs.base,
                              reason: descs.firstFailure?.description ?? "no descriptor is readable")
        }
        return Self.ordered(records: records, damaged: damaged, count: count, ringBuffer: ring)
    }

    /// What one descriptor holds.
    enum Slot {
        /// No record: reserved (being written) or reusable (given up).
        case none
        case record(KernelLogRecord)
        case damaged(KernelLogDamage.Reason)
    }

    /// Reads descriptor `index`, its info and its text.
    func readRecord(index: UInt64, count: UInt64, sizeBits: Int, descs: PagedKernelRegion, infos: PagedKernelRegion,
                    text: PagedKernelRegion) -> Slot {
        let descOffset = index * UInt64(layout.descSize)
        guard let desc = descs.bytes(at: descOffset, count: layout.descSize) else {
            return .damaged(.descriptorUnreadable(virtualAddress: descs.address(descOffset)))
        }
        let stateVar = LittleEndianBytes.load(UInt64.self, from: desc, at: layout.stateVar)
        let state = stateVar >> 62
        let id = stateVar & ~(UInt64(3) << 62)
        // 1 committed (complete, may still be extended by a continuation), 2 finalized.
        guard state == 1 || state == 2 else { return .none }
        guard id & (count - 1) == index else { return .damaged(.idMismatch(id: id)) }

        let infoOffset = index * UInt64(layout.infoSize)
        guard let info = infos.bytes(at: infoOffset, count: layout.infoSize) else {
            return .damaged(.infoUnreadable(virtualAddress: infos.address(infoOffset)))
        }
        let sequence = LittleEndianBytes.load(UInt64.self, from: info, at: layout.sequence)
        guard sequence & (count - 1) == index else { return .damaged(.sequenceMismatch(sequence: sequence)) }
        let textLength = Int(LittleEndianBytes.load(UInt16.self, from: info, at: layout.textLength))
        var record = KernelLogRecord(
            sequence: sequence,
            timestampNanoseconds: LittleEndianBytes.load(UInt64.self, from: info, at: layout.timestamp),
            level: layout.flagsAndLevel.map { info[$0] >> 5 },
            facility: layout.facility.map { info[$0] },
            callerID: LittleEndianBytes.load(UInt32.self, from: info, at: layout.callerID),
            text: [])

        let begin = LittleEndianBytes.load(UInt64.self, from: desc, at: layout.textBlockPosition + layout.positionBegin)
        let next = LittleEndianBytes.load(UInt64.self, from: desc, at: layout.textBlockPosition + layout.positionNext)
        if begin & 1 == 1 && next & 1 == 1 {
            // No text block: an empty line, or a record whose text did not fit.
            record.isTruncated = textLength > 0
            return .record(record)
        }
        guard let block = Self.textBlock(begin: begin, next: next, sizeBits: sizeBits) else {
            return .damaged(.invalidTextBlock(begin: begin, next: next))
        }
        guard let owner = text.load(UInt64.self, at: block.start) else {
            return .damaged(.textUnreadable(virtualAddress: text.address(block.start)))
        }
        guard owner == id else { return .damaged(.textBlockOwner(expected: id, found: owner)) }
        let available = Int(block.length - 8)
        let length = min(textLength, available)
        guard let bytes = text.bytes(at: block.start + 8, count: length) else {
            return .damaged(.textUnreadable(virtualAddress: text.address(block.start + 8)))
        }
        record.text = bytes
        record.isTruncated = textLength > available
        return .record(record)
    }

    /// Where the text block `[begin, next)` lies in a data ring of
    /// 2^`sizeBits` bytes: its offset and its length, id included. Nil when
    /// the positions are not one block (too long, backwards, or shorter than
    /// the id).
    static func textBlock(begin: UInt64, next: UInt64, sizeBits: Int) -> (start: UInt64, length: UInt64)? {
        let size = UInt64(1) << UInt64(sizeBits)
        let beginIndex = begin & (size - 1)
        let nextIndex = next & (size - 1)
        let start: UInt64
        let length: UInt64
        // Wrap counts compared after adding one ring's size to `begin`, so that
        // positions that overflow 64 bits (the kernel starts them just below
        // 2^64) still compare right.
        if begin >> UInt64(sizeBits) == next >> UInt64(sizeBits), begin < next {
            (start, length) = (beginIndex, nextIndex - beginIndex)
        } else if (begin &+ size) >> UInt64(sizeBits) == next >> UInt64(sizeBits), nextIndex > 0 {
            // Would have crossed the end of the ring: stored from byte 0.
            (start, length) = (0, nextIndex)
        } else {
            return nil
        }
        return length >= 8 ? (start, length) : nil
    }

    /// Sorts `records` (distinct sequence numbers: each is checked against
    /// its descriptor's index) and keeps those within one ring's worth of
    /// sequence numbers (live records never span more than `count`); the
    /// rest are damaged. Counts the sequence numbers missing before and
    /// between the kept ones.
    static func ordered(records: [KernelLogRecord], damaged: [KernelLogDamage], count: UInt64,
                        ringBuffer: KernelLog.RingBuffer) -> KernelLog {
        let sorted = records.sorted { $0.sequence < $1.sequence }
        var damaged = damaged
        // The window of width `count` holding the most records.
        var best = 0..<0
        var low = 0
        for high in sorted.indices {
            while sorted[high].sequence - sorted[low].sequence >= count { low += 1 }
            if high + 1 - low > best.count { best = low..<high + 1 }
        }
        for record in sorted[..<best.lowerBound] + sorted[best.upperBound...] {
            damaged.append(KernelLogDamage(descriptor: Int(record.sequence & (count - 1)),
                                           reason: .sequenceOutOfRange(sequence: record.sequence)))
        }
        let kept = Array(sorted[best])
        var lost: UInt64 = 0
        if let first = kept.first, let last = kept.last {
            let gaps = last.sequence - first.sequence + 1 - UInt64(kept.count)
            let (total, overflow) = first.sequence.addingReportingOverflow(gaps)
            lost = overflow ? .max : total
        }
        damaged.sort { $0.descriptor < $1.descriptor }
        return KernelLog(records: kept, lostRecords: lost, damaged: damaged, ringBuffer: ringBuffer)
    }

    /// A lazily read array of the ring buffer; throws when its range wraps.
    private func region(_ what: String, at address: UInt64, length: UInt64,
                        ringBuffer: UInt64) throws(KernelLogError) -> PagedKernelRegion {
        let (_, overflow) = address.addingReportingOverflow(length)
        guard !overflow, address != 0 else {
            throw .corrupt(ringBuffer: ringBuffer, reason: "its \(what) at \(HexText.number(address)) + \(length) bytes is not a valid range")
        }
        return PagedKernelRegion(space: addressSpace, base: address, length: length)
    }
}
