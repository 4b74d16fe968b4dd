/// Everything of a kdump-compressed file that is known before the first
/// page is written, planned from one kjump image: the headers, the ELF
/// notes, both bitmaps and the offsets of the descriptor table and the
/// page data.
///
/// | field | from |
/// |---|---|
/// | `utsname.release` | `OSRELEASE` of VMCOREINFO, else the image's system-kernel release |
/// | `timestamp` | `CRASHTIME` of VMCOREINFO, else the image's creation time |
/// | `status` | the codec's flag; `incomplete` when the image is partial (its trailer counts missing pages) |
/// | `nr_cpus` | the `NT_PRSTATUS` notes (1 when there are none) |
/// | `phys_base` | `NUMBER(phys_base)` of VMCOREINFO (0 when missing) |
/// | `dump_level` | the image's `dump-level` note (0 when missing) |
/// | 1st bitmap | the image's pages and the usable RAM of its firmware memory map |
/// | 2nd bitmap | the image's pages, data and zero |
/// | `max_mapnr` | one past the highest page of either bitmap |
///
/// With `memoryEnd` (see `KdumpMemoryEnd`), page frames from there on are
/// left out of both bitmaps, as makedumpfile leaves them out.
public struct KdumpCompressedLayout: Sendable {
    public var header: KdumpCompressedHeader
    /// The note area after the sub-header: the image's ELF notes, then the VMCOREINFO note.
    public var notes: [UInt8]
    /// The first bitmap: pages that exist (RAM).
    public var ramBitmap: KdumpPageBitmap
    /// The second bitmap: pages the file holds, each with a descriptor.
    public var dumpBitmap: KdumpPageBitmap
    /// Pages the file holds (bits in the second bitmap, descriptors in the table).
    public let dumpedPages: UInt64
    /// Pages of the image at or above `memoryEnd`, left out.
    public let pagesBeyondMemoryEnd: UInt64

    /// The layout for the pages of an image (`extents`, as `ImageReader`
    /// lists them), without page frames from `memoryEnd` on.
    public init(image: ImageHeader, extents: [ImageExtent], compression: KdumpCompression,
                memoryEnd: UInt64? = nil, isPartial: Bool = false) throws(KdumpLayoutError) {
        let pageSize = UInt64(image.pageSize)
        let limit = memoryEnd ?? .max
        let clip = { (range: Range<UInt64>) -> Range<UInt64>? in
            let end = min(range.upperBound, limit)
            return range.lowerBound < end ? range.lowerBound..<end : nil
        }
        let imagePages = extents.map { $0.address / pageSize..<$0.address / pageSize + $0.pageCount }
        let dumped = imagePages.compactMap(clip)
        let ram = image.firmwareMemoryMap.filter { $0.type == .usable }.compactMap { entry -> Range<UInt64>? in
            let start = (entry.address + pageSize - 1) / pageSize, end = (entry.address + entry.size) / pageSize
            return start < end ? clip(start..<end) : nil
        }

        let vmcoreinfoText = image.note(ImageNote.vmcoreinfoKey).map { Array($0.utf8) }
        let vmcoreinfo = vmcoreinfoText.map { VmcoreInfo(text: String(decoding: $0, as: UTF8.self)) }
        let elfNotes: [ElfNote]
        do {
            elfNotes = try ElfNote.parseSegment(image.elfNoteBytes, at: 0)
        } catch {
            throw .unreadableElfNotes(reason: error.description)
        }

        // The note area: the ELF notes, then VMCOREINFO, as in /proc/vmcore's PT_NOTE.
        var notes: [UInt8] = []
        var vmcoreinfoPosition: (offset: Int, size: Int)?
        func appendNote(_ note: ElfNote) {
            let encoded = ElfNoteEncoding.encode(name: note.name, type: note.type, descriptor: note.descriptor)
            if note.name == VmcoreInfo.noteName {
                vmcoreinfoPosition = (notes.count + encoded.count - note.descriptor.count.roundedUp(to: 4), note.descriptor.count)
            }
            notes += encoded
        }
        for note in elfNotes where !(vmcoreinfoText != nil && note.name == VmcoreInfo.noteName) { appendNote(note) }
        if let vmcoreinfoText { appendNote(ElfNote(name: VmcoreInfo.noteName, type: 0, descriptor: vmcoreinfoText, offset: 0)) }
        let prstatusCount = elfNotes.count { $0.name == "CORE" && $0.type == ElfNote.typePRStatus }

        let dumpBitmap = KdumpPageBitmap(ranges: dumped)
        let ramBitmap = KdumpPageBitmap(ranges: dumped + ram)
        let maxMapnr = ramBitmap.endPFN
        let bitmapBlocks = 2 * Int((maxMapnr + 8 * pageSize - 1) / (8 * pageSize))
        let notesOffset = pageSize + UInt64(KdumpCompressedFormat.subHeaderSize)
        let subHeaderBlocks = Int((UInt64(KdumpCompressedFormat.subHeaderSize + notes.count) + pageSize - 1) / pageSize)
        let dumpLevel = image.note("dump-level").flatMap { Int32($0) }.map { min(max($0, 0), 31) } ?? 0

        header = KdumpCompressedHeader(
            utsname: KdumpUtsname(release: vmcoreinfo?.osRelease ?? image.systemKernel.osRelease),
            timestampSeconds: vmcoreinfo?.crashTime ?? image.createdAt,
            status: compression.flag.union(isPartial ? .incomplete : []),
            blockSize: image.pageSize, subHeaderBlocks: subHeaderBlocks, bitmapBlocks: bitmapBlocks, maxMapnr: maxMapnr,
            cpuCount: Int32(max(prstatusCount, 1)),
            physBase: vmcoreinfo?.physBase ?? 0, dumpLevel: dumpLevel,
            vmcoreinfoOffset: vmcoreinfoPosition.map { notesOffset + UInt64($0.offset) } ?? 0,
            vmcoreinfoSize: vmcoreinfoPosition.map { UInt64($0.size) } ?? 0,
            notesOffset: notes.isEmpty ? 0 : notesOffset, notesSize: UInt64(notes.count))
        self.notes = notes
        self.ramBitmap = ramBitmap
        self.dumpBitmap = dumpBitmap
        dumpedPages = dumpBitmap.pageCount
        pagesBeyondMemoryEnd = imagePages.reduce(0) { $0 + UInt64($1.count) } - dumpedPages
    }

