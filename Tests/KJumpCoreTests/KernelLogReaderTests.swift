import Testing
@testable import KJumpCore

/// A printk ring buffer built in fake memory the way the kernel fills one:
/// descriptor ids start just below the id mask's wrap and text positions
/// just below 2^64 (as `prb_init` starts them), text blocks that would cross
/// the end of the data ring go to its start, and the oldest records are made
/// reusable when descriptors or text space run out.
struct SyntheticRingBuffer {
    static let countBits = 4
    static let sizeBits = 9
    static var count: UInt64 { 1 << UInt64(countBits) }
    static var size: UInt64 { 1 << UInt64(sizeBits) }
    static let idMask = ~(UInt64(3) << 62)

    static let physBase: UInt64 = 0x0100_0000
    static let directMapBase: UInt64 = 0xffff_8880_0000_0000
    /// `prb` (the pointer variable) and `printk_rb_static`, in the kernel image.
    static let prbSymbol = KernelAddressSpace.kernelImageMapStart + 0x2000
    static let ringBuffer = KernelAddressSpace.kernelImageMapStart + 0x2040
    /// The arrays, in the direct map (where `setup_log_buf` puts them).
    static let descsPhysical: UInt64 = 0x0020_0000
    static let infosPhysical: UInt64 = 0x0030_0000
    static let dataPhysical: UInt64 = 0x0040_0000

    /// VMCOREINFO of Linux 6.12 (the lab kernel's values) plus what the address space needs.
    static let vmcoreinfoText = """
        OSRELEASE=6.12.117-synthetic
        PAGESIZE=4096
        SYMBOL(init_top_pgt)=\(String(KernelAddressSpace.kernelImageMapStart + 0x1000, radix: 16))
        NUMBER(phys_base)=\(physBase)
        NUMBER(KERNEL_IMAGE_SIZE)=1073741824
        SYMBOL(prb)=\(String(prbSymbol, radix: 16))
        SIZE(printk_ringbuffer)=88
        OFFSET(printk_ringbuffer.desc_ring)=0
        OFFSET(printk_ringbuffer.text_data_ring)=48
        OFFSET(printk_ringbuffer.fail)=80
        SIZE(prb_desc_ring)=48
        OFFSET(prb_desc_ring.count_bits)=0
        OFFSET(prb_desc_ring.descs)=8
        OFFSET(prb_desc_ring.infos)=16
        OFFSET(prb_desc_ring.head_id)=24
        OFFSET(prb_desc_ring.tail_id)=32
        SIZE(prb_desc)=24
        OFFSET(prb_desc.state_var)=0
        OFFSET(prb_desc.text_blk_lpos)=8
        SIZE(prb_data_blk_lpos)=16
        OFFSET(prb_data_blk_lpos.begin)=0
        OFFSET(prb_data_blk_lpos.next)=8
        SIZE(printk_info)=88
        OFFSET(printk_info.seq)=0
        OFFSET(printk_info.ts_nsec)=8
        OFFSET(printk_info.text_len)=16
        OFFSET(printk_info.caller_id)=20
        OFFSET(printk_info.dev_info)=24
        SIZE(prb_data_ring)=32
        OFFSET(prb_data_ring.size_bits)=0
        OFFSET(prb_data_ring.data)=8
        OFFSET(prb_data_ring.head_lpos)=16
        OFFSET(prb_data_ring.tail_lpos)=24

        """

    var memory = FakePhysicalMemory()
    var vmcoreInfo = VmcoreInfo(text: vmcoreinfoText)
    private var nextID: UInt64
    private var nextSequence: UInt64 = 0
    private var headPosition: UInt64
    /// Live records, oldest first: descriptor id and text block.
    private var live: [(id: UInt64, begin: UInt64, next: UInt64)] = []

