/// The header's byte layout (format 1.x, little-endian):
/// ```
/// 0    8  magic "KJUMPIMG"
/// 8    2  major version            (fixed place in every version)
/// 10   2  minor version            (fixed place in every version)
/// 12   4  header length L in bytes (fixed part + records), ≤ 1 MiB
/// 16   8  XXH3-64 of the L header bytes with this field zeroed
/// 24   4  records offset (128 in 1.0; a minor version may grow the fixed part)
/// 28   4  record count
/// 32  16  image ID
/// 48   2  kind               1 hibernation, 2 crash
/// 50   2  compression        0 none, 1 lz4, 2 zstd
/// 52   4  compression level  (i32, 0 = codec default)
/// 56   4  page size
/// 60   4  frame input bytes  (most page bytes per frame)
/// 64   8  created at         (i64 unix seconds)
/// 72   8  re-entry point
/// 80  16  XXH3-128 of VMCOREINFO (canonical, big-endian)
/// 96   8  XXH3-64 of the firmware memory map (E820.encode form)
/// 104 24  reserved, zero
/// 128  …  records: u16 tag, u16 flags (0), u32 length, payload, zero padding to 8 bytes
/// ```
/// Record tags: 1 OSRELEASE (UTF-8), 2 R ranges (u64 start, u64 end each),
/// 3 firmware memory map (20-byte e820 entries), 4 resume command line
/// (UTF-8), 5 note ("key=value", UTF-8; one record per note), 6 sealing
/// (`ImageSealingRecord`; format 2 only, where it is required). Tags 1–4
/// and 6 appear at most once; a missing one means empty. Unknown tags are
/// skipped.
extension ImageHeader {
    /// Bytes of the fixed part in format 1.0.
    static let fixedLength = 128
    static let checksumOffset = 16

    enum RecordTag: UInt16 {
        case osRelease = 1, hibernationRegion = 2, firmwareMemoryMap = 3, resumeCommandLine = 4, note = 5, sealing = 6
    }

    /// The encoded header: `L` bytes (not padded), checksum filled in.
    public func encoded() throws(ImageWriterError) -> [UInt8] {
        try validateForWriting()
        var out = ImageByteWriter(capacity: 1024)
        out.put(ImageFormat.headerMagic)
        out.put(versionForWriting.major)
        out.put(versionForWriting.minor)
        out.put(UInt32(0))                       // length, set below
        out.put(UInt64(0))                       // checksum, set below
        out.put(UInt32(Self.fixedLength))
        out.put(UInt32(0))                       // record count, set below
        out.put(imageID.bytes)
        out.put(kind.rawValue)
        out.put(compression.rawValue)
        out.put(compressionLevel)
        out.put(UInt32(pageSize))
        out.put(UInt32(frameInputBytes))
        out.put(createdAt)
        out.put(reentryPoint)
        out.put(systemKernel.vmcoreinfoXXH3.bytes)
        out.put(firmwareMemoryMapChecksum)
        out.zeros(Self.fixedLength - out.count)

        var records: UInt32 = 0
        func record(_ tag: RecordTag, _ payload: [UInt8]) {
            out.put(tag.rawValue)
            out.put(UInt16(0))
            out.put(UInt32(payload.count))
            out.put(payload)
            out.pad(toMultipleOf: 8)
            records += 1
        }
        record(.osRelease, Array(systemKernel.osRelease.utf8))
        var region = ImageByteWriter(capacity: hibernationRegion.ranges.count * 16)
        for range in hibernationRegion.ranges {
            region.put(range.start)
            region.put(range.end)
        }
        record(.hibernationRegion, region.bytes)
        record(.firmwareMemoryMap, E820.encode(firmwareMemoryMap))
        record(.resumeCommandLine, Array(resumeCommandLine.utf8))
        for note in notes { record(.note, Array(note.description.utf8)) }
        if let sealing { record(.sealing, sealing.encoded()) }

        guard out.count <= ImageFormat.maximumHeaderLength else {
            throw .invalidHeader("it would take \(out.count) bytes, more than the \(ImageFormat.maximumHeaderLength) a header may have")
        }
        out.set(UInt32(out.count), at: 12)
        out.set(records, at: 28)
        let checksum = ImageChecksum.xxh3(out.bytes)
        out.set(checksum, at: Self.checksumOffset)
        return out.bytes
    }

    private func validateForWriting() throws(ImageWriterError) {
        guard pageSize >= 4096, pageSize <= 1 << 20, pageSize & (pageSize - 1) == 0 else {
            throw .invalidHeader("the page size \(pageSize) is not a power of two between 4096 and 1 MiB")
        }
        guard frameInputBytes >= pageSize, frameInputBytes <= ImageFormat.maximumFrameInputBytes,
              frameInputBytes % pageSize == 0 else {
            throw .invalidHeader("the frame input size \(frameInputBytes) is not a multiple of the page size between \(pageSize) and \(ImageFormat.maximumFrameInputBytes) bytes")
        }
        for note in notes where note.key.isEmpty || note.key.contains("=") {
            throw .invalidHeader("the note key \"\(note.key)\" is empty or contains \"=\"")
        }
    }

