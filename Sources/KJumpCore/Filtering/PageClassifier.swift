/// Classifies `struct page`s in PFN order, with makedumpfile's rules
/// (makedumpfile.c `__exclude_unnecessary_pages`, 1.7.2 and later), but
/// independent of any dump level: `DumpLevel.excludes` decides afterwards,
/// and gives the same set of excluded pages as makedumpfile for every level.
///
/// For each page, in this order:
/// 1. inside a free block or compound page classified earlier: that class;
/// 2. a compound tail (`compound_head & 1`): `kept` (its head decided);
/// 3. the buddy page type, not slab, order (`private`) below `NR_PAGE_ORDERS`:
///    `free`, covering the 2^order pages of the block (makedumpfile skips
///    them the same way; an order out of range leaves the page `kept`);
/// 4. `PG_hwpoison`: `hwpoison`; 5. the offline page type: `offline`;
/// 6. a cache page (`PG_lru`, or `PG_swapcache` with `PG_swapbacked`) that
///    is not anonymous: `cachePrivate` with `PG_private`, else `cache`;
/// 7. anonymous (`mapping & 1`, not slab) or a hugetlb head: `user`;
/// 8. anything else: `kept`.
///
/// Classes 4–7 cover a whole compound page from its head: the order is the
/// low byte of the first tail's flags (`folio->_flags_1`, Linux ≥ 6.6),
/// ignored unless the head's PFN is aligned to it. makedumpfile checks
/// hwpoison and offline after cache and user; both are excluded at every
/// level, so checking them first changes only which counter a page lands in.
///
/// The classifier is a value with a little state (the block it is inside),
/// so chunks of `mem_map` can be fed to it one after another.
public struct PageClassifier: Sendable {
    public let layout: MemMapLayout
    /// End PFN of the block classified from an earlier head, and its class.
    private(set) var coverEnd: UInt64 = 0
    private(set) var coverClass: PageClass = .kept

    public init(layout: MemMapLayout) {
        self.layout = layout
    }

    /// Classifies the pages `[firstPFN, firstPFN + classes.count)`.
    /// `structPages` holds their `struct page`s back to back, and may hold
    /// one more (the next PFN's), which supplies a head's compound order.
    /// `readable[i] == false` marks a page whose `struct page` could not be
    /// read: it becomes `unknown`. Pass an empty `readable` when all are.
    public mutating func classify(firstPFN: UInt64, structPages: UnsafeRawBufferPointer,
                                  readable: [Bool] = [],
                                  into classes: UnsafeMutableBufferPointer<PageClass>) {
        let size = layout.structPageSize
        let count = classes.count
        precondition(structPages.count >= count * size, "one struct page per page frame")
        let hasLookahead = structPages.count >= (count + 1) * size
        var index = 0
        while index < count {
            let pfn = firstPFN + UInt64(index)
            if pfn < coverEnd {
                let run = Int(min(coverEnd - pfn, UInt64(count - index)))
                for offset in index..<index + run { classes[offset] = coverClass }
                index += run
                continue
            }
            if !readable.isEmpty, !readable[index] {
                classes[index] = .unknown
                index += 1
                continue
            }
            let nextFlags: UInt64? = index + 1 < count || hasLookahead
                ? structPages.loadUnaligned(fromByteOffset: (index + 1) * size + layout.flagsOffset, as: UInt64.self)
                : nil
            let nextReadable = readable.isEmpty || index + 1 >= readable.count || readable[index + 1]
            let (pageClass, span) = Self.classify(structPage: structPages, at: index * size, pfn: pfn,
                                                  nextFlags: nextReadable ? nextFlags : nil, layout: layout)
            classes[index] = pageClass
            if span > 1 {
                coverEnd = pfn + span
                coverClass = pageClass
            }
            index += 1
        }
    }

    /// Convenience over arrays: the classes of `count` pages from `firstPFN`.
    public mutating func classify(firstPFN: UInt64, count: Int, structPages: [UInt8],
                                  readable: [Bool] = []) -> [PageClass] {
        var classes = [PageClass](repeating: .kept, count: count)
        structPages.withUnsafeBytes { bytes in
            classes.withUnsafeMutableBufferPointer { out in
                classify(firstPFN: firstPFN, structPages: bytes, readable: readable, into: out)
            }
        }
        return classes
    }

    /// The class of one `struct page` at `offset` in `bytes`, and how many
    /// pages from it (itself included) share that class: 2^order for a free
    /// block or a classified compound head, else 1.
    @inline(__always)
    public static func classify(structPage bytes: UnsafeRawBufferPointer, at offset: Int, pfn: UInt64,
                                nextFlags: UInt64?, layout: MemMapLayout) -> (PageClass, UInt64) {
        let flags = bytes.loadUnaligned(fromByteOffset: offset + layout.flagsOffset, as: UInt64.self)
        if let compoundHead = layout.compoundHeadOffset,
           bytes.loadUnaligned(fromByteOffset: offset + compoundHead, as: UInt64.self) & 1 != 0 {
            return (.kept, 1)
        }
        let pageType = bytes.loadUnaligned(fromByteOffset: offset + layout.mapcountOffset, as: UInt32.self)
        let isSlab = (layout.slabType?.matches(pageType) ?? false)
            || (layout.slabBit.map { flags >> UInt64($0) & 1 != 0 } ?? false)

        if !isSlab, layout.buddyType.matches(pageType) {
            let order = bytes.loadUnaligned(fromByteOffset: offset + layout.privateOffset, as: UInt64.self)
            guard order < UInt64(layout.orderCount) else { return (.kept, 1) }
            return (.free, 1 << order)
        }

        var span: UInt64 = 1
        if flags & layout.headMask != 0, let nextFlags {
            let order = nextFlags & 0xff
            if order < 64, pfn & ((1 << order) - 1) == 0 { span = 1 << order }
        }
        if let bit = layout.hwpoisonBit, flags >> UInt64(bit) & 1 != 0 { return (.hwpoison, span) }
        if !isSlab, layout.offlineType?.matches(pageType) == true { return (.offline, span) }

        let mapping = bytes.loadUnaligned(fromByteOffset: offset + layout.mappingOffset, as: UInt64.self)
        let isAnon = mapping & 1 != 0 && !isSlab
        let isLRU = flags >> UInt64(layout.lruBit) & 1 != 0
        let swapBacked = layout.swapBackedBit.map { flags >> UInt64($0) & 1 != 0 } ?? true
        let isSwapCache = flags >> UInt64(layout.swapCacheBit) & 1 != 0
        if (isLRU || (swapBacked && isSwapCache)) && !isAnon {
            return (flags >> UInt64(layout.privateBit) & 1 != 0 ? .cachePrivate : .cache, span)
        }
        let isHugetlbHead = flags & layout.headMask != 0 && layout.hugetlbType?.matches(pageType) == true
        if isAnon || isHugetlbHead { return (.user, span) }
        return (.kept, 1)
    }
}
