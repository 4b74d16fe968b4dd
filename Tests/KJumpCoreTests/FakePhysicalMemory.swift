@testable import KJumpCore

/// Sparse physical memory for tests: 4 KiB pages kept in a dictionary.
/// Reading a page that was never written throws `notPresent`.
struct FakePhysicalMemory: PhysicalMemory {
    static let pageSize: UInt64 = 4096
    var pages: [UInt64: [UInt8]] = [:]

    /// Makes the pages covering `[start, end)` present, filled by `fill(pageAddress)`.
    mutating func addPages(from start: UInt64, to end: UInt64, fill: (UInt64) -> [UInt8] = { _ in zeroPage() }) {
        var page = start & ~(Self.pageSize - 1)
        while page < end {
            let content = fill(page)
            precondition(content.count == Int(Self.pageSize))
            pages[page] = content
            page += Self.pageSize
        }
    }

    /// Writes `bytes` at `address`; the pages must be present.
    mutating func store(_ bytes: [UInt8], at address: UInt64) {
        for (index, byte) in bytes.enumerated() {
            let target = address + UInt64(index)
            let page = target & ~(Self.pageSize - 1)
            precondition(pages[page] != nil, "test wrote to absent page \(HexText.number(page))")
            pages[page]![Int(target - page)] = byte
        }
    }

    mutating func storeUInt64(_ value: UInt64, at address: UInt64) {
        var bytes: [UInt8] = []
        LittleEndianBytes.append(value, to: &bytes)
        store(bytes, at: address)
    }

    func read(physicalAddress: UInt64, count: Int) throws -> [UInt8] {
        var out: [UInt8] = []
        var address = physicalAddress
        let end = physicalAddress + UInt64(count)
        while address < end {
            let page = address & ~(Self.pageSize - 1)
            guard let content = pages[page] else { throw PhysicalMemoryError.notPresent(address) }
            let chunkEnd = min(end, page + Self.pageSize)
            out += content[Int(address - page)..<Int(chunkEnd - page)]
            address = chunkEnd
        }
        return out
    }
}

func zeroPage() -> [UInt8] { [UInt8](repeating: 0, count: 4096) }

/// A page whose bytes spell `tag` and its page address over and over, so
/// that every page of a test is recognisable.
func taggedPage(_ tag: UInt8, _ page: UInt64) -> [UInt8] {
    var bytes: [UInt8] = []
    while bytes.count < 4096 {
        bytes.append(tag)
        LittleEndianBytes.append(page, to: &bytes)
        bytes += [0xa5, 0x5a, 0xc3, 0x3c, 0x0f, 0xf0, 0x99]
    }
    return bytes
}

/// One encoded ELF note: header, name + NUL, descriptor, each padded to 4.
func encodedNote(name: String, type: UInt32, descriptor: [UInt8]) -> [UInt8] {
    let nameBytes = Array(name.utf8) + [0]
    var out: [UInt8] = []
    LittleEndianBytes.append(UInt32(nameBytes.count), to: &out)
    LittleEndianBytes.append(UInt32(descriptor.count), to: &out)
    LittleEndianBytes.append(type, to: &out)
    out += nameBytes + [UInt8](repeating: 0, count: (4 - nameBytes.count % 4) % 4)
    out += descriptor + [UInt8](repeating: 0, count: (4 - descriptor.count % 4) % 4)
    return out
}

/// Builds a kexec indirection list exactly as kernel/kexec_core.c's
/// `kimage_add_entry` / `kimage_terminate` do, taking indirection pages
/// from `indirectionPages` and writing them into `memory`.
struct KexecListBuilder {
    var head: UInt64 = 0
    /// Physical address of the slot `image->entry` points at; nil = `&image->head`.
    private var entry: UInt64? = nil
    private var lastEntry: UInt64? = nil
    private var nextIndirectionPage: UInt64

    init(firstIndirectionPage: UInt64) {
        nextIndirectionPage = firstIndirectionPage
    }

    private func load(_ slot: UInt64?, _ memory: FakePhysicalMemory) -> UInt64 {
        guard let slot else { return head }
        return (try? memory.readUInt64LE(at: slot)) ?? 0
    }

    private mutating func storeEntry(_ value: UInt64, at slot: UInt64?, _ memory: inout FakePhysicalMemory) {
        if let slot { memory.storeUInt64(value, at: slot) } else { head = value }
    }

    mutating func add(_ value: UInt64, memory: inout FakePhysicalMemory) {
        if load(entry, memory) != 0 { entry = entry.map { $0 + 8 } }
        if entry == lastEntry {
            let page = nextIndirectionPage
            nextIndirectionPage += 4096
            memory.addPages(from: page, to: page + 4096)
            storeEntry(page | KexecIndirectionList.indirectionFlag, at: entry, &memory)
            entry = page
            lastEntry = page + 4096 - 8
        }
        storeEntry(value, at: entry, &memory)
        entry = entry.map { $0 + 8 }
        storeEntry(0, at: entry, &memory)
    }

    mutating func terminate(memory: inout FakePhysicalMemory) {
        if load(entry, memory) != 0 { entry = entry.map { $0 + 8 } }
        storeEntry(KexecIndirectionList.doneFlag, at: entry, &memory)
    }

    /// One segment: a destination entry, then one source entry per page.
    mutating func addSegment(destination: UInt64, sources: [UInt64], memory: inout FakePhysicalMemory) {
        add(destination | KexecIndirectionList.destinationFlag, memory: &memory)
        for source in sources { add(source | KexecIndirectionList.sourceFlag, memory: &memory) }
    }
}

/// What arch/x86/kernel/relocate_kernel_64.S `swap_pages` does to memory:
/// for every (destination, source) pair, exchange the two pages.
func simulateSwapPages(_ pairs: [KexecPagePair], in memory: inout FakePhysicalMemory) {
    for pair in pairs where pair.destination != pair.source {
        let destination = memory.pages[pair.destination]
        memory.pages[pair.destination] = memory.pages[pair.source]
        memory.pages[pair.source] = destination
    }
}

extension Array where Element == UInt8 {
    /// Overwrites bytes at `offset` with `value`, little-endian (test patching).
    mutating func poke<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        for index in 0..<(T.bitWidth / 8) {
            self[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index))
        }
    }
}
