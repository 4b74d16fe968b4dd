import Foundation
import Testing
@testable import KJumpCore

/// Sealed images (format 2): frames encrypted and authenticated after
/// compression, bound to the header and their place; the trailer
/// authenticated; keys from the machine's hibernation key and resume key.
@Suite struct ImageSealingTests {
    /// One machine's keys, made once (X25519 generation is cheap; Argon2id is not used here).
    static let keys = try! SealingKeyGeneration.generate(passphrase: nil)
    static var hibernationKey: HibernationKey { keys.0 }
    static var unwrapper: ResumeKeyUnwrapper { ResumeKeyUnwrapper(key: try! keys.1.open()) }

    static func sealedImage(_ runs: [ImageTesting.Run] = ImageTesting.standardRuns(), compression: ImageCompression = .lz4,
                            key: HibernationKey = hibernationKey, seed: UInt8 = 1, frameInputBytes: Int = 16 * 4096) throws -> [UInt8] {
        let sink = ArrayImageSink()
        let writer = try ImageWriter(header: ImageTesting.header(compression: compression, seed: seed, frameInputBytes: frameInputBytes),
                                     sink: sink, options: ImageWriter.Options(workers: 2), sealing: key)
        for run in runs {
            if let bytes = run.bytes { try writer.append(address: run.address, pages: bytes) } else {
                try writer.appendZero(address: run.address, pageCount: UInt64(run.pageCount))
            }
        }
        try writer.finish(committedAt: ImageTesting.committedAt)
        return sink.bytes
    }

    static func open(_ image: [UInt8], unwrapper: (any ImageKeyUnwrapper)? = unwrapper, indexInMemory: Bool = true) throws -> ImageReader {
        try ImageReader(source: ArrayByteSource(image), options: ImageReader.Options(workers: 2, indexInMemory: indexInMemory),
                        unwrapper: unwrapper)
    }

    static func runs(_ reader: ImageReader) throws -> [ImageTesting.Run] {
        var runs: [ImageTesting.Run] = []
        try reader.forEachRun { run in
            runs.append(ImageTesting.Run(address: run.address, pageCount: Int(run.pageCount), kind: run.kind, bytes: run.bytes.map(Array.init)))
        }
        return ImageTesting.canonical(runs)
    }

