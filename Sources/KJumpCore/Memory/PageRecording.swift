/// A small recording of physical pages, so that code which reads a frozen
/// system kernel's memory can be replayed in unit tests on real data.
///
/// Layout (little-endian):
/// ```
/// 0   "KJPAGES1"                  magic
/// 8   u64 total length in bytes   (lets a reader cut it out of a raw disk)
/// 16  u32 n, n bytes of UTF-8     context: "key=value" lines (e.g. cmdline=…)
/// …   u32 page count, then per page: u64 physical address, 4096 bytes
/// ```
public struct PageRecording: Sendable, Equatable {
    public static let magic = Array("KJPAGES1".utf8)
    public static let pageSize = 4096

    /// Free-form context, one `key=value` per line.
    public var context: [String: String]
    /// Recorded pages by page-aligned physical address.
    public var pages: [UInt64: [UInt8]]

    public init(context: [String: String], pages: [UInt64: [UInt8]]) {
        self.context = context
        self.pages = pages
    }

    /// The recording's bytes.
    public func encoded() -> [UInt8] {
        let contextText = KeyValueLines.encode(context)
        var out = Self.magic
        out += [UInt8](repeating: 0, count: 8)
        LittleEndianBytes.append(UInt32(contextText.utf8.count), to: &out)
        out += Array(contextText.utf8)
        LittleEndianBytes.append(UInt32(pages.count), to: &out)
        for address in pages.keys.sorted() {
            LittleEndianBytes.append(address, to: &out)
            out += pages[address]!
        }
        out.storeLittleEndian(UInt64(out.count), at: 8)
        return out
    }

    /// Decodes a recording; trailing bytes after its total length are ignored.
    public init(decoding bytes: [UInt8]) throws(PageRecordingError) {
        var position = 0
        func take(_ count: Int) throws(PageRecordingError) -> ArraySlice<UInt8> {
            guard count >= 0, position + count <= bytes.count else { throw .truncated(at: position) }
            defer { position += count }
            return bytes[position..<position + count]
        }
        guard Array(try take(8)) == Self.magic else { throw .badMagic }
        let total = LittleEndianBytes.load(UInt64.self, from: Array(try take(8)), at: 0)
        guard total <= UInt64(bytes.count) else { throw .truncated(at: bytes.count) }
        let contextLength = Int(LittleEndianBytes.load(UInt32.self, from: Array(try take(4)), at: 0))
        let context = KeyValueLines.decode(String(decoding: try take(contextLength), as: UTF8.self))
        let count = Int(LittleEndianBytes.load(UInt32.self, from: Array(try take(4)), at: 0))
        var pages: [UInt64: [UInt8]] = [:]
        for _ in 0..<count {
            let address = LittleEndianBytes.load(UInt64.self, from: Array(try take(8)), at: 0)
            pages[address] = Array(try take(Self.pageSize))
        }
        self.init(context: context, pages: pages)
    }
}

/// Why a page recording could not be decoded.
public enum PageRecordingError: Error, Sendable, Equatable, CustomStringConvertible {
    case badMagic
    case truncated(at: Int)

    public var description: String {
        switch self {
        case .badMagic: "not a kjump page recording (no KJPAGES1 magic)"
        case .truncated(let offset): "the page recording ends early, at byte \(offset)"
        }
    }
}

/// Serves reads from a `PageRecording`; an unrecorded page is `notPresent`.
public struct RecordedPhysicalMemory: PhysicalMemory, Sendable {
    public var recording: PageRecording

    public init(_ recording: PageRecording) { self.recording = recording }

    public func read(physicalAddress: UInt64, count: Int) throws -> [UInt8] {
        var out: [UInt8] = []
        var address = physicalAddress
        let end = try checkedEnd(of: physicalAddress, count: count)
        while address < end {
            let page = address & ~UInt64(PageRecording.pageSize - 1)
            guard let bytes = recording.pages[page] else { throw PhysicalMemoryError.notPresent(address) }
            let from = Int(address - page), to = Int(min(end - page, UInt64(PageRecording.pageSize)))
            out += bytes[from..<to]
            address = page + UInt64(to)
        }
        return out
    }
}

/// Wraps a `PhysicalMemory` and keeps a copy of every whole page read through it.
public final class RecordingPhysicalMemory: PhysicalMemory {
    public let base: any PhysicalMemory
    /// The pages read so far.
    public private(set) var pages: [UInt64: [UInt8]] = [:]

    public init(base: any PhysicalMemory) { self.base = base }

    public func read(physicalAddress: UInt64, count: Int) throws -> [UInt8] {
        let size = UInt64(PageRecording.pageSize)
        let end = try checkedEnd(of: physicalAddress, count: count)
        var page = physicalAddress & ~(size - 1)
        while page < end {
            if pages[page] == nil { pages[page] = try base.read(physicalAddress: page, count: Int(size)) }
            page += size
        }
        return try base.read(physicalAddress: physicalAddress, count: count)
    }
}
