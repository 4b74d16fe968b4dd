import Testing
@testable import KJumpCore

/// Every damaged, foreign, stale or unfinished image is refused with an
/// `ImageError` whose sentence names where the problem is.
@Suite struct ImageCorruptionTests {
    static let image: [UInt8] = try! ImageTesting.write(ImageTesting.standardRuns(), header: ImageTesting.header(frameInputBytes: 64 * 4096))

    private func flipping(_ offset: Int, in image: [UInt8] = Self.image) -> [UInt8] {
        var copy = image
        copy[offset] ^= 0x40
        return copy
    }

    private var reader: ImageReader { try! ImageTesting.open(Self.image) }

    @Test func theTestImageIsSound() throws {
        try reader.verify()
        #expect(reader.frames.count == 6)
    }

    // MARK: foreign, empty, versions

    @Test func foreignAndEmptyFilesAreNamedAsSuch() {
        var elf = [UInt8](repeating: 0, count: 8192)
        elf.replaceSubrange(0..<4, with: [0x7f, 0x45, 0x4c, 0x46])
        let foreign = ImageTesting.imageError { _ = try ImageTesting.open(elf) }
        #expect(foreign == .foreign(magic: [0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 0]))
        #expect(foreign?.description == "not a kjump image: it starts with 7f 45 4c 46 00 00 00 00 instead of \"KJUMPIMG\"")
        #expect(ImageTesting.imageError { _ = try ImageTesting.open([UInt8](repeating: 0, count: 1 << 20)) } == .empty)
        #expect(ImageTesting.imageError { _ = try ImageTesting.open([]) } == .empty)
        #expect(ImageTesting.imageError { _ = try ImageTesting.open(Array("hello".utf8)) } == .foreign(magic: Array("hello".utf8)))
    }

    @Test func aNewerMajorVersionIsRefusedBeforeAnythingElseIsTrusted() throws {
        var newer = Self.image
        newer.imageStore(UInt16(3), at: 8)   // checksum now wrong too: the version is checked first
        let error = ImageTesting.imageError { _ = try ImageTesting.open(newer) }
        let minor = ImageFormat.currentVersion.minor
        #expect(error == .unsupportedVersion(found: ImageFormatVersion(major: 3, minor: minor), supported: ImageFormat.sealedVersion))
        #expect(error?.description == "the image has format version 3.\(minor), newer than this kjump reads (major version 2); use a newer kjump")
        var zero = Self.image
        zero.imageStore(UInt16(0), at: 8)
        #expect(ImageTesting.imageError { _ = try ImageTesting.open(zero) } == .unsupportedVersion(found: ImageFormatVersion(major: 0, minor: minor), supported: ImageFormat.sealedVersion))
    }

    @Test func aNewerMinorVersionWithUnknownRecordsAndFieldsIsRead() throws {
        let newer = try ImageTesting.editHeader(Self.image) { header in
            header.imageStore(UInt16(7), at: 10)                                   // minor 7
            header.imageStore(UInt32(header.imageLoad(UInt32.self, at: 28) + 1), at: 28)
            header += [0x99, 0x00, 0, 0, 5, 0, 0, 0] + Array("later".utf8) + [0, 0, 0]   // record tag 0x99, padded
            header.imageStore(UInt64(0xdead_beef), at: 104)                         // a reserved field given a meaning
        }
        let reader = try ImageTesting.open(newer)
        #expect(reader.header.version == ImageFormatVersion(major: 1, minor: 7))
        var expected = ImageTesting.header(frameInputBytes: 64 * 4096)
        expected.version = ImageFormatVersion(major: 1, minor: 7)
        #expect(reader.header == expected)
        try reader.verify()
        try reader.checkResumable()
    }

    // MARK: header

    @Test func aCorruptHeaderFailsItsChecksum() {
        let osReleaseByte = 128 + 8   // first payload byte of the first record
        let error = ImageTesting.imageError { _ = try ImageTesting.open(flipping(osReleaseByte)) }
        guard case .headerChecksumMismatch = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(error!.description.hasPrefix("the image header at byte 0 is corrupt: its checksum is 0x"))
        guard case .headerChecksumMismatch = ImageTesting.imageError({ _ = try ImageTesting.open(flipping(16)) }) else {
            Issue.record("a damaged checksum field must fail"); return
        }
    }

