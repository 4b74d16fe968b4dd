import Foundation
import Testing
@testable import KJumpCore

/// Helpers shared by the Image*Tests suites, and the committed fixture images.
enum ImageTesting {
    static let createdAt: Int64 = 1_700_000_000
    static let committedAt: Int64 = 1_700_000_100
    static let vmcoreinfo = Array("OSRELEASE=6.12.117-kjump\nPAGESIZE=4096\nSYMBOL(init_uts_ns)=ffffffff82a1b5e0\n".utf8)

    static func imageID(_ seed: UInt8) -> ImageID {
        ImageID(bytes: (0..<16).map { UInt8(truncatingIfNeeded: Int($0) &* 17 &+ Int(seed)) })
    }

    static let firmwareMap: [E820Entry] = [
        E820Entry(address: 0, size: 0x9fc00, type: .usable),
        E820Entry(address: 0x9fc00, size: 0x400, type: .reserved),
        E820Entry(address: 0xf0000, size: 0x10000, type: .reserved),
        E820Entry(address: 0x100000, size: 0x3fee0000, type: .usable),
        E820Entry(address: 0x3ffe0000, size: 0x20000, type: .reserved),
        E820Entry(address: 0xfffc0000, size: 0x40000, type: .reserved),
    ]

    static func header(compression: ImageCompression = .lz4, kind: ImageKind = .hibernation, seed: UInt8 = 1,
                       frameInputBytes: Int = ImageFormat.defaultFrameInputBytes, level: Int32 = 0,
                       notes: [ImageNote] = [ImageNote(key: "host", value: "lab"), ImageNote(key: "kjump", value: "test")]) -> ImageHeader {
        ImageHeader(imageID: imageID(seed), kind: kind, createdAt: createdAt, compression: compression,
                    compressionLevel: level, frameInputBytes: frameInputBytes,
                    systemKernel: SystemKernelIdentity(osRelease: "6.12.117-kjump", vmcoreinfo: vmcoreinfo),
                    reentryPoint: kind == .hibernation ? 0x3b84_1234 : 0,
                    hibernationRegion: HibernationRegion(mainBlockBytes: 192 << 20), firmwareMemoryMap: firmwareMap,
                    resumeCommandLine: "nokaslr maxcpus=1 memmap=exactmap memmap=632K@4K memmap=192M@1M kjump.role=resume",
                    notes: notes)
    }

    enum PageStyle { case mixed, random, compressible }

