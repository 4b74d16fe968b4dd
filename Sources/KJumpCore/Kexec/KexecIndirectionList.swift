/// One page of a loaded kexec image: the kernel copies (for a
/// preserve-context jump: *swaps*) the page at `source` with the page at
/// `destination`. Both are physical page addresses.
public struct KexecPagePair: Sendable, Equatable, CustomStringConvertible {
    public var destination: UInt64
    public var source: UInt64

    public init(destination: UInt64, source: UInt64) {
        self.destination = destination
        self.source = source
    }

    public var description: String { "\(HexText.number(destination)) <- \(HexText.number(source))" }
}

/// The kexec indirection list (`image->head`, include/linux/kexec.h): 64-bit
/// entries, each a page address or'ed with one flag. `IND_DESTINATION` sets
/// the destination; each `IND_SOURCE` names the source of the current
/// destination page, after which the destination advances by one page;
/// `IND_INDIRECTION` continues the list at another page; `IND_DONE` ends it.
/// x86-64's `swap_pages` (arch/x86/kernel/relocate_kernel_64.S) walks it so.
public enum KexecIndirectionList {
    public static let destinationFlag: UInt64 = 0x1
    public static let indirectionFlag: UInt64 = 0x2
    public static let doneFlag: UInt64 = 0x4
    public static let sourceFlag: UInt64 = 0x8

    /// The (destination, source) pairs of the list that starts with the entry
    /// `head` (the value the kernel keeps in `image->head` and stores in the
    /// control page; normally an indirection page address | `IND_INDIRECTION`),
    /// in list order. Entries are read from `memory`.
    ///
    /// Stricter than the kernel's walkers, which skip (assembly) or stop at
    /// (C) odd entries: a list the kernel built never holds them, so an entry
    /// with no flag, several flags or other low bits, a source before any
    /// destination, a destination page named twice, an indirection loop,
    /// a head that is not an indirection entry or `IND_DONE`, running off
    /// the end of an indirection page, or more than `maxEntries`
    /// entries (counting the head) is an error naming the entry's physical address.
    public static func pagePairs(head: UInt64, memory: some PhysicalMemory, pageSize: UInt64 = 4096,
                                 maxEntries: Int = 1 << 22) throws(KexecIndirectionListError) -> [KexecPagePair] {
        precondition(pageSize.nonzeroBitCount == 1 && pageSize >= 16, "the page size is a power of two")
        let pageMask = ~(pageSize - 1)
        var pairs: [KexecPagePair] = []
        var destination: UInt64?
        var seenDestinations: Set<UInt64> = []
        var visitedIndirectionPages: Set<UInt64> = []
        var entry = head
        var entryAddress: UInt64? = nil   // nil: the head itself
        var nextAddress: UInt64 = 0       // where the next entry is read
        var entryCount = 0

        guard head & ~pageMask == indirectionFlag || head & ~pageMask == doneFlag else {
            throw .headNotIndirection(head)
        }
        while true {
            entryCount += 1
            guard entryCount <= maxEntries else {
                throw .tooManyEntries(limit: maxEntries, entryAddress: entryAddress)
            }
            let flags = entry & ~pageMask
            let page = entry & pageMask
            switch flags {
            case destinationFlag:
                destination = page
            case indirectionFlag:
                guard visitedIndirectionPages.insert(page).inserted else {
                    throw .loop(indirectionPage: page, entryAddress: entryAddress)
                }
                nextAddress = page
            case doneFlag:
                return pairs
            case sourceFlag:
                guard let current = destination else {
                    throw .sourceBeforeDestination(source: page, entryAddress: entryAddress)
                }
                guard seenDestinations.insert(current).inserted else {
                    throw .duplicateDestination(current, entryAddress: entryAddress)
                }
                pairs.append(KexecPagePair(destination: current, source: page))
                destination = current &+ pageSize
            default:
                throw .unexpectedEntry(entry, entryAddress: entryAddress)
            }

            if let address = entryAddress, flags != indirectionFlag, (address & pageMask) != (nextAddress & pageMask) {
                // The last slot of an indirection page must continue the list or end it.
                throw .ranOffPage(page: address & pageMask)
            }
            entryAddress = nextAddress
            do {
                entry = try memory.readUInt64LE(at: nextAddress)
            } catch {
                throw .unreadable(entryAddress: nextAddress, reason: String(describing: error))
            }
            nextAddress &+= 8
        }
    }
}

/// Why a kexec indirection list could not be walked. `entryAddress` is the
/// physical address of the offending entry; nil means the head value itself.
public enum KexecIndirectionListError: Error, Equatable, CustomStringConvertible {
    /// The head is neither an indirection entry nor the done marker.
    case headNotIndirection(UInt64)
    /// An entry that is not exactly a page address with one of the four flags.
    case unexpectedEntry(UInt64, entryAddress: UInt64?)
    /// An indirection entry leads back to a page already walked.
    case loop(indirectionPage: UInt64, entryAddress: UInt64?)
    /// A source entry before any destination entry.
    case sourceBeforeDestination(source: UInt64, entryAddress: UInt64?)
    /// Two source entries for the same destination page.
    case duplicateDestination(UInt64, entryAddress: UInt64?)
    /// More entries than the walk allows.
    case tooManyEntries(limit: Int, entryAddress: UInt64?)
    /// The last entry of an indirection page was neither an indirection nor the end.
    case ranOffPage(page: UInt64)
    /// Reading an entry failed.
    case unreadable(entryAddress: UInt64, reason: String)

    public var description: String {
        switch self {
        case let .headNotIndirection(head):
            "the kexec list head \(HexText.number(head)) is neither an indirection page (flag 2) nor the done marker (4)"
        case let .unexpectedEntry(entry, address):
            "the kexec list entry \(HexText.number(entry)) \(Self.place(address)) is not a page address with exactly one of the flags destination (1), indirection (2), done (4), source (8)"
        case let .loop(page, address):
            "the kexec list entry \(Self.place(address)) continues at indirection page \(HexText.number(page)), which the list already passed through: the list loops"
        case let .sourceBeforeDestination(source, address):
            "the kexec list entry \(Self.place(address)) names source page \(HexText.number(source)) before any destination"
        case let .duplicateDestination(destination, address):
            "the kexec list entry \(Self.place(address)) names a second source for destination page \(HexText.number(destination))"
        case let .tooManyEntries(limit, address):
            "the kexec list has more than \(limit) entries (stopped \(Self.place(address)))"
        case let .ranOffPage(page):
            "the kexec indirection page at physical address \(HexText.number(page)) ends without an indirection or done entry"
        case let .unreadable(address, reason):
            "cannot read the kexec list entry at physical address \(HexText.number(address)): \(reason)"
        }
    }

    private static func place(_ address: UInt64?) -> String {
        address.map { "at physical address " + HexText.number($0) } ?? "in the list head"
    }
}
