/// A range of the kernel's virtual memory, read on demand a chunk of pages at
/// a time and kept. A chunk that cannot be read whole (a page left out of
/// a filtered dump, a hole in the mapping) is read page by page, and the
/// pages that still fail read as absent, so one lost page costs only the
/// records in it.
final class PagedKernelRegion {
    static let pageSize: UInt64 = 4096
    /// Pages read together when none of them is cached yet.
    static let chunkPages: UInt64 = 16

    let space: KernelAddressSpace
    /// Virtual address of the region's first byte.
    let base: UInt64
    let length: UInt64
    /// Virtual page number → its bytes, or nil when it could not be read.
    private var pages: [UInt64: [UInt8]?] = [:]
    /// The first read failure, for a message when nothing could be read.
    private(set) var firstFailure: KernelAddressSpaceError?

    /// The caller checks that `[base, base + length)` does not wrap.
    init(space: KernelAddressSpace, base: UInt64, length: UInt64) {
        self.space = space
        self.base = base
        self.length = length
    }

    /// The virtual address of byte `offset`.
    func address(_ offset: UInt64) -> UInt64 { base &+ offset }

    /// `count` bytes at `offset` into the region; nil when they are outside it
    /// or any of them cannot be read.
    func bytes(at offset: UInt64, count: Int) -> [UInt8]? {
        guard count >= 0, offset <= length, UInt64(count) <= length - offset else { return nil }
        guard count > 0 else { return [] }
        var out: [UInt8] = []
        out.reserveCapacity(count)
        var address = base + offset
        let end = address + UInt64(count)
        while address < end {
            let number = address / Self.pageSize
            guard let page = page(number) else { return nil }
            let pageStart = number * Self.pageSize
            let chunkEnd = min(end, pageStart &+ Self.pageSize)
            out += page[Int(address - pageStart)..<Int(chunkEnd - pageStart)]
            address = chunkEnd
        }
        return out
    }

    /// The little-endian word of `T` at `offset`.
    func load<T: FixedWidthInteger>(_: T.Type, at offset: UInt64) -> T? {
        bytes(at: offset, count: T.bitWidth / 8).map { LittleEndianBytes.load(T.self, from: $0, at: 0) }
    }

    /// Virtual page `number`, read with its chunk on first use.
    private func page(_ number: UInt64) -> [UInt8]? {
        if let cached = pages[number] { return cached }
        let firstPage = base / Self.pageSize
        let lastPage = (base + length - 1) / Self.pageSize
        let chunkStart = max(firstPage, number - number % Self.chunkPages)
        let chunkEnd = min(lastPage, chunkStart + Self.chunkPages - 1)
        do {
            let bytes = try space.read(virtualAddress: chunkStart * Self.pageSize,
                                       count: Int((chunkEnd - chunkStart + 1) * Self.pageSize))
            for index in chunkStart...chunkEnd where pages[index] == nil {
                let start = Int((index - chunkStart) * Self.pageSize)
                pages[index] = Array(bytes[start..<start + Int(Self.pageSize)])
            }
        } catch {
            for index in chunkStart...chunkEnd where pages[index] == nil {
                do {
                    pages[index] = try space.read(virtualAddress: index * Self.pageSize, count: Int(Self.pageSize))
                } catch {
                    if firstFailure == nil { firstFailure = error }
                    pages[index] = .some(nil)
                }
            }
        }
        return pages[number] ?? nil
    }
}