    init() {
        nextID = ((0 &- (Self.count + 1)) & Self.idMask &+ 1) & Self.idMask
        headPosition = 0 &- Self.size
        memory.addPages(from: Self.physBase, to: Self.physBase + 0x3000)
        memory.addPages(from: Self.descsPhysical, to: Self.descsPhysical + Self.count * 24)
        memory.addPages(from: Self.infosPhysical, to: Self.infosPhysical + Self.count * 88)
        memory.addPages(from: Self.dataPhysical, to: Self.dataPhysical + Self.size)
        memory.storeUInt64(Self.ringBuffer, at: Self.physical(Self.prbSymbol))
        let ring = Self.physical(Self.ringBuffer)
        memory.store([UInt8(Self.countBits), 0, 0, 0], at: ring)
        memory.storeUInt64(Self.directMapBase + Self.descsPhysical, at: ring + 8)
        memory.storeUInt64(Self.directMapBase + Self.infosPhysical, at: ring + 16)
        memory.store([UInt8(Self.sizeBits), 0, 0, 0], at: ring + 48)
        memory.storeUInt64(Self.directMapBase + Self.dataPhysical, at: ring + 56)
        // Every descriptor starts reusable, as prb_init leaves them.
        for index in 0..<Self.count { memory.storeUInt64(3 << 62, at: Self.descsPhysical + index * 24) }
    }

    static func physical(_ kernelImageAddress: UInt64) -> UInt64 {
        kernelImageAddress - KernelAddressSpace.kernelImageMapStart + physBase
    }

    func addressSpace() throws -> KernelAddressSpace {
        try KernelAddressSpace(vmcoreInfo: vmcoreInfo, memory: memory, directMapBase: Self.directMapBase)
    }

    func read() throws -> KernelLog {
        try KernelLogReader(vmcoreInfo: vmcoreInfo, addressSpace: try addressSpace()).read()
    }

    /// Physical address of descriptor `index`, of its info, of data-ring byte `offset`.
    static func descriptor(_ index: UInt64) -> UInt64 { descsPhysical + index * 24 }
    static func info(_ index: UInt64) -> UInt64 { infosPhysical + index * 88 }
    static func data(_ offset: UInt64) -> UInt64 { dataPhysical + offset }

    /// Logs `text` as the kernel would; returns the descriptor index used.
    /// `dataless` stores no text block (as after a failed allocation).
    @discardableResult
    mutating func log(_ text: String, at nanoseconds: UInt64 = 0, level: UInt8 = 6, caller: UInt32 = 1,
                      dataless: Bool = false) -> UInt64 {
        let bytes = Array(text.utf8)
        if live.count == Int(Self.count) { dropOldest() }
        let id = nextID
        nextID = (nextID &+ 1) & Self.idMask
        let index = id & (Self.count - 1)
        var begin: UInt64 = 1, next: UInt64 = 1
        if !dataless {
            let blockSize = (8 + UInt64(bytes.count) + 7) & ~7
            precondition(blockSize <= Self.size / 2)
            begin = headPosition
            next = begin &+ blockSize
            if begin >> UInt64(Self.sizeBits) != next >> UInt64(Self.sizeBits) {
                next = (next & ~(Self.size - 1)) &+ blockSize
            }
            while live.contains(where: { $0.begin & 1 == 0 && next &- $0.begin > Self.size }) { dropOldest() }
            let start = begin >> UInt64(Self.sizeBits) == next >> UInt64(Self.sizeBits) ? begin & (Self.size - 1) : 0
            memory.storeUInt64(id, at: Self.data(start))
            memory.store(bytes, at: Self.data(start + 8))
            headPosition = next
        }
        memory.storeUInt64(2 << 62 | id, at: Self.descriptor(index))
        memory.storeUInt64(begin, at: Self.descriptor(index) + 8)
        memory.storeUInt64(next, at: Self.descriptor(index) + 16)
        let info = Self.info(index)
        memory.storeUInt64(nextSequence, at: info)
        memory.storeUInt64(nanoseconds, at: info + 8)
        memory.store([UInt8(bytes.count & 0xff), UInt8(bytes.count >> 8), 0, level << 5], at: info + 16)
        memory.store([UInt8(caller & 0xff), UInt8(caller >> 8 & 0xff), UInt8(caller >> 16 & 0xff), UInt8(caller >> 24)],
                     at: info + 20)
        nextSequence += 1
        live.append((id, begin, next))
        return index
    }

