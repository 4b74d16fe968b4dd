/// What the system kernel's `struct page` says about one page frame, in
/// makedumpfile's terms (makedumpfile.c `__exclude_unnecessary_pages`).
/// Zero pages are not a class: they are found by content (`isZeroPage`).
public enum PageClass: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// Nothing excludable: kernel data, slab, page tables, reserved pages,
    /// tails of compound pages whose head is kept.
    case kept = 0
    /// In the buddy allocator: a head with the buddy page type, and the
    /// 2^order − 1 pages after it.
    case free = 1
    /// Page cache or swap cache (`PG_lru`, or `PG_swapcache` with
    /// `PG_swapbacked`), not anonymous, without `PG_private`.
    case cache = 2
    /// The same with `PG_private` (buffer heads, filesystem-private data).
    case cachePrivate = 3
    /// Anonymous (`mapping & PAGE_MAPPING_ANON`, not slab) or hugetlb.
    case user = 4
    /// `PG_hwpoison`.
    case hwpoison = 5
    /// Logically offline (the offline page type: balloons, hot-unplug).
    case offline = 6
    /// No `struct page` could be read (its vmemmap is not mapped): kept,
    /// as makedumpfile keeps pages of a section without `mem_map`.
    case unknown = 7

    /// Classes that every dump level excludes, as makedumpfile does.
    public static let alwaysExcluded: [PageClass] = [.hwpoison, .offline]

    public var description: String {
        switch self {
        case .kept: "kept"
        case .free: "free"
        case .cache: "cache"
        case .cachePrivate: "private cache"
        case .user: "user"
        case .hwpoison: "hwpoison"
        case .offline: "offline"
        case .unknown: "no struct page"
        }
    }
}

/// Pages counted by class.
public struct PageClassCounts: Sendable, Equatable, CustomStringConvertible {
    private var counts = [UInt64](repeating: 0, count: PageClass.allCases.count)

    public init() {}

    public subscript(pageClass: PageClass) -> UInt64 {
        get { counts[Int(pageClass.rawValue)] }
        set { counts[Int(pageClass.rawValue)] = newValue }
    }

    /// All pages counted.
    public var total: UInt64 { counts.reduce(0, +) }

    /// Pages that `level` excludes by class (zero pages are not known here).
    public func excluded(at level: DumpLevel) -> UInt64 {
        PageClass.allCases.filter { level.excludes($0) }.reduce(0) { $0 + self[$1] }
    }

    mutating func add(_ other: PageClassCounts) {
        for index in counts.indices { counts[index] += other.counts[index] }
    }

    public var description: String {
        PageClass.allCases.filter { self[$0] > 0 }.map { "\($0)=\(self[$0])" }.joined(separator: " ")
    }
}
