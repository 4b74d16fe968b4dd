/// One of the two page bitmaps: bit `n % 8` of byte `n / 8` is set when page
/// frame `n` is in the set. Held as sorted, disjoint page-frame ranges and
/// encoded a window at a time, so a bitmap for terabytes of RAM never sits
/// in memory whole.
public struct KdumpPageBitmap: Sendable, Equatable {
    /// Sorted, disjoint, non-adjacent, non-empty page-frame ranges.
    public private(set) var ranges: [Range<UInt64>]

    /// The union of `ranges` (any order, overlaps and empty ranges allowed).
    public init(ranges: some Sequence<Range<UInt64>>) {
        var merged: [Range<UInt64>] = []
        for range in ranges.filter({ !$0.isEmpty }).sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = merged.last, range.lowerBound <= last.upperBound {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        self.ranges = merged
    }

    /// Pages in the set.
    public var pageCount: UInt64 { ranges.reduce(0) { $0 + UInt64($1.count) } }

    /// One past the highest page frame in the set (0 when empty).
    public var endPFN: UInt64 { ranges.last?.upperBound ?? 0 }

    public func contains(_ pfn: UInt64) -> Bool {
        var low = 0, high = ranges.count
        while low < high {
            let middle = (low + high) / 2
            if ranges[middle].upperBound <= pfn { low = middle + 1 } else { high = middle }
        }
        return low < ranges.count && ranges[low].contains(pfn)
    }

    /// Bytes `[byteOffset, byteOffset + count)` of the encoded bitmap
    /// (zeros beyond the last page frame).
    public func encoded(fromByte byteOffset: UInt64, count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let windowStart = byteOffset * 8, windowEnd = (byteOffset + UInt64(count)) * 8
        for range in ranges where range.upperBound > windowStart && range.lowerBound < windowEnd {
            var pfn = max(range.lowerBound, windowStart)
            let end = min(range.upperBound, windowEnd)
            while pfn < end {
                let index = Int(pfn / 8 - byteOffset)
                if pfn % 8 == 0, end - pfn >= 8 {
                    // Whole bytes in the middle of a range.
                    let fullBytes = Int((end - pfn) / 8)
                    for byte in index..<index + fullBytes { bytes[byte] = 0xff }
                    pfn += UInt64(fullBytes) * 8
                } else {
                    bytes[index] |= 1 << UInt8(pfn % 8)
                    pfn += 1
                }
            }
        }
        return bytes
    }

    /// The set an encoded bitmap (`bytes`, starting at page frame 0) describes.
    public init(decoding bytes: [UInt8]) {
        var ranges: [Range<UInt64>] = []
        var start: UInt64?
        for (index, byte) in bytes.enumerated() {
            if start == nil, byte == 0 { continue }
            if start != nil, byte == 0xff { continue }
            for bit in 0..<8 {
                let pfn = UInt64(index) * 8 + UInt64(bit)
                let set = byte & (1 << UInt8(bit)) != 0
                if set, start == nil { start = pfn }
                if !set, let open = start { ranges.append(open..<pfn); start = nil }
            }
        }
        if let open = start { ranges.append(open..<UInt64(bytes.count) * 8) }
        self.ranges = ranges
    }
}