    /// What reading `image` with the machine's key throws, as text (nil when it reads).
    static func refusal(_ image: [UInt8], unwrapper: (any ImageKeyUnwrapper)? = unwrapper) -> String? {
        do {
            let reader = try open(image, unwrapper: unwrapper)
            _ = try reader.verify()
            _ = try runs(reader)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test(arguments: ImageCompression.allCases)
    func aSealedImageReadsBackWithItsKey(_ compression: ImageCompression) throws {
        let runs = ImageTesting.standardRuns()
        let image = try Self.sealedImage(runs, compression: compression)
        let reader = try Self.open(image)
        #expect(reader.header.version == ImageFormat.sealedVersion)
        #expect(reader.header.sealing?.recipient == Self.keys.1.id)
        #expect(reader.header.sealing?.sender == Self.hibernationKey.id)
        #expect(reader.trailer.authenticator.count == 32 && reader.trailer.indexDigest.count == 32)
        #expect(reader.frames.allSatisfy { $0.uncompressedChecksum == 0 })   // no fingerprint of the pages
        #expect(try reader.verify() == reader.summary)
        #expect(try Self.runs(reader) == ImageTesting.canonical(runs))
        // The same, streaming the index as the hibernation kernel does, and through restore.
        #expect(try Self.runs(Self.open(image, indexInMemory: false)) == ImageTesting.canonical(runs))
        var writers: [ImageRestoreTests.RecordingWriter] = []   // one a worker: they are not thread-safe
        try Self.open(image, indexInMemory: false).restore(makeWriter: {
            let writer = ImageRestoreTests.RecordingWriter()
            writers.append(writer)
            return writer
        })
        let restored = writers.reduce(into: [UInt64: [UInt8]]()) { $0.merge($1.pages) { first, _ in first } }
        for run in runs where run.kind == .data {
            for page in 0..<run.pageCount {
                #expect(restored[run.address + UInt64(page * 4096)] == Array(run.bytes![page * 4096..<(page + 1) * 4096]))
            }
        }
    }

    @Test func noPlaintextOfThePagesIsOnDisk() throws {
        let banner = Array("Linux version 6.12.117-kjump (root@lab) #1 SMP PREEMPT_DYNAMIC ".utf8)
        var pages = [UInt8](repeating: 0, count: 8 * 4096)
        for page in 0..<8 { pages.replaceSubrange(page * 4096 + 100..<page * 4096 + 100 + banner.count, with: banner) }
        let runs: [ImageTesting.Run] = [.data(0x100000, pages)]
        func contains(_ image: [UInt8]) -> Bool {
            image.withUnsafeBytes { raw in
                (0...(raw.count - banner.count)).contains { offset in raw[offset] == banner[0] && Array(raw[offset..<offset + banner.count]) == banner }
            }
        }
        #expect(contains(try ImageTesting.write(runs, header: ImageTesting.header(compression: .none))))   // the check works
        #expect(!contains(try Self.sealedImage(runs, compression: .none)))
        #expect(!contains(try Self.sealedImage(runs, compression: .lz4)))
    }

    @Test func withoutItsKeyASealedImageIsDescribedButNoPageIsRead() throws {
        let image = try Self.sealedImage()
        let reader = try Self.open(image, unwrapper: nil)
        #expect(reader.header.isSealed && !reader.canReadFrames)
        #expect(throws: SealingError.keyNeeded) { try reader.verify() }
        #expect(throws: SealingError.keyNeeded) { try reader.forEachRun { _ in } }
        // An image that is not sealed is refused when a key is given: nothing could prove who wrote it.
        let plain = try ImageTesting.write(ImageTesting.standardRuns())
        #expect(throws: SealingError.notSealed) { try Self.open(plain) }
    }

    @Test func anotherMachinesKeysAreNamed() throws {
        let image = try Self.sealedImage()
        let (_, otherResume) = try SealingKeyGeneration.generate(passphrase: nil)
        #expect(throws: SealingError.wrongKey(imageKey: Self.keys.1.id, givenKey: otherResume.id)) {
            try Self.open(image, unwrapper: ResumeKeyUnwrapper(key: try otherResume.open()))
        }
        // The right resume key, but the image was sealed by a hibernation key it does not trust.
        let (otherSender, _) = try SealingKeyGeneration.generate(passphrase: nil)
        let impostor = HibernationKey(recipientPublic: Self.hibernationKey.recipientPublic, senderPrivate: otherSender.senderPrivate)
        #expect(throws: SealingError.wrongSender(imageSender: impostor.id, trustedSender: Self.hibernationKey.id)) {
            try Self.open(try Self.sealedImage(key: impostor))
        }
    }

    // MARK: - Tampering, by someone who can also recompute every XXH3 checksum

    /// Recomputes every non-cryptographic checksum (frame headers, index,
    /// chain, trailer, header, state) as an attacker who edits the disk can.
    static func forgeChecksums(_ image: [UInt8]) throws -> [UInt8] {
        var image = image
        let state = try ImageStateBlock(decoding: Array(image[4096..<8192]))
        let trailerOffset = Int(state.imageLength) - 4096
        var block = Array(image[trailerOffset..<trailerOffset + 4096])
        block.imageStore(UInt64(0), at: 8)
        block.imageStore(ImageChecksum.xxh3(block), at: 8)
        image.replaceSubrange(trailerOffset..<trailerOffset + 4096, with: block)
        image = try ImageTesting.editHeader(image) { _ in }
        var trailer = try ImageTrailer(decoding: Array(image[trailerOffset..<trailerOffset + 4096]), offset: UInt64(trailerOffset))
        var index = try ImageIndex(decoding: Array(image[Int(trailer.indexOffset)..<Int(trailer.indexOffset + trailer.indexLength)]),
                                   offset: trailer.indexOffset)
        for (number, var frame) in index.frames.enumerated() {
            let offset = Int(frame.fileOffset)
            frame.storedChecksum = ImageChecksum.xxh3(image[offset + 64..<offset + 64 + frame.storedSize])
            image.imageStore(frame.storedChecksum, at: offset + 56)
            index.frames[number] = frame
        }
        let indexBytes = index.encoded()
        image.replaceSubrange(Int(trailer.indexOffset)..<Int(trailer.indexOffset) + indexBytes.count, with: indexBytes)
        trailer.indexChecksum = ImageChecksum.xxh3(indexBytes)
        trailer.chainChecksum = ImageIndex.chainChecksum(headerChecksum: trailer.headerChecksum, frames: index.frames)
        image.replaceSubrange(trailerOffset..<trailerOffset + 4096, with: trailer.encoded())
        return image
    }

    static func frameOffset(_ image: [UInt8], _ number: Int) throws -> Int {
        Int(try Self.open(image).frames[number].fileOffset)
    }

