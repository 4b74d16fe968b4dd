extension PhysicalRange {
    /// True when the two ranges share at least one byte.
    public func overlaps(_ other: PhysicalRange) -> Bool {
        start < other.end && other.start < end && size > 0 && other.size > 0
    }

    /// True when `address` lies in the range.
    public func contains(_ address: UInt64) -> Bool { start <= address && address < end }

    /// The whole pages inside the range (start rounded up, end rounded down);
    /// nil when no whole page fits. Images hold whole pages only: the partial
    /// page at the edge of a RAM range (e.g. up to 0x9fc00) is left out.
    public func wholePages(pageSize: UInt64 = 4096) -> PhysicalRange? {
        let first = (start + pageSize - 1) / pageSize * pageSize
        let last = end / pageSize * pageSize
        return first < last ? PhysicalRange(start: first, end: last) : nil
    }

    /// The parts of `ranges` not covered by any of `holes`, sorted, empty parts dropped.
    public static func subtracting(_ holes: [PhysicalRange], from ranges: [PhysicalRange]) -> [PhysicalRange] {
        var result: [PhysicalRange] = []
        let sortedHoles = holes.sorted { $0.start < $1.start }
        for range in ranges.sorted(by: { $0.start < $1.start }) {
            var cursor = range.start
            for hole in sortedHoles where hole.end > cursor && hole.start < range.end {
                if hole.start > cursor { result.append(PhysicalRange(start: cursor, end: hole.start)) }
                cursor = max(cursor, hole.end)
            }
            if cursor < range.end { result.append(PhysicalRange(start: cursor, end: range.end)) }
        }
        return result
    }
}
