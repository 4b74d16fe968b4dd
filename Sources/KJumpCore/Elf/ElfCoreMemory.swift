/// Physical memory served from a normal ELF core file, such as
/// `/proc/vmcore` in the hibernation kernel: each `PT_LOAD` maps
/// `[p_paddr, p_paddr + p_memsz)` to the file bytes at `p_offset`
/// (`/proc/vmcore` rewrites the loader's physical offsets into file
/// offsets). Bytes past `p_filesz` read as zero.
///
/// Loads may overlap (the kernel-text `PT_LOAD` of kexec-tools repeats
/// memory another load covers); the load that starts first serves each byte.
public struct ElfCoreMemory: PhysicalMemory {
    /// One disjoint piece of physical memory and where its bytes are.
    struct Piece: Equatable {
        var start: UInt64
        var end: UInt64
        /// End of the part backed by file bytes; `[fileEnd, end)` reads as zero.
        var fileEnd: UInt64
        var fileOffset: UInt64
    }

    public let source: any ByteSource
    let pieces: [Piece]

    /// Serves the `PT_LOAD`s of `core`, which must have been parsed from
    /// `source` with `.fileOffset` offsets.
    public init(core: ElfCoreFile, source: any ByteSource) {
        self.source = source
        var pieces: [Piece] = []
        var coveredEnd: UInt64 = 0
        for load in core.loads.sorted(by: { $0.physicalAddress < $1.physicalAddress }) where load.memorySize > 0 {
            let (rawEnd, overflow) = load.physicalAddress.addingReportingOverflow(load.memorySize)
            let end = overflow ? UInt64.max : rawEnd
            let start = max(load.physicalAddress, coveredEnd)
            guard start < end else { continue }
            let skipped = start - load.physicalAddress
            let fileBytes = load.fileSize > skipped ? load.fileSize - skipped : 0
            pieces.append(Piece(start: start, end: end, fileEnd: start + min(fileBytes, end - start),
                                fileOffset: load.offset &+ skipped))
            coveredEnd = end
        }
        self.pieces = pieces
    }

    /// Parses `source` as a core file with file offsets and serves its loads.
    public init(source: any ByteSource) throws(ElfCoreError) {
        self.init(core: try ElfCoreFile(parsing: source), source: source)
    }

    /// The physical memory present, merged into maximal ranges, ascending.
    public var ranges: [PhysicalRange] {
        var merged: [PhysicalRange] = []
        for piece in pieces {
            if let last = merged.last, last.end == piece.start {
                merged[merged.count - 1] = PhysicalRange(start: last.start, end: piece.end)
            } else {
                merged.append(PhysicalRange(start: piece.start, end: piece.end))
            }
        }
        return merged
    }

    /// Reads `count` bytes at `physicalAddress`, across loads if needed;
    /// throws `PhysicalMemoryError.notPresent` with the first absent address.
    public func read(physicalAddress: UInt64, count: Int) throws -> [UInt8] {
        let end = try checkedEnd(of: physicalAddress, count: count)
        var out: [UInt8] = []
        out.reserveCapacity(count)
        var address = physicalAddress
        while address < end {
            guard let index = pieceIndex(containing: address) else {
                throw PhysicalMemoryError.notPresent(address)
            }
            let piece = pieces[index]
            let chunkEnd = min(end, piece.end)
            if address < piece.fileEnd {
                let fileChunkEnd = min(chunkEnd, piece.fileEnd)
                let wanted = Int(fileChunkEnd - address)
                let bytes = try source.read(at: piece.fileOffset + (address - piece.start), count: wanted)
                guard bytes.count == wanted else {
                    throw PhysicalMemoryError.shortRead(address: address, expected: wanted, got: bytes.count)
                }
                // The common case, one piece that covers the whole read: no copy.
                if out.isEmpty && fileChunkEnd == end { return bytes }
                out += bytes
                if fileChunkEnd < chunkEnd {
                    out += [UInt8](repeating: 0, count: Int(chunkEnd - fileChunkEnd))
                }
            } else {
                out += [UInt8](repeating: 0, count: Int(chunkEnd - address))
            }
            address = chunkEnd
        }
        return out
    }

    /// Passes the source's bytes straight to `body` when one load's file
    /// bytes hold the whole range (the common case); reads otherwise.
    public func withBytes<Result>(physicalAddress: UInt64, count: Int,
                                  _ body: (UnsafeRawBufferPointer) throws -> Result) throws -> Result {
        let end = try checkedEnd(of: physicalAddress, count: count)
        if let index = pieceIndex(containing: physicalAddress), end <= pieces[index].fileEnd {
            let piece = pieces[index]
            return try source.withBytes(at: piece.fileOffset + (physicalAddress - piece.start), count: count, body)
        }
        return try read(physicalAddress: physicalAddress, count: count).withUnsafeBytes(body)
    }

    /// The index of the piece holding `address`, by binary search.
    func pieceIndex(containing address: UInt64) -> Int? {
        guard let index = pieces.lastIndex(withKeyAtMost: address, key: \.start), address < pieces[index].end else { return nil }
        return index
    }
}
