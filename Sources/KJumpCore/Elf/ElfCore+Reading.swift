extension ElfCoreFile {
    /// What `p_offset` means in the bytes being parsed.
    public enum OffsetMeaning: Sendable, Equatable {
        /// A byte offset into the same source: `/proc/vmcore` (which rewrites
        /// the loader's offsets into file offsets), kdump ELF files.
        case fileOffset
        /// The physical address of the data: the ELF core header a kexec
        /// loader passes with `elfcorehdr=`. Segment data is not bounds-checked
        /// against the source and notes are not read (they live in memory;
        /// see `ElfNote.parseSegment(_:at:inPhysicalMemory:)`).
        case physicalAddress
    }

    /// The largest `PT_NOTE` segment read in one piece (the kernel's notes
    /// are a few KiB per CPU).
    public static let noteSegmentLimit: UInt64 = 16 << 20

    /// Parses an ELF64 little-endian x86-64 `ET_CORE` file: the header, every
    /// program header and, for `.fileOffset`, the notes of every `PT_NOTE`
    /// segment. An empty `PT_NOTE` is allowed.
    public init(parsing source: some ByteSource, offsets: OffsetMeaning = .fileOffset) throws(ElfCoreError) {
        let fileSize = source.size
        let raw = try Self.read(source, at: 0, count: ElfFileHeader.size, what: "ELF header")
        let magic = Array(raw[0..<4])
        guard magic == [0x7f, 0x45, 0x4c, 0x46] else { throw .badMagic(magic) }
        guard raw[4] == 2 else { throw .wrongClass(raw[4]) }
        guard raw[5] == 1 else { throw .wrongByteOrder(raw[5]) }
        guard raw[6] == 1 else { throw .wrongVersion(UInt32(raw[6]), offset: 6) }
        let type = LittleEndianBytes.load(UInt16.self, from: raw, at: 16)
        guard type == ElfFileHeader.typeCore else { throw .notCore(type) }
        let machine = LittleEndianBytes.load(UInt16.self, from: raw, at: 18)
        guard machine == ElfFileHeader.machineX86_64 else { throw .wrongMachine(machine) }
        let version = LittleEndianBytes.load(UInt32.self, from: raw, at: 20)
        guard version == ElfFileHeader.currentVersion else { throw .wrongVersion(version, offset: 20) }
        let programHeaderOffset = LittleEndianBytes.load(UInt64.self, from: raw, at: 32)
        let sectionHeaderOffset = LittleEndianBytes.load(UInt64.self, from: raw, at: 40)
        let entrySize = LittleEndianBytes.load(UInt16.self, from: raw, at: 54)
        let rawCount = LittleEndianBytes.load(UInt16.self, from: raw, at: 56)
        guard entrySize == UInt16(ElfProgramHeader.size) || (rawCount == 0 && entrySize == 0) else {
            throw .wrongProgramHeaderSize(entrySize)
        }

        var count = Int(rawCount)
        if rawCount == ElfFileHeader.extendedNumbering {
            // PN_XNUM: the real count is sh_info of section header 0.
            let section = try Self.read(source, at: sectionHeaderOffset, count: 64, what: "section header 0")
            count = Int(LittleEndianBytes.load(UInt32.self, from: section, at: 44))
        }

        let tableBytes = UInt64(count) * UInt64(ElfProgramHeader.size)
        let (tableEnd, overflow) = programHeaderOffset.addingReportingOverflow(tableBytes)
        guard !overflow, tableEnd <= fileSize else {
            throw .programHeadersOutOfBounds(offset: programHeaderOffset, count: count, fileSize: fileSize)
        }
        let table = try Self.read(source, at: programHeaderOffset, count: Int(tableBytes), what: "program header table")

        var programHeaders: [ElfProgramHeader] = []
        programHeaders.reserveCapacity(count)
        for index in 0..<count {
            let base = index * ElfProgramHeader.size
            let header = ElfProgramHeader(
                type: LittleEndianBytes.load(UInt32.self, from: table, at: base),
                flags: LittleEndianBytes.load(UInt32.self, from: table, at: base + 4),
                offset: LittleEndianBytes.load(UInt64.self, from: table, at: base + 8),
                virtualAddress: LittleEndianBytes.load(UInt64.self, from: table, at: base + 16),
                physicalAddress: LittleEndianBytes.load(UInt64.self, from: table, at: base + 24),
                fileSize: LittleEndianBytes.load(UInt64.self, from: table, at: base + 32),
                memorySize: LittleEndianBytes.load(UInt64.self, from: table, at: base + 40),
                align: LittleEndianBytes.load(UInt64.self, from: table, at: base + 48))
            let headerOffset = programHeaderOffset + UInt64(base)
            guard header.fileSize <= header.memorySize else {
                throw .fileSizeExceedsMemorySize(index: index, headerOffset: headerOffset,
                                                 fileSize: header.fileSize, memorySize: header.memorySize)
            }
            if offsets == .fileOffset, header.fileSize > 0 {
                let (end, overflow) = header.offset.addingReportingOverflow(header.fileSize)
                guard !overflow, end <= fileSize else {
                    throw .segmentOutOfBounds(index: index, headerOffset: headerOffset,
                                              dataEnd: overflow ? nil : end, fileSize: fileSize)
                }
            }
            programHeaders.append(header)
        }

        var notes: [ElfNote] = []
        if offsets == .fileOffset {
            for (index, header) in programHeaders.enumerated() where header.type == ElfProgramHeader.note && header.fileSize > 0 {
                guard header.fileSize <= Self.noteSegmentLimit else {
                    throw .noteSegmentTooLarge(index: index,
                                               headerOffset: programHeaderOffset + UInt64(index * ElfProgramHeader.size),
                                               size: header.fileSize, limit: Self.noteSegmentLimit)
                }
                let bytes = try Self.read(source, at: header.offset, count: Int(header.fileSize), what: "note segment")
                notes += try ElfNote.parseSegment(bytes, at: header.offset)
            }
        }

        self.init(
            header: ElfFileHeader(osABI: raw[7], type: type, machine: machine, version: version,
                                  entry: LittleEndianBytes.load(UInt64.self, from: raw, at: 24),
                                  programHeaderOffset: programHeaderOffset, sectionHeaderOffset: sectionHeaderOffset,
                                  flags: LittleEndianBytes.load(UInt32.self, from: raw, at: 48),
                                  programHeaderCount: count),
            programHeaders: programHeaders, notes: notes)
    }

    /// `count` bytes at `offset`, or the error that names `what` was cut off.
    private static func read(_ source: some ByteSource, at offset: UInt64, count: Int,
                             what: String) throws(ElfCoreError) -> [UInt8] {
        let (end, overflow) = offset.addingReportingOverflow(UInt64(count))
        guard !overflow, end <= source.size else {
            throw .truncated(what: what, offset: offset, needed: UInt64(count), fileSize: source.size)
        }
        let bytes: [UInt8]
        do {
            bytes = try source.read(at: offset, count: count)
        } catch {
            throw .readFailed(offset: offset, count: count, reason: String(describing: error))
        }
        guard bytes.count == count else {
            throw .readFailed(offset: offset, count: count, reason: "the source returned only \(bytes.count) bytes")
        }
        return bytes
    }
}

