/// Where the lockless printk ring buffer (Linux 5.10 and later) and the
/// fields `kjump dmesg` reads sit, all from VMCOREINFO
/// (kernel/printk/printk.c, `log_buf_vmcoreinfo_setup`):
///
/// ```
/// SYMBOL(prb) ─► struct printk_ringbuffer *  ──► printk_ringbuffer
///   desc_ring      (prb_desc_ring)    count_bits, descs ─► prb_desc[2^count_bits]
///                                                 infos ─► printk_info[2^count_bits]
///   text_data_ring (prb_data_ring)    size_bits,  data  ─► char[2^size_bits]
/// prb_desc:    state_var (state in the top 2 bits, descriptor id below),
///              text_blk_lpos { begin, next }
/// printk_info: seq, ts_nsec, text_len (u16), facility (u8),
///              flags:5 + level:3 (u8), caller_id (u32)
/// ```
///
/// VMCOREINFO has no offsets for `facility` and the flags/level byte: they are
/// read as the two bytes just before `caller_id`, and only when
/// `caller_id` is at least 4 bytes past `text_len` (true of every kernel
/// with this ring buffer); otherwise level and facility are unknown.
public struct PrintkRingBufferLayout: Sendable, Equatable {
    /// `SYMBOL(prb)`: the pointer variable that holds the ring buffer's address.
    public var prbSymbol: UInt64
    public var ringBufferSize: Int
    public var descRing: Int
    public var textDataRing: Int
    public var countBits: Int
    public var descs: Int
    public var infos: Int
    public var descSize: Int
    public var stateVar: Int
    public var textBlockPosition: Int
    public var positionBegin: Int
    public var positionNext: Int
    public var infoSize: Int
    public var sequence: Int
    public var timestamp: Int
    public var textLength: Int
    public var callerID: Int
    public var sizeBits: Int
    public var data: Int

    /// `printk_info.facility`, when the layout allows deriving it.
    public var facility: Int? { callerID >= textLength + 4 ? callerID - 2 : nil }
    /// The byte holding `printk_info.flags` (low 5 bits) and `level` (top 3 bits).
    public var flagsAndLevel: Int? { callerID >= textLength + 4 ? callerID - 1 : nil }

    /// Largest structure size accepted from VMCOREINFO.
    static let maximumStructureSize = 4096

    /// Reads the layout from `vmcoreInfo`. Throws `unsupportedFormat` for a
    /// kernel that exports the pre-5.10 `log_buf` instead of `prb`, `missing`
    /// for an absent line, and `implausibleLayout` when a field does not fit
    /// its structure.
    public init(vmcoreInfo info: VmcoreInfo) throws(KernelLogError) {
        guard let prb = info.symbols["prb"] else {
            if info.symbols["log_buf"] != nil { throw .unsupportedFormat(osRelease: info.osRelease) }
            throw .missing("SYMBOL(prb)")
        }
        func size(_ name: String) throws(KernelLogError) -> Int {
            guard let value = info.sizes[name] else { throw .missing("SIZE(\(name))") }
            guard value > 0, value <= UInt64(Self.maximumStructureSize) else {
                throw .implausibleLayout("SIZE(\(name)) is \(value) bytes")
            }
            return Int(value)
        }
        func offset(_ name: String, width: Int, in structure: String, size: Int) throws(KernelLogError) -> Int {
            guard let value = info.offsets[name] else { throw .missing("OFFSET(\(name))") }
            guard width <= size, value <= UInt64(size - width) else {
                throw .implausibleLayout("OFFSET(\(name)) is \(value), but a \(width)-byte field there does not fit SIZE(\(structure))=\(size)")
            }
            return Int(value)
        }
        prbSymbol = prb
        ringBufferSize = try size("printk_ringbuffer")
        let descRingSize = try size("prb_desc_ring")
        let dataRingSize = try size("prb_data_ring")
        descRing = try offset("printk_ringbuffer.desc_ring", width: descRingSize, in: "printk_ringbuffer", size: ringBufferSize)
        textDataRing = try offset("printk_ringbuffer.text_data_ring", width: dataRingSize, in: "printk_ringbuffer", size: ringBufferSize)
        countBits = try offset("prb_desc_ring.count_bits", width: 4, in: "prb_desc_ring", size: descRingSize)
        descs = try offset("prb_desc_ring.descs", width: 8, in: "prb_desc_ring", size: descRingSize)
        infos = try offset("prb_desc_ring.infos", width: 8, in: "prb_desc_ring", size: descRingSize)
        descSize = try size("prb_desc")
        let positionSize = try size("prb_data_blk_lpos")
        stateVar = try offset("prb_desc.state_var", width: 8, in: "prb_desc", size: descSize)
        textBlockPosition = try offset("prb_desc.text_blk_lpos", width: positionSize, in: "prb_desc", size: descSize)
        positionBegin = try offset("prb_data_blk_lpos.begin", width: 8, in: "prb_data_blk_lpos", size: positionSize)
        positionNext = try offset("prb_data_blk_lpos.next", width: 8, in: "prb_data_blk_lpos", size: positionSize)
        infoSize = try size("printk_info")
        sequence = try offset("printk_info.seq", width: 8, in: "printk_info", size: infoSize)
        timestamp = try offset("printk_info.ts_nsec", width: 8, in: "printk_info", size: infoSize)
        textLength = try offset("printk_info.text_len", width: 2, in: "printk_info", size: infoSize)
        callerID = try offset("printk_info.caller_id", width: 4, in: "printk_info", size: infoSize)
        sizeBits = try offset("prb_data_ring.size_bits", width: 4, in: "prb_data_ring", size: dataRingSize)
        data = try offset("prb_data_ring.data", width: 8, in: "prb_data_ring", size: dataRingSize)
    }
}