    /// Makes the oldest record reusable, freeing its descriptor and text.
    private mutating func dropOldest() {
        let oldest = live.removeFirst()
        memory.storeUInt64(3 << 62 | oldest.id, at: Self.descriptor(oldest.id & (Self.count - 1)))
    }
}

@Suite struct KernelLogReaderTests {
    @Test func readsRecordsInOrderWithTheirFields() throws {
        var ring = SyntheticRingBuffer()
        ring.log("Linux version 6.12.117", at: 0, level: 5, caller: 0)
        ring.log("Command line: console=ttyS0", at: 1_234_567, level: 6, caller: 0x8000_0001)
        ring.log("first line\nsecond line", at: 2_000_000_000, level: 4, caller: 42)
        let log = try ring.read()
        #expect(log.lostRecords == 0)
        #expect(log.damaged.isEmpty)
        #expect(log.ringBuffer == KernelLog.RingBuffer(address: SyntheticRingBuffer.ringBuffer, descriptorCount: 16, textBytes: 512))
        #expect(log.records.map(\.sequence) == [0, 1, 2])
        #expect(log.records[0] == KernelLogRecord(sequence: 0, timestampNanoseconds: 0, level: 5, facility: 0, callerID: 0,
                                                  text: Array("Linux version 6.12.117".utf8)))
        #expect(log.records[1].caller == .cpu(1))
        #expect(log.records[2].caller == .thread(42))
        #expect(log.records[2].level == 4)
        let lines = log.records.flatMap { KernelLogFormatter().lines(of: $0) }
        #expect(lines == [
            "[    0.000000] Linux version 6.12.117",
            "[    0.001234] Command line: console=ttyS0",
            "[    2.000000] first line",
            "[    2.000000] second line",
        ])
    }

    /// 40 records through a 16-descriptor, 512-byte ring: the text ring wraps
    /// several times (blocks that would cross its end start at byte 0), and
    /// only the newest records survive, counted as lost once.
    @Test func wrappedRecordsAreLostAndCounted() throws {
        var ring = SyntheticRingBuffer()
        for number in 0..<40 { ring.log("message number \(number) " + String(repeating: "x", count: number % 7 * 5), at: UInt64(number) * 1000) }
        let log = try ring.read()
        #expect(log.damaged.isEmpty)
        let sequences = log.records.map(\.sequence)
        #expect(sequences == Array(sequences.first!...39))
        #expect(log.lostRecords == sequences.first!)
        #expect(log.lostRecords > 24)   // the text ring, not the descriptors, is the limit here
        for record in log.records {
            let text = String(decoding: record.text, as: UTF8.self)
            #expect(text.hasPrefix("message number \(record.sequence) "))
        }
    }

    @Test func descriptorsRunOutBeforeText() throws {
        var ring = SyntheticRingBuffer()
        for number in 0..<20 { ring.log("m\(number)") }
        let log = try ring.read()
        #expect(log.records.map(\.sequence) == Array(4...19))
        #expect(log.lostRecords == 4)
    }

    @Test func aRecordWithoutTextBlockIsEmptyAndTruncated() throws {
        var ring = SyntheticRingBuffer()
        ring.log("before")
        ring.log("lost text", dataless: true)
        ring.log("after")
        let log = try ring.read()
        #expect(log.records.map { String(decoding: $0.text, as: UTF8.self) } == ["before", "", "after"])
        #expect(log.records[1].isTruncated)
        #expect(log.truncatedRecords == 1)
    }

    @Test func textShorterThanItsLengthIsTruncated() throws {
        var ring = SyntheticRingBuffer()
        let index = ring.log("short")   // one 16-byte block: 8 bytes of text room
        ring.memory.store([200, 0], at: SyntheticRingBuffer.info(index) + 16)
        let record = try #require(try ring.read().records.first)
        #expect(record.isTruncated)
        #expect(record.text == Array("short".utf8) + [0, 0, 0])
    }

    @Test func corruptDescriptorsAreDamagedNotFatal() throws {
        var ring = SyntheticRingBuffer()
        for number in 0..<8 { ring.log("record \(number)") }
        let ids = (0..<8).map { ((0 &- (SyntheticRingBuffer.count + 1)) & SyntheticRingBuffer.idMask &+ 1 &+ UInt64($0)) & SyntheticRingBuffer.idMask }
        // 1: an id that belongs at another index.
        ring.memory.storeUInt64(2 << 62 | (ids[1] &+ 1), at: SyntheticRingBuffer.descriptor(1))
        // 2: a sequence number that belongs at another index.
        ring.memory.storeUInt64(7, at: SyntheticRingBuffer.info(2))
        // 3: a text block running backwards, 4: one longer than the ring.
        ring.memory.storeUInt64(0x100, at: SyntheticRingBuffer.descriptor(3) + 8)
        ring.memory.storeUInt64(0x80, at: SyntheticRingBuffer.descriptor(3) + 16)
        ring.memory.storeUInt64(0, at: SyntheticRingBuffer.descriptor(4) + 8)
        ring.memory.storeUInt64(0x1000, at: SyntheticRingBuffer.descriptor(4) + 16)
        // 5: a text block whose id is another record's (overwritten text).
        let begin5 = try ring.memory.readUInt64LE(at: SyntheticRingBuffer.descriptor(5) + 8) & (SyntheticRingBuffer.size - 1)
        ring.memory.storeUInt64(ids[6], at: SyntheticRingBuffer.data(begin5))
        // 6: a sequence number from far in the future, at the right index.
        ring.memory.storeUInt64(6 + (1 << 40), at: SyntheticRingBuffer.info(6))
        let log = try ring.read()
        #expect(log.records.map(\.sequence) == [0, 7])
        #expect(log.damaged.map(\.descriptor) == [1, 2, 3, 4, 5, 6])
        #expect(log.damaged[0].reason == .idMismatch(id: ids[1] &+ 1))
        #expect(log.damaged[1].reason == .sequenceMismatch(sequence: 7))
        #expect(log.damaged[2].reason == .invalidTextBlock(begin: 0x100, next: 0x80))
        #expect(log.damaged[3].reason == .invalidTextBlock(begin: 0, next: 0x1000))
        #expect(log.damaged[4].reason == .textBlockOwner(expected: ids[5], found: ids[6]))
        #expect(log.damaged[5].reason == .sequenceOutOfRange(sequence: 6 + (1 << 40)))
        #expect(log.lostRecords == 6)
        #expect(log.damaged[4].description.hasPrefix("log descriptor 5: its text block belongs to descriptor id 0x"))
    }

    @Test func aPageMissingFromTheDumpCostsOnlyItsRecords() throws {
        var ring = SyntheticRingBuffer()
        ring.log("one")
        ring.log("two")
        ring.memory.pages[SyntheticRingBuffer.dataPhysical] = nil
        let log = try ring.read()
        #expect(log.records.isEmpty)
        #expect(log.damaged.count == 2)
        #expect(log.damaged[0].reason == .textUnreadable(virtualAddress: SyntheticRingBuffer.directMapBase + SyntheticRingBuffer.dataPhysical))
    }

    @Test func unreadableDescriptorsAreAnError() throws {
        var ring = SyntheticRingBuffer()
        ring.log("one")
        ring.memory.pages[SyntheticRingBuffer.descsPhysical] = nil
        let error = #expect(throws: KernelLogError.self) { try ring.read() }
        #expect(error?.description.hasPrefix("cannot read the printk descriptor array at virtual 0xffff888000200000: ") == true)
    }

    @Test(arguments: [(0, "2^0 descriptors"), (40, "2^40 descriptors")])
    func implausibleCountsAreRefused(bits: UInt8, words: String) throws {
        var ring = SyntheticRingBuffer()
        ring.memory.store([bits], at: SyntheticRingBuffer.physical(SyntheticRingBuffer.ringBuffer))
        let error = #expect(throws: KernelLogError.self) { try ring.read() }
        #expect(error?.description == "the printk ring buffer at virtual 0xffffffff80002040 is corrupt: its descriptor ring claims \(words)")
    }

    @Test func olderKernelsAreNamedUnsupported() throws {
        var info = VmcoreInfo(text: "OSRELEASE=5.4.0\nSYMBOL(log_buf)=ffffffff82000000\n")
        #expect(throws: KernelLogError.unsupportedFormat(osRelease: "5.4.0")) { try PrintkRingBufferLayout(vmcoreInfo: info) }
        #expect(KernelLogError.unsupportedFormat(osRelease: "5.4.0").description.contains("Linux before 5.10"))
        info.symbols["log_buf"] = nil
        #expect(throws: KernelLogError.missing("SYMBOL(prb)")) { try PrintkRingBufferLayout(vmcoreInfo: info) }
    }

    @Test func layoutLinesAreChecked() throws {
        var info = VmcoreInfo(text: SyntheticRingBuffer.vmcoreinfoText)
        let layout = try PrintkRingBufferLayout(vmcoreInfo: info)
        #expect(layout.facility == 18)
        #expect(layout.flagsAndLevel == 19)
        info.offsets["printk_info.ts_nsec"] = nil
        #expect(throws: KernelLogError.missing("OFFSET(printk_info.ts_nsec)")) { try PrintkRingBufferLayout(vmcoreInfo: info) }
        info = VmcoreInfo(text: SyntheticRingBuffer.vmcoreinfoText)
        info.offsets["printk_info.caller_id"] = 86
        #expect(throws: KernelLogError.implausibleLayout("OFFSET(printk_info.caller_id) is 86, but a 4-byte field there does not fit SIZE(printk_info)=88")) {
            try PrintkRingBufferLayout(vmcoreInfo: info)
        }
        info = VmcoreInfo(text: SyntheticRingBuffer.vmcoreinfoText)
        info.sizes["prb_desc"] = 4
        #expect(throws: KernelLogError.self) { try PrintkRingBufferLayout(vmcoreInfo: info) }
        info.sizes["prb_desc"] = 1 << 40
        #expect(throws: KernelLogError.implausibleLayout("SIZE(prb_desc) is 1099511627776 bytes")) { try PrintkRingBufferLayout(vmcoreInfo: info) }
    }

    /// Random bytes over descriptors, infos and text (some descriptors
    /// forced to look finalized) never trap: every record read is whole.
    @Test func randomGarbageNeverTraps() throws {
        var generator = LogFuzzGenerator(seed: 0x6b6a_756d_70)
        for _ in 0..<200 {
            var ring = SyntheticRingBuffer()
            for number in 0..<Int.random(in: 0..<30, using: &generator) { ring.log("record \(number)") }
            for _ in 0..<Int.random(in: 1..<40, using: &generator) {
                let (base, length): (UInt64, UInt64) = switch Int.random(in: 0..<3, using: &generator) {
                case 0: (SyntheticRingBuffer.descsPhysical, SyntheticRingBuffer.count * 24)
                case 1: (SyntheticRingBuffer.infosPhysical, SyntheticRingBuffer.count * 88)
                default: (SyntheticRingBuffer.dataPhysical, SyntheticRingBuffer.size)
                }
                let offset = UInt64.random(in: 0..<length - 8, using: &generator) & ~7
                var word = UInt64.random(in: 0...UInt64.max, using: &generator)
                if base == SyntheticRingBuffer.descsPhysical, offset % 24 == 0, Bool.random(using: &generator) {
                    word = 2 << 62 | (word & 0xffff)
                }
                ring.memory.storeUInt64(word, at: base + offset)
            }
            let log = try ring.read()
            #expect(log.records.count + log.damaged.count <= Int(SyntheticRingBuffer.count))
            #expect(zip(log.records, log.records.dropFirst()).allSatisfy { $0.sequence < $1.sequence })
            for record in log.records { _ = KernelLogFormatter(showsCaller: true, showsPriority: true).lines(of: record) }
        }
    }

    @Test func textBlockPositions() {
        // Same wrap; one wrap ahead (stored from byte 0); across 2^64.
        #expect(KernelLogReader.textBlock(begin: 0x210, next: 0x230, sizeBits: 9)! == (0x10, 0x20))
        #expect(KernelLogReader.textBlock(begin: 0x3f0, next: 0x420, sizeBits: 9)! == (0, 0x20))
        #expect(KernelLogReader.textBlock(begin: 0 &- 0x10, next: 0x20, sizeBits: 9)! == (0, 0x20))
        #expect(KernelLogReader.textBlock(begin: 0 &- 0x40, next: 0 &- 0x20, sizeBits: 9)! == (0x1c0, 0x20))
        // Two wraps apart, ending at a ring boundary, shorter than the id.
        #expect(KernelLogReader.textBlock(begin: 0x10, next: 0x420, sizeBits: 9) == nil)
        #expect(KernelLogReader.textBlock(begin: 0x3f0, next: 0x400, sizeBits: 9) == nil)
        #expect(KernelLogReader.textBlock(begin: 0x10, next: 0x14, sizeBits: 9) == nil)
    }
}