    @Test func everyTamperingIsRefusedEvenWithTheChecksumsForged() throws {
        let image = try Self.sealedImage()
        #expect(Self.refusal(image) == nil)
        #expect(Self.refusal(try Self.forgeChecksums(image)) == nil)   // forging alone changes nothing
        let reader = try Self.open(image)
        let frames = reader.frames
        #expect(frames.count >= 4)
        let trailerOffset = image.count - 4096

        func flipped(_ offset: Int) -> [UInt8] { var copy = image; copy[offset] ^= 0x40; return copy }
        var cases: [(String, [UInt8], String)] = []
        // A note in the header changed ("host=lab" → "host=lib").
        let note = image.firstRange(of: Array("host=lab".utf8))!.lowerBound + 6
        cases.append(("header", flipped(note), "trailer is not authentic"))
        // The sealing record's encapsulated key changed.
        let record = image.firstRange(of: Self.hibernationKey.id.bytes)!.upperBound
        cases.append(("sealing record", flipped(record + 3), "trailer is not authentic"))
        cases.append(("middle frame", flipped(Int(frames[frames.count / 2].fileOffset) + 64 + 100), "is not authentic"))
        cases.append(("last frame", flipped(Int(frames[frames.count - 1].fileOffset) + 64 + 5), "is not authentic"))
        cases.append(("frame tag", flipped(Int(frames[1].fileOffset) + 64 + frames[1].storedSize - 1), "is not authentic"))
        cases.append(("trailer frame count", flipped(trailerOffset + 88), "trailer is not authentic"))
        cases.append(("trailer authenticator", flipped(trailerOffset + 190), "trailer is not authentic"))
        for (what, tampered, expected) in cases {
            let forged = try Self.forgeChecksums(tampered)
            let refusal = Self.refusal(forged)
            #expect(refusal?.contains(expected) == true, "\(what): \(refusal ?? "read")")
            #expect(Self.refusal(tampered) != nil, "\(what), checksums not forged")
        }
    }