    /// `count` pages of synthetic memory, deterministic in `seed`: a mix of
    /// text-like, pointer-like, sparse and random pages (`.mixed`), or one kind.
    static func pages(count: Int, seed: UInt64, style: PageStyle = .mixed, pageSize: Int = 4096) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count * pageSize)
        bytes.withUnsafeMutableBytes { raw in
            let words = raw.bindMemory(to: UInt64.self)
            let wordsPerPage = pageSize / 8
            var state = seed &* 0x9e37_79b9_7f4a_7c15 | 1
            for page in 0..<count {
                let pageHash = (UInt64(page) &+ seed) &* 0xbf58_476d_1ce4_e5b9
                let kind: Int = switch style {
                case .random: 19
                case .compressible: 0
                case .mixed: Int((pageHash >> 32) % 20)
                }
                let base = page * wordsPerPage
                switch kind {
                case 0..<7:     // text-like: a short phrase repeated with a counter
                    let phrase: UInt64 = 0x2065_6e69_6c20_6f6c &+ pageHash
                    for word in 0..<wordsPerPage { words[base + word] = word % 8 == 7 ? UInt64(word) &+ UInt64(page) : phrase }
                case 7..<11:    // pointer-like: kernel addresses rising by 64
                    for word in 0..<wordsPerPage { words[base + word] = 0xffff_8880_0000_0000 &+ (pageHash & 0xfff_ffff) &+ UInt64(word) &* 64 }
                case 11..<15:   // sparse: mostly zeros
                    for word in stride(from: 0, to: wordsPerPage, by: 61) { words[base + word] = pageHash &+ UInt64(word) }
                default:        // random (incompressible)
                    for word in 0..<wordsPerPage {
                        state ^= state << 13; state ^= state >> 7; state ^= state << 17
                        words[base + word] = state
                    }
                }
            }
        }
        return bytes
    }

    /// A run as a test feeds it to the writer or receives it from the reader.
    struct Run: Equatable, CustomStringConvertible {
        var address: UInt64
        var pageCount: Int
        var kind: ImageExtentKind
        var bytes: [UInt8]?

        static func data(_ address: UInt64, _ bytes: [UInt8]) -> Run {
            Run(address: address, pageCount: bytes.count / 4096, kind: .data, bytes: bytes)
        }

        static func zero(_ address: UInt64, _ pageCount: Int) -> Run {
            Run(address: address, pageCount: pageCount, kind: .zero, bytes: nil)
        }

        var description: String { "\(kind) \(HexText.number(address)) +\(pageCount)" }
    }

    /// Data and zero runs with gaps (excluded pages) between some of them,
    /// adjacent runs of the same kind, and runs longer than a frame.
    static func standardRuns(seed: UInt64 = 7) -> [Run] {
        [
            .data(0x1000, pages(count: 3, seed: seed)),
            .zero(0x4000, 2),
            .data(0x6000, pages(count: 1, seed: seed + 1)),
            .data(0x7000, pages(count: 2, seed: seed + 2)),          // adjacent to the previous: one extent
            .data(0x100000, pages(count: 300, seed: seed + 3)),      // longer than a 256-page frame
            .zero(0x300000, 1000),
            .zero(0x300000 + 1000 * 4096, 24),                       // adjacent zero run
            .data(0x800000, pages(count: 5, seed: seed + 4, style: .random)),
            .data(0x1000_0000, pages(count: 40, seed: seed + 5, style: .compressible)),
        ]
    }

    /// Writes `runs` into an in-memory image.
    static func write(_ runs: [Run], header: ImageHeader = header(), workers: Int = 2,
                      writeChunkBytes: Int = 4 << 20, capacity: UInt64? = nil,
                      sink: ArrayImageSink = ArrayImageSink()) throws -> [UInt8] {
        let writer = try ImageWriter(header: header, sink: sink,
                                     options: ImageWriter.Options(workers: workers, writeChunkBytes: writeChunkBytes,
                                                                  capacity: capacity))
        for run in runs {
            if let bytes = run.bytes {
                try writer.append(address: run.address, pages: bytes)
            } else {
                try writer.appendZero(address: run.address, pageCount: UInt64(run.pageCount))
            }
        }
        try writer.finish(committedAt: committedAt)
        return sink.bytes
    }

    /// Every run the reader delivers, merged into maximal runs per kind.
    static func read(_ image: [UInt8], workers: Int = 2) throws -> [Run] {
        let reader = try ImageReader(source: ArrayByteSource(image), options: ImageReader.Options(workers: workers))
        var runs: [Run] = []
        try reader.forEachRun { run in
            runs.append(Run(address: run.address, pageCount: Int(run.pageCount), kind: run.kind, bytes: run.bytes.map(Array.init)))
        }
        return canonical(runs)
    }

    /// `runs` with adjacent runs of the same kind merged.
    static func canonical(_ runs: [Run]) -> [Run] {
        var merged: [Run] = []
        for run in runs {
            if let last = merged.last, last.kind == run.kind, last.address + UInt64(last.pageCount * 4096) == run.address {
                var grown = merged.removeLast()   // uniquely referenced: appending does not copy
                grown.pageCount += run.pageCount
                if let bytes = run.bytes { grown.bytes!.append(contentsOf: bytes) }
                merged.append(grown)
            } else {
                merged.append(run)
            }
        }
        return merged
    }

    /// The `ImageError` `body` throws; nil (and a recorded issue) if it throws nothing or something else.
    static func imageError(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> ImageError? {
        do {
            try body()
            Issue.record("expected an ImageError, got none", sourceLocation: sourceLocation)
        } catch let error as ImageError {
            return error
        } catch {
            Issue.record("expected an ImageError, got \(error)", sourceLocation: sourceLocation)
        }
        return nil
    }

    static func open(_ image: [UInt8]) throws -> ImageReader {
        try ImageReader(source: ArrayByteSource(image), options: ImageReader.Options(workers: 2))
    }

    /// Rewrites the header with `edit`, fixes its checksum, and re-binds the
    /// state block and trailer (and the chain checksum) to it, as a writer
    /// of the edited format would have. The header must stay within one block.
    static func editHeader(_ image: [UInt8], _ edit: (inout [UInt8]) -> Void) throws -> [UInt8] {
        var image = image
        let length = Int(image.imageLoad(UInt32.self, at: 12))
        var header = Array(image[0..<length])
        edit(&header)
        precondition(header.count <= 4096)
        header.imageStore(UInt32(header.count), at: 12)
        header.imageStore(UInt64(0), at: 16)
        let checksum = ImageChecksum.xxh3(header)
        header.imageStore(checksum, at: 16)
        image.replaceSubrange(0..<4096, with: header + [UInt8](repeating: 0, count: 4096 - header.count))
        var state = try ImageStateBlock(decoding: Array(image[4096..<8192]))
        state.headerChecksum = checksum
        image.replaceSubrange(4096..<8192, with: state.encoded())
        let trailerOffset = Int(state.imageLength) - 4096
        var trailer = try ImageTrailer(decoding: Array(image[trailerOffset..<trailerOffset + 4096]), offset: UInt64(trailerOffset))
        let index = try ImageIndex(decoding: Array(image[Int(trailer.indexOffset)..<Int(trailer.indexOffset + trailer.indexLength)]),
                                   offset: trailer.indexOffset)
        trailer.headerChecksum = checksum
        trailer.chainChecksum = ImageIndex.chainChecksum(headerChecksum: checksum, frames: index.frames)
        image.replaceSubrange(trailerOffset..<trailerOffset + 4096, with: trailer.encoded())
        return image
    }

    /// Runs of the committed fixture images (`image-v1-*.kjimg`).
    static func fixtureRuns() -> [Run] {
        [
            .data(0x1000, pages(count: 2, seed: 11)),
            .zero(0x3000, 3),
            .data(0x100000, pages(count: 6, seed: 12)),
            .data(0x200000, pages(count: 2, seed: 13, style: .random)),
            .zero(0x40000000, 100),
        ]
    }

    /// The header of the fixture images; 4-page frames so that the few pages make several frames.
    static func fixtureHeader(_ compression: ImageCompression) -> ImageHeader {
        header(compression: compression, seed: 0x42, frameInputBytes: 4 * 4096,
               notes: [ImageNote(key: "fixture", value: "image-v1-\(compression)")])
    }
}