@Suite struct KernelLogFormatterTests {
    @Test func timestampsPadLikeTheKernel() {
        #expect(KernelLogFormatter.timestamp(0) == "[    0.000000]")
        #expect(KernelLogFormatter.timestamp(1_234_567_891) == "[    1.234567]")
        #expect(KernelLogFormatter.timestamp(123_456_000_000_000) == "[123456.000000]")
    }

    @Test func unprintableBytesAreEscaped() {
        let bytes: [UInt8] = Array("tab\there é ".utf8) + [0x01, 0x7f, 0xff, 0xc3, 0x28, 0xc2, 0x85] + Array("\\".utf8)
        #expect(KernelLogFormatter.escaped(bytes[...]) == "tab\there é \\x01\\x7f\\xff\\xc3(\\xc2\\x85\\")
    }

    @Test func callerAndPriorityPrefixes() {
        let record = KernelLogRecord(sequence: 3, timestampNanoseconds: 5_000_001_000, level: 3, facility: 0,
                                     callerID: 0x8000_0002, text: Array("a\nb\n".utf8))
        #expect(KernelLogFormatter(showsCaller: true, showsPriority: true).lines(of: record)
                == ["<3>[    5.000001][    C2] a", "<3>[    5.000001][    C2] b"])
        let empty = KernelLogRecord(sequence: 4, timestampNanoseconds: 0, callerID: 77, text: [])
        #expect(KernelLogFormatter(showsCaller: true, showsPriority: true).lines(of: empty) == ["[    0.000000][   T77] "])
    }
}

/// A deterministic random number generator (SplitMix64) for repeatable fuzzing.
private struct LogFuzzGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var value = state
        value = (value ^ (value >> 30)) &* 0xbf58_476d_1ce4_e5b9
        value = (value ^ (value >> 27)) &* 0x94d0_49bb_1331_11eb
        return value ^ (value >> 31)
    }
}
