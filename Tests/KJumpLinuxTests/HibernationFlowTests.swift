import KJumpCore
@testable import KJumpLinux
import Testing

/// The steps of `Hibernation` and `CrashCapture` that do not touch the kernel.
@Suite struct HibernationFlowTests {
    static let request = Hibernation.Request(kernelPath: "/usr/lib/kjump/hibernation.bzImage",
                                             region: HibernationRegion(mainBlockBytes: 80 << 20),
                                             target: ResumeTarget(device: "/dev/vdb", mapOffset: 8192),
                                             compression: .zstd, extraCommandLine: ["console=ttyS0"])

    /// An image on a target after H's work: abandoned with a reason, committed, or consumed.
    static func probe(attempt: String, abandonedWith reason: String? = nil, consumedAt: Int64? = nil) throws -> ImageProbe {
        let header = ImageHeader(imageID: ImageID(bytes: [UInt8](repeating: 3, count: 16)), kind: .hibernation, createdAt: 100,
                                 systemKernel: SystemKernelIdentity(osRelease: "test", vmcoreinfo: []), reentryPoint: 0x1000,
                                 hibernationRegion: HibernationRegion(mainBlockBytes: 80 << 20), firmwareMemoryMap: [],
                                 resumeCommandLine: "", notes: [ImageNote(key: "attempt", value: attempt)])
        let sink = ArrayImageSink()
        let writer = try ImageWriter(header: header, sink: sink, options: .init(workers: 0))
        try writer.append(address: 0x100000, pages: [UInt8](repeating: 1, count: 4096))
        if let reason {
            try writer.abandon(reason: reason)
        } else {
            try writer.finish(committedAt: 200)
        }
        var bytes = sink.bytes
        if let consumedAt {
            let probe = try ImageReader.probe(ArrayByteSource(bytes))
            let state = probe.state.consumed(at: consumedAt).encoded()
            bytes.replaceSubrange(Int(ImageStateBlock.offset)..<Int(ImageStateBlock.offset) + state.count, with: state)
        }
        return try ImageReader.probe(ArrayByteSource(bytes))
    }

    static let imageID = ImageID(bytes: Array(0..<16))