    /// Checks the magic and version in the first block of an image and
    /// returns the header length it records. Needs at least the fixed part.
    static func headerLength(inFirstBlock block: [UInt8]) throws(ImageError) -> Int {
        if block.count >= 8, Array(block[0..<8]) != ImageFormat.headerMagic {
            throw block.allSatisfy({ $0 == 0 }) ? .empty : .foreign(magic: Array(block[0..<8]))
        }
        guard block.count >= fixedLength else {
            throw .headerCorrupt(offset: 0, reason: "only \(block.count) bytes were given, fewer than the \(fixedLength) of the fixed part")
        }
        let version = ImageFormatVersion(major: block.imageLoad(UInt16.self, at: 8),
                                         minor: block.imageLoad(UInt16.self, at: 10))
        guard version.major == ImageFormat.currentVersion.major || version.major == ImageFormat.sealedVersion.major else {
            throw .unsupportedVersion(found: version, supported: ImageFormat.sealedVersion)
        }
        let length = Int(block.imageLoad(UInt32.self, at: 12))
        guard length >= fixedLength, length <= ImageFormat.maximumHeaderLength else {
            throw .headerCorrupt(offset: 12, reason: "the header length \(length) is not between \(fixedLength) and \(ImageFormat.maximumHeaderLength) bytes")
        }
        return length
    }

    /// The checksum a header records, from its first block.
    static func recordedChecksum(_ bytes: [UInt8]) -> UInt64 {
        bytes.imageLoad(UInt64.self, at: checksumOffset)
    }