    @Test func framesMovedDroppedOrSplicedDoNotOpen() throws {
        let image = try Self.sealedImage()
        let frames = try Self.open(image).frames
        let probe = try ImageReader.probe(ArrayByteSource(image))
        let seal = ImageSeal(keys: try Self.unwrapper.keys(for: probe.header.sealing!, imageID: probe.header.imageID),
                             headerDigest: probe.headerDigest)
        func stored(_ image: [UInt8], _ entry: ImageFrameEntry) -> ArraySlice<UInt8> {
            image[Int(entry.fileOffset) + 64..<Int(entry.fileOffset) + 64 + entry.storedSize]
        }
        // In place, each frame opens.
        for (number, entry) in frames.enumerated() {
            #expect(throws: Never.self) { try seal.open(stored(image, entry), as: entry.frameHeader(number: number, pageSize: 4096)) }
        }
        // Frame 2's bytes as frame 1 (swapped or reordered): its nonce and associated data differ.
        #expect(throws: SealingError.frameNotAuthentic(frame: 1)) {
            try seal.open(stored(image, frames[2]), as: frames[1].frameHeader(number: 1, pageSize: 4096))
        }
        // The same frame of another image of the same machine (same pages, other image ID): other keys.
        let other = try Self.sealedImage(seed: 2)
        let otherFrames = try Self.open(other).frames
        #expect(otherFrames[1].storedSize == frames[1].storedSize)
        #expect(throws: SealingError.frameNotAuthentic(frame: 1)) {
            try seal.open(stored(other, otherFrames[1]), as: frames[1].frameHeader(number: 1, pageSize: 4096))
        }
        // Whole images: the last frame dropped (truncated), two frames swapped, one spliced from the other image.
        let truncated = Array(image[0..<Int(frames[frames.count - 1].fileOffset)])
        #expect(Self.refusal(truncated) != nil)
        var swapped = image
        let a = Int(frames[1].fileOffset), b = Int(frames[2].fileOffset)
        if frames[1].lengthOnDisk == frames[2].lengthOnDisk {
            swapped.replaceSubrange(a..<a + frames[1].lengthOnDisk, with: image[b..<b + frames[2].lengthOnDisk])
            swapped.replaceSubrange(b..<b + frames[2].lengthOnDisk, with: image[a..<a + frames[1].lengthOnDisk])
            #expect(Self.refusal(try Self.forgeChecksums(swapped)) != nil)
        }
        var spliced = image
        let o = Int(otherFrames[1].fileOffset)
        spliced.replaceSubrange(a..<a + frames[1].lengthOnDisk, with: other[o..<o + otherFrames[1].lengthOnDisk])
        #expect(Self.refusal(try Self.forgeChecksums(spliced))?.contains("is not authentic") == true)
    }

    // MARK: - Key files

    @Test func keyFilesRoundTripAndAPassphraseOpensTheResumeKey() throws {
        let parameters = Argon2idParameters(memoryKiB: 8 << 10, iterations: 1, parallelism: 1)
        let passphrase = Array("correct horse battery staple".utf8)
        let (hibernation, resume) = try SealingKeyGeneration.generate(passphrase: passphrase, parameters: parameters)
        #expect(resume.needsPassphrase)
        let hibernationAgain = try HibernationKey(parsing: hibernation.text, what: "hibernation.key")
        #expect(hibernationAgain.id == hibernation.id && hibernationAgain.resumeKeyID == resume.id)
        let resumeAgain = try ResumeKey(parsing: resume.text, what: "resume.key")
        #expect(resumeAgain.id == resume.id && resumeAgain.needsPassphrase)
        #expect(throws: SealingError.wrongPassphrase) { try resumeAgain.open(passphrase: Array("wrong".utf8)) }
        #expect(throws: SealingError.wrongPassphrase) { try resumeAgain.open() }
        let opened = try resumeAgain.open(passphrase: passphrase)
        // An image sealed with the hibernation key read from its file opens with the resume key read from its own.
        let image = try Self.sealedImage(key: hibernationAgain)
        let reader = try Self.open(image, unwrapper: ResumeKeyUnwrapper(key: opened))
        #expect(try Self.runs(reader) == ImageTesting.canonical(ImageTesting.standardRuns()))
        #expect(!resume.text.split(separator: "\n").contains { $0.hasPrefix("recipient-private=") })
        let (_, plain) = try SealingKeyGeneration.generate(passphrase: nil)
        #expect(try ResumeKey(parsing: plain.text, what: "k").open().recipientPrivate.publicKey.rawRepresentation
                == plain.recipientPublic.rawRepresentation)
    }

    @Test func malformedKeyFilesSayWhatIsWrong() throws {
        let (hibernation, resume) = try SealingKeyGeneration.generate(passphrase: nil)
        func reason(_ text: String) -> String? {
            do { _ = try ResumeKey(parsing: text, what: "/media/key/resume.key"); return nil } catch { return error.description }
        }
        #expect(reason("") == "/media/key/resume.key is not a kjump key file: it has no format= line")
        #expect(reason(hibernation.text)?.contains("its format is \"kjump-hibernation-key-1\", not \"kjump-resume-key-1\"") == true)
        let text = resume.text
        #expect(reason(text.replacingOccurrences(of: "protection=none", with: "protection=rot13"))?.contains("protection \"rot13\"") == true)
        let noPrivate = text.split(separator: "\n").filter { !$0.hasPrefix("recipient-private=") }.joined(separator: "\n")
        #expect(reason(noPrivate)?.contains("it has no recipient-private= line") == true)
        let shortKey = text.replacingOccurrences(of: "sender-public=", with: "sender-public=00")
        #expect(reason(shortKey)?.contains("sender-public is not 32 bytes in hexadecimal") == true)
        let (_, other) = try SealingKeyGeneration.generate(passphrase: nil)
        let mismatched = text.split(separator: "\n").map { line in
            line.hasPrefix("recipient-public=") ? "recipient-public=" + HexText.bytes(other.recipientPublic.rawRepresentation) : String(line)
        }.joined(separator: "\n")
        #expect(reason(mismatched)?.contains("recipient-private is not the private half of recipient-public") == true)
        let greedy = Argon2idParameters(memoryKiB: 64 << 20, iterations: 3, parallelism: 1)
        #expect(greedy.problem?.contains("memory") == true)
    }

    @Test func theSealingRecordIsStrict() throws {
        let record = ImageSealingRecord(recipient: SealingKeyID(bytes: [1, 2, 3, 4, 5, 6, 7, 8]),
                                        sender: SealingKeyID(bytes: [9, 9, 9, 9, 9, 9, 9, 9]),
                                        encapsulatedKey: [UInt8](repeating: 7, count: 32))
        #expect(try ImageSealingRecord(decoding: record.encoded()) == record)
        #expect(throws: SealingError.malformedRecord(reason: "it has 55 bytes, not 56")) {
            try ImageSealingRecord(decoding: record.encoded().dropLast())
        }
        var chacha = record.encoded()
        chacha[0] = 3
        #expect(throws: SealingError.self) { try ImageSealingRecord(decoding: chacha) }
    }
}