    @Test func headerFieldsOutOfRangeAreNamedWithTheirOffset() throws {
        let badKind = try ImageTesting.editHeader(Self.image) { $0.imageStore(UInt16(9), at: 48) }
        let error = ImageTesting.imageError { _ = try ImageTesting.open(badKind) }
        #expect(error == .headerCorrupt(offset: 48, reason: "the image kind 9 is unknown (1 hibernation, 2 crash)"))
        #expect(error?.description == "the image header is corrupt at byte 0x30: the image kind 9 is unknown (1 hibernation, 2 crash)")
        let badMap = try ImageTesting.editHeader(Self.image) { $0.imageStore(UInt64(1), at: 96) }
        guard case .headerCorrupt(96, _) = ImageTesting.imageError({ _ = try ImageTesting.open(badMap) }) else {
            Issue.record("a wrong firmware memory map checksum must be named"); return
        }
        let overlong = try ImageTesting.editHeader(Self.image) { $0.imageStore(UInt32(4000), at: 128 + 4) }
        guard case .headerCorrupt(128, _) = ImageTesting.imageError({ _ = try ImageTesting.open(overlong) }) else {
            Issue.record("a record running past the header must be named"); return
        }
    }

    // MARK: state

    @Test func aCorruptStateBlockIsNamed() {
        let error = ImageTesting.imageError { _ = try ImageTesting.open(flipping(4096 + 60)) }
        guard case .stateCorrupt(4096, let reason) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(reason.hasPrefix("its checksum is"))
        #expect(error!.description.hasPrefix("the image state block at byte 0x1000 is corrupt"))
        #expect(ImageTesting.imageError { _ = try ImageTesting.open(flipping(4096)) } == .stateCorrupt(offset: 4096, reason: "it does not start with \"KJUMPSTA\""))
    }

    @Test func aStateBlockOfAnotherImageIsStale() throws {
        let other = try ImageTesting.write(ImageTesting.standardRuns(), header: ImageTesting.header(seed: 2, frameInputBytes: 64 * 4096))
        var spliced = Self.image
        spliced.replaceSubrange(4096..<8192, with: other[4096..<8192])
        let error = ImageTesting.imageError { _ = try ImageTesting.open(spliced) }
        #expect(error == .stale(what: "state block", offset: 4096, found: ImageTesting.imageID(2), expected: ImageTesting.imageID(1)))
        #expect(error?.description == "the state block at byte 0x1000 is stale: it belongs to image 02132435-4657-6879-8a9b-acbdcedff001, not to image 01122334-4556-6778-899a-abbccddeef00 named by the header")
    }

    @Test func anImageWhoseWriterStoppedIsNotCommittedEvenOverAnOlderCommittedImage() throws {
        // Image 2 is being written over the committed image 1 and stops half-way:
        // image 1's frames, index and trailer are still there, but the header and state are image 2's.
        let sink = ArrayImageSink()
        _ = try ImageTesting.write(ImageTesting.standardRuns(), header: ImageTesting.header(frameInputBytes: 64 * 4096), sink: sink)
        let writer = try ImageWriter(header: ImageTesting.header(seed: 2), sink: sink, options: ImageWriter.Options(workers: 1, writeChunkBytes: 4096))
        try writer.append(address: 0, pages: ImageTesting.pages(count: 256, seed: 99))
        let error = ImageTesting.imageError { _ = try ImageTesting.open(sink.bytes) }
        #expect(error == .notCommitted(.writing))
        #expect(error?.description == "the image was never committed (state: writing): its writer did not finish, so it is incomplete and must not be used")
        #expect(try ImageReader.probe(ArrayByteSource(sink.bytes)).header.imageID == ImageTesting.imageID(2))
    }

    @Test func aConsumedImageIsReadableButNotResumable() throws {
        var consumed = Self.image
        let state = try ImageReader.probe(ArrayByteSource(consumed)).state.consumed(at: 1_800_000_000)
        consumed.replaceSubrange(Int(ImageStateBlock.offset)..<Int(ImageStateBlock.offset) + ImageStateBlock.size, with: state.encoded())
        let reader = try ImageTesting.open(consumed)
        #expect(reader.state.state == .consumed)
        #expect(reader.state.consumedAt == 1_800_000_000)
        #expect(reader.state.committedAt == ImageTesting.committedAt)
        #expect(reader.stateBlockOffset == 4096)
        try reader.verify()
        let error = ImageTesting.imageError { try reader.checkResumable() }
        #expect(error?.description == "the image must not be resumed: it was already consumed at unix time 1800000000; an image is resumed at most once")
    }

    @Test func aCrashDumpIsNeverResumable() throws {
        let dump = try ImageTesting.write(ImageTesting.standardRuns(), header: ImageTesting.header(kind: .crash))
        let reader = try ImageTesting.open(dump)
        try reader.verify()
        #expect(ImageTesting.imageError { try reader.checkResumable() } == .notResumable(reason: "it is a crash image, not a hibernation image"))
    }

