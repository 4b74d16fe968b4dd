/// Which pages a dump leaves out: the bits of makedumpfile's `-d` option,
/// with the same numbers, so `DumpLevel(rawValue: 31)` is `-d 31`.
///
/// | bit | excludes |
/// |---|---|
/// | 1 `zero` | pages whose content is all zero (judged by content, `isZeroPage`) |
/// | 2 `cacheNonPrivate` | page-cache and swap-cache pages without `PG_private` |
/// | 4 `cachePrivate` | page-cache and swap-cache pages *with or without* `PG_private` (as in makedumpfile, this bit alone also drops the non-private ones) |
/// | 8 `user` | user data: anonymous pages (`mapping & PAGE_MAPPING_ANON`, KSM included) and hugetlb pages |
/// | 16 `free` | pages in the buddy allocator's free lists |
///
/// Whatever the level, makedumpfile also drops hardware-poisoned and
/// logically offline pages (reading the first may machine-check; the second
/// have no content a kernel keeps): `PageClass.alwaysExcluded`.
///
/// For hibernation the default is `hibernationDefault` (`zero` + `free`),
/// but *zero* means something different there: a zero page is still a page
/// the system kernel uses, so the image records it as a zero run (no data)
/// and resume writes zeros back, while a free page is left out entirely and
/// may come back holding anything. A crash dump (`crashDefault`, 31) just
/// omits excluded pages of every kind.
public struct DumpLevel: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// A level given as makedumpfile's number; nil outside 0...31.
    public init?(level: Int) {
        guard (0...31).contains(level) else { return nil }
        self.init(rawValue: UInt8(level))
    }

    public static let zero = DumpLevel(rawValue: 1)
    public static let cacheNonPrivate = DumpLevel(rawValue: 2)
    public static let cachePrivate = DumpLevel(rawValue: 4)
    public static let user = DumpLevel(rawValue: 8)
    public static let free = DumpLevel(rawValue: 16)

    /// Every bit: makedumpfile's `-d 31`, kjump's default for crash dumps.
    public static let crashDefault: DumpLevel = [.zero, .cacheNonPrivate, .cachePrivate, .user, .free]
    /// Hibernation keeps everything the kernel may use again: free pages are
    /// left out, zero pages are recorded without data (see the type's notes).
    public static let hibernationDefault: DumpLevel = [.zero, .free]

    /// Whether a page of `pageClass` (found in `mem_map`) is left out at
    /// this level. `kept` and `unknown` pages never are; hardware-poisoned
    /// and offline pages always are. Zero pages are judged by content, not here.
    public func excludes(_ pageClass: PageClass) -> Bool {
        switch pageClass {
        case .kept, .unknown: false
        case .free: contains(.free)
        case .cache: !isDisjoint(with: [.cacheNonPrivate, .cachePrivate])
        case .cachePrivate: contains(.cachePrivate)
        case .user: contains(.user)
        case .hwpoison, .offline: true
        }
    }

    /// `-d N` as makedumpfile prints it, plus the bits by name.
    public var description: String {
        var names: [String] = []
        if contains(.zero) { names.append("zero") }
        if contains(.cacheNonPrivate) { names.append("cache") }
        if contains(.cachePrivate) { names.append("private cache") }
        if contains(.user) { names.append("user") }
        if contains(.free) { names.append("free") }
        return "\(rawValue) (" + (names.isEmpty ? "nothing" : names.joined(separator: ", ")) + ")"
    }
}