extension ElfNote {
    /// Parses the notes packed in one `PT_NOTE` segment. Each note is a
    /// 12-byte header, the name and the descriptor, each padded to 4 bytes.
    /// As in the kernel's `fs/proc/vmcore.c`, a header with `n_namesz == 0`
    /// ends the list (the kernel closes its note buffers with an all-zero
    /// header); fewer than 12 trailing bytes must be zero padding.
    ///
    /// `base` is the file offset (or, with `inPhysicalMemory`, the physical
    /// address) of `bytes[0]`; it becomes each note's `offset` and locates errors.
    public static func parseSegment(_ bytes: [UInt8], at base: UInt64,
                                    inPhysicalMemory: Bool = false) throws(ElfCoreError) -> [ElfNote] {
        func location(_ position: Int) -> String {
            inPhysicalMemory ? "physical address " + HexText.number(base &+ UInt64(position))
                             : "byte \(base &+ UInt64(position))"
        }
        var notes: [ElfNote] = []
        var position = 0
        while position < bytes.count {
            let remaining = bytes.count - position
            guard remaining >= headerSize else {
                if bytes[position...].allSatisfy({ $0 == 0 }) { break }
                throw .badNote(location: location(position),
                               reason: "has only \(remaining) bytes left in its segment, too few for a 12-byte note header")
            }
            let nameSize = Int(LittleEndianBytes.load(UInt32.self, from: bytes, at: position))
            let descriptorSize = Int(LittleEndianBytes.load(UInt32.self, from: bytes, at: position + 4))
            let type = LittleEndianBytes.load(UInt32.self, from: bytes, at: position + 8)
            if nameSize == 0 { break }
            let nameStart = position + headerSize
            let descriptorStart = nameStart + paddedTo4(nameSize)
            let descriptorEnd = descriptorStart + descriptorSize
            guard descriptorEnd <= bytes.count else {
                throw .badNote(location: location(position),
                               reason: "says its name (\(nameSize) bytes) and descriptor (\(descriptorSize) bytes) end at \(location(descriptorEnd)), past the end of its segment at \(location(bytes.count))")
            }
            var nameBytes = bytes[nameStart..<nameStart + nameSize]
            while nameBytes.last == 0 { nameBytes = nameBytes.dropLast() }
            notes.append(ElfNote(name: String(decoding: nameBytes, as: UTF8.self), type: type,
                                 descriptor: Array(bytes[descriptorStart..<descriptorEnd]),
                                 offset: base &+ UInt64(position)))
            position = min(descriptorStart + paddedTo4(descriptorSize), bytes.count)
        }
        return notes
    }

    private static func paddedTo4(_ value: Int) -> Int { (value + 3) & ~3 }
}