    @Test func theLoaderCarriesTargetCodecConsoleAttemptAndFilesystems() throws {
        let identity = FilesystemIdentity(device: "/dev/vda", uuid: "0b7c6c2e-2f4b-4b8e-9d7e-1c2d3e4f5a6b", mountCount: 4, lastMountTime: 77)
        let loader = Hibernation(Self.request).loader(attempt: "00ff", imageID: Self.imageID, filesystems: [identity])
        #expect(loader.role == "hibernate")
        #expect(loader.extraCommandLine == ["console=ttyS0", "kjump.resume=/dev/vdb", "kjump.resume-offset=8192", "kjump.compress=zstd"])
        #expect(loader.noteFields == ["attempt": "00ff", "filesystems": identity.description, "image-id": Self.imageID.description])
        // The image's ID round-trips through the note as text.
        #expect(ImageID(uuid: Self.imageID.description) == Self.imageID)
        #expect(ImageID(uuid: "0b7c6c2e2f4b4b8e9d7e1c2d3e4f5a6b") == nil)
        #expect(ImageID(uuid: "0b7c6c2e-2f4b-4b8e-9d7e-1c2d3e4f5a6") == nil)
        var lz4 = Self.request
        lz4.compression = .lz4
        #expect(!Hibernation(lz4).loader(attempt: "1", imageID: Self.imageID, filesystems: []).extraCommandLine.contains { $0.hasPrefix("kjump.compress") })
        // The hibernation key goes to H in kjump's note, never on its command line (which H's console prints).
        let key = try SealingKeyGeneration.generate(passphrase: nil).0
        var sealed = Self.request
        sealed.sealing = key
        let sealedLoader = Hibernation(sealed).loader(attempt: "2", imageID: Self.imageID, filesystems: [])
        #expect(try HibernationKey(noteFields: sealedLoader.noteFields)?.id == key.id)
        #expect(!sealedLoader.extraCommandLine.joined().contains(key.noteFields["seal-sender"]!))
        #expect(try HibernationKey(noteFields: ["attempt": "2"]) == nil)
        // The running kernel's image and command line, by digest, for the resume entry to match.
        var bound = Self.request
        bound.system = SystemBootIdentity(kernelDigest: String(repeating: "a", count: 64), commandLineDigest: String(repeating: "b", count: 64))
        let boundFields = Hibernation(bound).loader(attempt: "3", imageID: Self.imageID, filesystems: []).noteFields
        #expect(SystemBootIdentity(note: { boundFields[$0] }) == bound.system)
        #expect(throws: SealingError.malformedKeyFile(what: "kjump's note", reason: "seal-sender is not 32 bytes in hexadecimal")) {
            try HibernationKey(noteFields: ["seal-recipient": key.noteFields["seal-recipient"]!, "seal-sender": "00"])
        }
    }

    @Test func aConsumedImageIsAResume() throws {
        #expect(try Hibernation.outcome(of: Self.probe(attempt: "a1", consumedAt: 300), attempt: "a1").get() == 300)
    }

    @Test func hsReasonCountsOnlyForThisAttempt() throws {
        let abandoned = try Self.probe(attempt: "a1", abandonedWith: "the resume device is too small")
        guard case .failure(.notSaved(let reason)) = Hibernation.outcome(of: abandoned, attempt: "a1") else {
            Issue.record("expected notSaved")
            return
        }
        #expect(reason == "the resume device is too small")
        guard case .failure(.notResumed(let state)) = Hibernation.outcome(of: abandoned, attempt: "b2") else {
            Issue.record("an older attempt's reason must not be reported")
            return
        }
        #expect(state == "writing")
    }

    /// A boot entry that counts how often it was armed and disarmed.
    final class CountingBootEntry: OneShotBootEntry, @unchecked Sendable {
        let name = "kjump-resume"
        var disarmed = 0
        func arm(imageID: ImageID) {}
        func disarm() { disarmed += 1 }
    }

    /// After the jump back the entry is disarmed whether the system resumed or
    /// not: after a resume this kernel's page cache still shows it armed.
    @Test func theBootEntryIsDisarmedAfterAResumeAndAfterNone() throws {
        let entry = CountingBootEntry()
        var request = Self.request
        request.bootEntry = entry
        let flow = Hibernation(request)
        #expect(try flow.settle(Self.probe(attempt: "a1", consumedAt: 300), attempt: "a1").get() == 300)
        #expect(entry.disarmed == 1)
        #expect(throws: HibernationError.self) { try flow.settle(nil, attempt: "a1").get() }
        #expect(entry.disarmed == 2)
    }

    @Test func aCommittedImageOrNoneIsNotAResume() throws {
        guard case .failure(.notResumed(let committed)) = Hibernation.outcome(of: try Self.probe(attempt: "a1"), attempt: "a1"),
              case .failure(.notResumed(let none)) = Hibernation.outcome(of: nil, attempt: "a1") else {
            Issue.record("expected notResumed")
            return
        }
        #expect(committed == "committed")
        #expect(none == "none")
    }

    @Test func attemptIDsAreSixteenHexDigitsAndDiffer() {
        let first = Hibernation.newAttemptID(), second = Hibernation.newAttemptID()
        #expect(first.count == 16 && first.allSatisfy(\.isHexDigit))
        #expect(first != second)
    }

    @Test func theCrashKernelLearnsTargetLevelCodecAndDirectory() {
        let request = CrashCapture.Request(kernelPath: "/k", target: "/dev/disk/by-partlabel/dumps", directory: "/dumps",
                                           dumpLevel: DumpLevel(level: 31)!, compression: .zstd, extraCommandLine: ["console=ttyS0", "irqpoll"])
        #expect(CrashCapture.commandLine(request, device: "/dev/vdc")
                == ["kjump.target=/dev/vdc", "kjump.dump-level=31", "kjump.compress=zstd", "kjump.target-dir=/dumps", "console=ttyS0", "irqpoll"])
    }
}

/// H reads its typed words (`kjump.compress=`, `kjump.image=`) through one helper.
@Suite struct HibernationKernelCommandLineTests {
    @Test func aTypedWordIsParsedAbsentOrRefusedWithWhatItShouldBe() throws {
        let line = KernelCommandLine(parsing: "quiet kjump.compress=zstd kjump.image=nonsense")
        #expect(try line.value(of: "kjump.compress", as: "lz4, zstd or none", ImageCompression.init(name:)) == .zstd)
        #expect(try line.value(of: "kjump.resume-key", as: "a path", { $0 }) == nil)
        #expect(throws: KJumpLinuxError.malformed(path: "/proc/cmdline", reason: "kjump.image=nonsense is not an image ID")) {
            try line.value(of: "kjump.image", as: "an image ID", { ImageID(uuid: $0) })
        }
    }
}