    /// Decodes a complete header of `L` bytes (as `headerLength` returned),
    /// checking its checksum first.
    init(decoding bytes: [UInt8]) throws(ImageError) {
        let length = try Self.headerLength(inFirstBlock: bytes)
        guard bytes.count == length else {
            throw .headerCorrupt(offset: 12, reason: "the header length is \(length) bytes but \(bytes.count) were given")
        }
        let recorded = Self.recordedChecksum(bytes)
        var zeroed = bytes
        zeroed.imageStore(UInt64(0), at: Self.checksumOffset)
        let computed = ImageChecksum.xxh3(zeroed)
        guard recorded == computed else { throw .headerChecksumMismatch(recorded: recorded, computed: computed) }

        let version = ImageFormatVersion(major: bytes.imageLoad(UInt16.self, at: 8), minor: bytes.imageLoad(UInt16.self, at: 10))
        let recordsOffset = Int(bytes.imageLoad(UInt32.self, at: 24))
        let recordCount = Int(bytes.imageLoad(UInt32.self, at: 28))
        guard recordsOffset >= Self.fixedLength, recordsOffset <= length, recordsOffset % 8 == 0 else {
            throw .headerCorrupt(offset: 24, reason: "the records offset \(recordsOffset) is not an 8-byte multiple between \(Self.fixedLength) and the header length \(length)")
        }
        guard let kind = ImageKind(rawValue: bytes.imageLoad(UInt16.self, at: 48)) else {
            throw .headerCorrupt(offset: 48, reason: "the image kind \(bytes.imageLoad(UInt16.self, at: 48)) is unknown (1 hibernation, 2 crash)")
        }
        guard let compression = ImageCompression(rawValue: bytes.imageLoad(UInt16.self, at: 50)) else {
            throw .headerCorrupt(offset: 50, reason: "the compression \(bytes.imageLoad(UInt16.self, at: 50)) is unknown (0 none, 1 lz4, 2 zstd)")
        }
        let pageSize = Int(bytes.imageLoad(UInt32.self, at: 56))
        guard pageSize >= 4096, pageSize <= 1 << 20, pageSize & (pageSize - 1) == 0 else {
            throw .headerCorrupt(offset: 56, reason: "the page size \(pageSize) is not a power of two between 4096 and 1 MiB")
        }
        let frameInputBytes = Int(bytes.imageLoad(UInt32.self, at: 60))
        guard frameInputBytes >= pageSize, frameInputBytes <= ImageFormat.maximumFrameInputBytes, frameInputBytes % pageSize == 0 else {
            throw .headerCorrupt(offset: 60, reason: "the frame input size \(frameInputBytes) is not a multiple of the page size up to \(ImageFormat.maximumFrameInputBytes) bytes")
        }

        var osRelease = "", resumeCommandLine = ""
        var ranges: [PhysicalRange] = []
        var map: [E820Entry] = []
        var notes: [ImageNote] = []
        var sealing: ImageSealingRecord?
        var seen: Set<UInt16> = []
        var position = recordsOffset
        for _ in 0..<recordCount {
            guard position + 8 <= length else {
                throw .headerCorrupt(offset: UInt64(position), reason: "a record header runs past the end of the header (\(length) bytes)")
            }
            let rawTag = bytes.imageLoad(UInt16.self, at: position)
            let payloadLength = Int(bytes.imageLoad(UInt32.self, at: position + 4))
            let payloadStart = position + 8
            guard payloadLength <= length - payloadStart else {
                throw .headerCorrupt(offset: UInt64(position), reason: "record \(rawTag) of \(payloadLength) bytes runs past the end of the header (\(length) bytes)")
            }
            let payload = bytes[payloadStart..<payloadStart + payloadLength]
            let recordOffset = UInt64(position)
            position = payloadStart + (payloadLength + 7) / 8 * 8
            guard let tag = RecordTag(rawValue: rawTag) else { continue }   // newer minor version: ignore
            if tag != .note {
                guard seen.insert(rawTag).inserted else {
                    throw .headerCorrupt(offset: recordOffset, reason: "record \(rawTag) appears twice")
                }
            }
            func text() throws(ImageError) -> String {
                let string = String(decoding: payload, as: UTF8.self)
                guard string.utf8.elementsEqual(payload) else {
                    throw .headerCorrupt(offset: recordOffset, reason: "record \(rawTag) is not valid UTF-8")
                }
                return string
            }
            switch tag {
            case .osRelease:
                osRelease = try text()
            case .resumeCommandLine:
                resumeCommandLine = try text()
            case .hibernationRegion:
                guard payloadLength % 16 == 0 else {
                    throw .headerCorrupt(offset: recordOffset, reason: "the R ranges record has \(payloadLength) bytes, not a multiple of 16")
                }
                let raw = Array(payload)
                for index in 0..<payloadLength / 16 {
                    let start = raw.imageLoad(UInt64.self, at: index * 16)
                    let end = raw.imageLoad(UInt64.self, at: index * 16 + 8)
                    guard start <= end else {
                        throw .headerCorrupt(offset: recordOffset, reason: "R range \(index) ends (\(HexText.number(end))) before it starts (\(HexText.number(start)))")
                    }
                    ranges.append(PhysicalRange(start: start, end: end))
                }
            case .firmwareMemoryMap:
                guard payloadLength % E820.entrySize == 0 else {
                    throw .headerCorrupt(offset: recordOffset, reason: "the firmware memory map record has \(payloadLength) bytes, not a multiple of \(E820.entrySize)")
                }
                map = E820.decode(payload, count: payloadLength / E820.entrySize)
            case .note:
                let line = try text()
                guard let equals = line.firstIndex(of: "="), equals != line.startIndex else {
                    throw .headerCorrupt(offset: recordOffset, reason: "the note \"\(line)\" is not key=value")
                }
                notes.append(ImageNote(key: String(line[..<equals]), value: String(line[line.index(after: equals)...])))
            case .sealing:
                do { sealing = try ImageSealingRecord(decoding: payload) } catch {
                    throw .headerCorrupt(offset: recordOffset, reason: error.description)
                }
            }
        }
        guard (version.major == ImageFormat.sealedVersion.major) == (sealing != nil) else {
            throw .headerCorrupt(offset: 8, reason: sealing == nil
                ? "a format \(version) image must be sealed but has no sealing record"
                : "a format \(version) image cannot be sealed but has a sealing record")
        }
        let recordedMapChecksum = bytes.imageLoad(UInt64.self, at: 96)
        guard recordedMapChecksum == Self.checksum(ofFirmwareMemoryMap: map) else {
            throw .headerCorrupt(offset: 96, reason: "the firmware memory map checksum \(HexText.number(recordedMapChecksum, digits: 16)) does not match the \(map.count) recorded entries")
        }

        self.init(imageID: ImageID(bytes: Array(bytes[32..<48])), kind: kind,
                  createdAt: bytes.imageLoad(Int64.self, at: 64),
                  pageSize: pageSize, compression: compression,
                  compressionLevel: bytes.imageLoad(Int32.self, at: 52),
                  frameInputBytes: frameInputBytes,
                  systemKernel: SystemKernelIdentity(osRelease: osRelease, vmcoreinfoXXH3: ImageHash128(bytes: Array(bytes[80..<96]))),
                  reentryPoint: bytes.imageLoad(UInt64.self, at: 72),
                  hibernationRegion: HibernationRegion(ranges: ranges), firmwareMemoryMap: map,
                  resumeCommandLine: resumeCommandLine, notes: notes, sealing: sealing)
        self.version = version
    }
}