    // MARK: trailer and index

    @Test func aCorruptTrailerIsNamed() {
        let trailerOffset = Self.image.count - 4096
        let error = ImageTesting.imageError { _ = try ImageTesting.open(flipping(trailerOffset + 100)) }
        guard case .trailerCorrupt(UInt64(trailerOffset), let reason) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(reason.hasPrefix("its checksum is"))
        #expect(ImageTesting.imageError { _ = try ImageTesting.open(flipping(trailerOffset)) }
                == .trailerCorrupt(offset: UInt64(trailerOffset), reason: "it does not start with \"KJUMPEND\"; the image is truncated or was never finished"))
    }

    @Test func aTrailerOfAnotherImageIsStale() throws {
        let other = try ImageTesting.write(ImageTesting.standardRuns(), header: ImageTesting.header(seed: 3, frameInputBytes: 64 * 4096))
        #expect(other.count == Self.image.count)
        var spliced = Self.image
        spliced.replaceSubrange(spliced.count - 4096..<spliced.count, with: other.suffix(4096))
        #expect(ImageTesting.imageError { _ = try ImageTesting.open(spliced) }
                == .stale(what: "trailer", offset: UInt64(Self.image.count - 4096), found: ImageTesting.imageID(3), expected: ImageTesting.imageID(1)))
    }

    @Test func aCorruptIndexFailsItsChecksum() {
        let indexOffset = Int(reader.trailer.indexOffset)
        let error = ImageTesting.imageError { _ = try ImageTesting.open(flipping(indexOffset + 40)) }
        guard case .indexCorrupt(UInt64(indexOffset), let reason) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(reason.contains("but the trailer records"))
    }

    @Test func framesTakenFromAnotherImageBreakTheChain() throws {
        // Two raw images of the same layout but other contents. Splice the other
        // image's frames and index in, and even re-seal the index checksum in the
        // trailer: the chain checksum still ties the trailer to this image's frames.
        let header = ImageTesting.header(compression: .none)
        let mine = try ImageTesting.write(ImageTesting.standardRuns(seed: 1), header: header)
        let other = try ImageTesting.write(ImageTesting.standardRuns(seed: 8), header: header)
        let reader = try ImageTesting.open(mine)
        let otherReader = try ImageTesting.open(other)
        try #require(other.count == mine.count && otherReader.trailer.indexOffset == reader.trailer.indexOffset)
        var spliced = mine
        let start = Int(reader.trailer.framesOffset), end = spliced.count - 4096
        spliced.replaceSubrange(start..<end, with: other[start..<end])
        var trailer = reader.trailer
        trailer.indexChecksum = otherReader.trailer.indexChecksum
        spliced.replaceSubrange(end..<end + 4096, with: trailer.encoded())
        let error = ImageTesting.imageError { _ = try ImageTesting.open(spliced) }
        guard case .trailerCorrupt(UInt64(end), let reason) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(reason.contains("the chain checksum over the header and the 2 frames"))
        #expect(reason.hasSuffix("frames are missing, extra or from another image"))
    }

    // MARK: frames

    @Test func aCorruptFramePayloadIsNamedWithItsOffsetAndAddress() throws {
        let reader = self.reader
        let frame = reader.frames[3]
        let damaged = flipping(Int(frame.fileOffset) + 64 + frame.storedSize / 2)
        let damagedReader = try ImageTesting.open(damaged)   // opening does not read frames
        let error = ImageTesting.imageError { try damagedReader.verify() }
        guard case let .frameCorrupt(number, offset, address, reason) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(number == 3)
        #expect(offset == frame.fileOffset)
        #expect(address == frame.physicalAddress)
        #expect(reason.hasPrefix("the checksum of its \(frame.storedSize) stored bytes is"))
        #expect(error!.description.hasPrefix("frame 3 at byte \(HexText.number(frame.fileOffset)) (pages from physical address \(HexText.number(frame.physicalAddress))) is corrupt"))
        // forEachRun hands out every page before the bad frame, and none of it or after it.
        var delivered: UInt64 = 0
        #expect(ImageTesting.imageError { try damagedReader.forEachRun { if $0.kind == .data { delivered += $0.pageCount } } } == error)
        #expect(delivered == reader.frames[..<3].reduce(0) { $0 + UInt64($1.pageCount) })
    }

    @Test func aCorruptFrameHeaderDisagreesWithTheIndex() throws {
        let frame = reader.frames[1]
        let error = ImageTesting.imageError { try ImageTesting.open(flipping(Int(frame.fileOffset) + 24)).verify() }   // physical address
        guard case .frameCorrupt(1, frame.fileOffset, frame.physicalAddress, let reason) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(reason.contains("disagrees with the index"))
        let noMagic = ImageTesting.imageError { try ImageTesting.open(flipping(Int(frame.fileOffset))).verify() }
        #expect(noMagic == .frameCorrupt(frame: 1, offset: frame.fileOffset, physicalAddress: frame.physicalAddress,
                                         reason: "its header does not start with \"KJFR\" and a known codec"))
    }

    @Test func aCorruptRawFrameIsCaught() throws {
        let runs: [ImageTesting.Run] = [.data(0x5000, ImageTesting.pages(count: 4, seed: 1, style: .random))]
        let image = try ImageTesting.write(runs)
        let frame = try ImageTesting.open(image).frames[0]
        #expect(frame.codec == .none)
        let error = ImageTesting.imageError { try ImageTesting.open(flipping(Int(frame.fileOffset) + 64 + 5000, in: image)).verify() }
        guard case .frameCorrupt(0, frame.fileOffset, 0x5000, _) = error else { Issue.record("got \(String(describing: error))"); return }
    }

    @Test(arguments: [ImageCompression.lz4, .zstd])
    func aCompressedPayloadThatStillMatchesItsStoredChecksumButDecodesWrongIsCaught(_ compression: ImageCompression) throws {
        // Damage the payload and re-seal the stored checksum everywhere: only the
        // decompression or the uncompressed checksum can catch it now.
        let image = try ImageTesting.write([.data(0, ImageTesting.pages(count: 16, seed: 4, style: .compressible))],
                                           header: ImageTesting.header(compression: compression))
        let reader = try ImageTesting.open(image)
        var frame = reader.frames[0]
        var damaged = image
        let payload = Int(frame.fileOffset) + 64
        damaged[payload + frame.storedSize - 3] ^= 0x01
        frame.storedChecksum = ImageChecksum.xxh3(damaged[payload..<payload + frame.storedSize])
        damaged.imageStore(frame.storedChecksum, at: Int(frame.fileOffset) + 56)
        var index = ImageIndex(extents: reader.extents, frames: [frame])
        var trailer = reader.trailer
        let indexBytes = index.encoded()
        damaged.replaceSubrange(Int(trailer.indexOffset)..<Int(trailer.indexOffset) + indexBytes.count, with: indexBytes)
        trailer.indexChecksum = ImageChecksum.xxh3(indexBytes)
        trailer.chainChecksum = ImageIndex.chainChecksum(headerChecksum: reader.headerChecksum, frames: index.frames)
        damaged.replaceSubrange(Int(trailer.offset)..<Int(trailer.offset) + 4096, with: trailer.encoded())
        index.frames = []
        let error = ImageTesting.imageError { try ImageTesting.open(damaged).verify() }
        guard case .frameCorrupt(0, frame.fileOffset, 0, let reason) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(reason.contains("decompress") || reason.contains("the checksum of its 65536 decompressed bytes"))
    }

    // MARK: truncation

    @Test func truncationAnywhereIsRefused() throws {
        let frames = reader.frames
        let cuts = [1, 7, 100, 4095, 4096, 6000, 8191, 8192, Int(frames[0].fileOffset) + 10, Int(frames[2].fileOffset),
                    Int(reader.trailer.indexOffset), Int(reader.trailer.indexOffset) + 50, Self.image.count - 4096,
                    Self.image.count - 1]
        for cut in cuts {
            let error = ImageTesting.imageError { _ = try ImageTesting.open(Array(Self.image.prefix(cut))) }
            switch error {
            case .truncated: break
            case .foreign where cut < 8: break   // a prefix of the magic alone is not recognisable
            default: Issue.record("cut at \(cut): \(String(describing: error))")
            }
        }
        let error = ImageTesting.imageError { _ = try ImageTesting.open(Array(Self.image.prefix(Self.image.count - 1))) }
        #expect(error == .truncated(what: "trailer", offset: UInt64(Self.image.count - 4096), count: 4096, sourceSize: UInt64(Self.image.count - 1)))
        #expect(error?.description == "the image is truncated: the trailer needs bytes [\(HexText.number(UInt64(Self.image.count - 4096))), \(HexText.number(UInt64(Self.image.count)))) but the source holds only \(Self.image.count - 1) bytes")
    }

    @Test func aLongerSourceIsFine() throws {
        // A block device is larger than the image on it.
        let reader = try ImageTesting.open(Self.image + [UInt8](repeating: 0xaa, count: 1 << 16))
        try reader.verify()
    }
}