/// The committed fixture images freeze the format. `image-v1-*.kjimg` are
/// format 1.0: today's reader must read them all. `image-v1.1-none.kjimg` is
/// format 1.1 (the current one): today's writer must still produce it byte
/// for byte (lz4's and zstd's exact output may change with the library
/// version, so compressed images are only read).
@Suite struct ImageFixtureTests {
    static let compressions: [ImageCompression] = [.none, .lz4, .zstd]
    /// The fixture this version of the writer reproduces.
    static let currentFixture = "image-v1.1-none.kjimg"

    @Test(arguments: compressions)
    func readsTheCommittedFormat10Fixture(_ compression: ImageCompression) throws {
        let image = try fixtureBytes("image-v1-\(compression).kjimg")
        let reader = try ImageTesting.open(image)
        var expected = ImageTesting.fixtureHeader(compression)
        expected.version = ImageFormatVersion(major: 1, minor: 0)
        #expect(reader.header == expected)
        try Self.checkFixtureContents(reader, image)
    }

    @Test func readsTheCommittedFormat11Fixture() throws {
        let image = try fixtureBytes(Self.currentFixture)
        let reader = try ImageTesting.open(image)
        #expect(reader.header == ImageTesting.fixtureHeader(.none))
        #expect(reader.header.version == ImageFormatVersion(major: 1, minor: 1))
        try Self.checkFixtureContents(reader, image)
    }

    static func checkFixtureContents(_ reader: ImageReader, _ image: [UInt8]) throws {
        #expect(reader.state.state == .committed)
        #expect(reader.state.committedAt == ImageTesting.committedAt)
        #expect(reader.summary.dataPages == 10)
        #expect(reader.summary.zeroPages == 103)
        #expect(reader.summary.missingPages == 0)
        #expect(reader.frames.count == 3)
        try reader.checkResumable()
        #expect(try ImageTesting.read(image) == ImageTesting.canonical(ImageTesting.fixtureRuns()))
    }

    @Test func writerStillProducesTheUncompressedFixtureByteForByte() throws {
        let written = try ImageTesting.write(ImageTesting.fixtureRuns(), header: ImageTesting.fixtureHeader(.none))
        let committed = try fixtureBytes(Self.currentFixture)
        #expect(written.count == committed.count)
        let firstDifference = zip(written, committed).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        #expect(firstDifference == nil, "format \(ImageFormat.currentVersion) changed: bump the version and add a fixture (see Fixtures/README.md)")
    }

    /// `KJUMP_WRITE_IMAGE_FIXTURES=Tests/KJumpCoreTests/Fixtures swift test --filter regenerate` writes the
    /// current format's fixture (older versions' fixtures stay as they are).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["KJUMP_WRITE_IMAGE_FIXTURES"] != nil))
    func regenerateFixtures() throws {
        let directory = URL(fileURLWithPath: ProcessInfo.processInfo.environment["KJUMP_WRITE_IMAGE_FIXTURES"]!)
        let written = try ImageTesting.write(ImageTesting.fixtureRuns(), header: ImageTesting.fixtureHeader(.none))
        try Data(written).write(to: directory.appendingPathComponent(Self.currentFixture))
    }
}