    /// The part of a run of `pageCount` pages at `address` below `max_mapnr`: how many of its pages the file holds.
    public func pagesKept(address: UInt64, pageCount: UInt64) -> UInt64 {
        let pfn = address / UInt64(header.blockSize)
        return pfn >= header.maxMapnr ? 0 : min(pageCount, header.maxMapnr - pfn)
    }

    /// Where the first page descriptor is.
    public var descriptorsOffset: UInt64 { header.descriptorsOffset }
    /// Where the one shared zero page is stored (raw): right after the descriptors.
    public var zeroPageOffset: UInt64 { descriptorsOffset + dumpedPages * UInt64(KdumpCompressedFormat.pageDescriptorSize) }
    /// Where the data of the other pages starts.
    public var pageDataOffset: UInt64 { zeroPageOffset + UInt64(header.blockSize) }

    /// Bytes `[0, header.bitmapOffset)`: block 0, then the sub-header and
    /// the note area, zero-padded to whole blocks.
    public func headerArea() -> [UInt8] {
        var bytes = header.encodedHeaderBlock() + header.encodedSubHeader() + notes
        bytes += [UInt8](repeating: 0, count: Int(header.bitmapOffset) - bytes.count)
        return bytes
    }

    /// Bytes `[offset, offset + count)` of the bitmap area (first bitmap,
    /// then second; `offset` counts from `header.bitmapOffset`).
    public func bitmapArea(fromByte offset: UInt64, count: Int) -> [UInt8] {
        let half = header.bitmapBytes
        precondition(offset + UInt64(count) <= 2 * half, "a window past the end of the bitmaps")
        if offset >= half { return dumpBitmap.encoded(fromByte: offset - half, count: count) }
        let first = Int(min(UInt64(count), half - offset))
        return ramBitmap.encoded(fromByte: offset, count: first) + dumpBitmap.encoded(fromByte: 0, count: count - first)
    }
}

/// Why an image cannot be laid out as a kdump-compressed file.
public enum KdumpLayoutError: Error, Equatable, CustomStringConvertible {
    /// The image's `elf-notes` note does not hold well-formed ELF notes.
    case unreadableElfNotes(reason: String)

    public var description: String {
        switch self {
        case .unreadableElfNotes(let reason):
            "the image's ELF notes (the \"\(ImageNote.elfNotesKey)\" note) cannot be read: \(reason)"
        }
    }
}
