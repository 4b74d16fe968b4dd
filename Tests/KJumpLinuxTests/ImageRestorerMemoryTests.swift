import Foundation
import KJumpCore
import Testing
@testable import KJumpLinux

/// The restorer's last check before it marks the image consumed: does H
/// have the memory to restore it? Running out later would lose the system.
@Suite struct ImageRestorerMemoryTests {
    let firmware = [
        E820Entry(address: 0, size: 0x9fc00, type: .usable),
        E820Entry(address: 0x100000, size: 0x3fee0000, type: .usable),
    ]

    /// The one page's physical address: in the firmware's RAM, outside R.
    static let pageAddress: UInt64 = 0x1000_0000

    /// A committed hibernation image of one page (and `<root>/mem`, a file
    /// standing in for /dev/mem), and a fake /sys and /proc
    /// whose firmware map matches it and whose MemAvailable is `availableKiB`.
    func setUp(availableKiB: Int, sealing: HibernationKey? = nil, notes: [ImageNote] = []) throws -> (image: String, root: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kjump-restorer-\(UUID().uuidString)").path
        for (index, entry) in firmware.enumerated() {
            let entryDirectory = "\(directory)/sys/firmware/memmap/\(index)"
            try FileManager.default.createDirectory(atPath: entryDirectory, withIntermediateDirectories: true)
            try "0x\(String(entry.address, radix: 16))\n".write(toFile: entryDirectory + "/start", atomically: true, encoding: .utf8)
            try "0x\(String(entry.address + entry.size - 1, radix: 16))\n".write(toFile: entryDirectory + "/end", atomically: true, encoding: .utf8)
            try "System RAM\n".write(toFile: entryDirectory + "/type", atomically: true, encoding: .utf8)
        }
        try FileManager.default.createDirectory(atPath: directory + "/proc", withIntermediateDirectories: true)
        try "MemTotal: 66000 kB\nMemFree: \(availableKiB) kB\nMemAvailable: \(availableKiB) kB\n"
            .write(toFile: directory + "/proc/meminfo", atomically: true, encoding: .utf8)

        let header = ImageHeader(
            imageID: ImageID(bytes: [UInt8](repeating: 7, count: 16)), kind: .hibernation, createdAt: 1,
            systemKernel: SystemKernelIdentity(osRelease: "6.12.117", vmcoreinfo: Array("OSRELEASE=6.12.117\n".utf8)),
            reentryPoint: 0x5000_00f2, hibernationRegion: HibernationRegion(mainBlockBytes: 64 << 20),
            firmwareMemoryMap: firmware, resumeCommandLine: "kjump.role=resume", notes: notes)
        let path = directory + "/image"
        let sink = try FileImageSink(path: path)
        let writer = try ImageWriter(header: header, sink: sink, options: .init(workers: 0), sealing: sealing)
        let page = [UInt8](repeating: 0x5a, count: 4096)
        try page.withUnsafeBytes { try writer.append(address: Self.pageAddress, pages: $0) }
        try writer.finish(committedAt: 2)
        // A sparse file as large as the firmware's RAM stands in for /dev/mem.
        guard truncate(directory + "/mem", 0x4000_0000) == 0 || FileManager.default.createFile(atPath: directory + "/mem", contents: nil),
              truncate(directory + "/mem", 0x4000_0000) == 0 else { throw KJumpLinuxError.malformed(path: directory + "/mem", reason: "cannot size it") }
        return (path, directory)
    }

    /// One resume of a fresh image (`setUp` with `sealing` and `notes`) by a
    /// restorer that `configure` adjusts: what it threw, and the image's state after.
    func restoreOnce(sealing: HibernationKey? = nil, notes: [ImageNote] = [],
                     _ configure: (inout ImageRestorer) -> Void) throws -> (error: (any Error)?, state: ImageState) {
        let (image, root) = try setUp(availableKiB: 60_000, sealing: sealing, notes: notes)
        defer { try? FileManager.default.removeItem(atPath: root) }
        var restorer = ImageRestorer(target: ResumeTarget(device: image))
        restorer.systemRoot = root
        restorer.memoryDevice = root + "/mem"   // past every check the page is placed and the image consumed
        configure(&restorer)
        var thrown: (any Error)?
        do { _ = try restorer.restore() } catch { thrown = error }
        return (thrown, try ImageReader.probe(FileByteSource(path: image)).state.state)
    }

    @Test func tooLittleMemoryRefusesAndLeavesTheImageUnused() throws {
        let (image, root) = try setUp(availableKiB: 12_000)
        defer { try? FileManager.default.removeItem(atPath: root) }
        var restorer = ImageRestorer(target: ResumeTarget(device: image))
        restorer.systemRoot = root
        restorer.memoryDevice = root + "/no-mem-device"   // never reached
        #expect {
            try restorer.restore()
        } throws: { error in
            guard case let HibernationError.notEnoughMemory(available, needed) = error else { return false }
            return available == 12_000 * 1024 && needed > available
                && "\(error)".contains("the image was left unused")
        }
        #expect(try ImageReader.probe(FileByteSource(path: image)).state.state == .committed)
    }

    @Test func enoughMemoryGoesOnToConsumeTheImage() throws {
        let (image, root) = try setUp(availableKiB: 60_000)
        defer { try? FileManager.default.removeItem(atPath: root) }
        var restorer = ImageRestorer(target: ResumeTarget(device: image))
        restorer.systemRoot = root
        restorer.memoryDevice = root + "/mem"
        // Past the memory check the page is placed, then the image is consumed.
        let result = try restorer.restore()
        #expect(result.summary.dataPages == 1)
        #expect(try ImageReader.probe(FileByteSource(path: image)).state.state == .consumed)
        let placed = try FileByteSource(path: root + "/mem").read(at: Self.pageAddress, count: 4096)
        #expect(placed == [UInt8](repeating: 0x5a, count: 4096))
    }
}

/// At resume, nothing that cannot be verified is resumed, and a refusal
/// before the first page leaves the image as it was (not consumed).
@Suite struct ImageRestorerSealingTests {
    static let keys = try! SealingKeyGeneration.generate(passphrase: nil)
    static var unwrapper: ResumeKeyUnwrapper { ResumeKeyUnwrapper(key: try! keys.1.open()) }

    func restore(sealed: Bool, unwrapper: (any ImageKeyUnwrapper)?,
                 armedFor: ImageID? = nil) throws -> (error: (any Error)?, state: ImageState) {
        try ImageRestorerMemoryTests().restoreOnce(sealing: sealed ? Self.keys.0 : nil) {
            $0.unwrapper = unwrapper
            $0.expectedImageID = armedFor
        }
    }

    @Test func aSealedImageWithItsKeyGoesOnToConsume() throws {
        let (error, state) = try restore(sealed: true, unwrapper: Self.unwrapper)
        #expect(error == nil)
        #expect(state == .consumed)
    }

    @Test func aSealedImageWithoutAKeyIsRefusedAndLeftUnused() throws {
        let (error, state) = try restore(sealed: true, unwrapper: nil)
        #expect(error as? SealingError == .keyNeeded)
        #expect(state == .committed)
    }

    @Test func anotherMachinesKeyIsRefusedAndTheImageLeftUnused() throws {
        let other = try SealingKeyGeneration.generate(passphrase: nil).1
        let (error, state) = try restore(sealed: true, unwrapper: ResumeKeyUnwrapper(key: try other.open()))
        #expect(error as? SealingError == .wrongKey(imageKey: Self.keys.1.id, givenKey: other.id))
        #expect(state == .committed)
    }

    /// The boot entry names the image it was armed for; an older valid image put back is refused.
    @Test func onlyTheImageTheBootWasArmedForResumes() throws {
        let imageID = ImageID(bytes: [UInt8](repeating: 7, count: 16))   // setUp's image
        let older = ImageID(bytes: [UInt8](repeating: 9, count: 16))
        let (error, state) = try restore(sealed: true, unwrapper: Self.unwrapper, armedFor: older)
        guard case let HibernationError.notArmedImage(found, armed)? = error as? HibernationError else {
            Issue.record("expected notArmedImage, got \(String(describing: error))")
            return
        }
        #expect(found == imageID && armed == older)
        #expect("\(error!)".contains("an older image was put back"))
        #expect(state == .committed)
        let (armedError, armedState) = try restore(sealed: true, unwrapper: Self.unwrapper, armedFor: imageID)
        #expect(armedError == nil)
        #expect(armedState == .consumed)
    }

    /// A frame that fails while pages are being placed stops the resume
    /// before the jump and marks nothing: the image stays committed.
    @Test func aFrameThatFailsWhilePlacingMarksNothing() throws {
        let (image, root) = try ImageRestorerMemoryTests().setUp(availableKiB: 60_000, sealing: Self.keys.0)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let frame = try ImageReader(source: FileByteSource(path: image), unwrapper: Self.unwrapper).frames[0]
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: image))
        try handle.seek(toOffset: frame.fileOffset + UInt64(frame.storedSize) - 1)   // the frame's last byte (its tag)
        let byte = try handle.read(upToCount: 1)![0]
        try handle.seek(toOffset: frame.fileOffset + UInt64(frame.storedSize) - 1)
        try handle.write(contentsOf: [byte ^ 0x01])
        try handle.close()
        var restorer = ImageRestorer(target: ResumeTarget(device: image), unwrapper: Self.unwrapper)
        restorer.systemRoot = root
        restorer.memoryDevice = root + "/mem"
        #expect(throws: (any Error).self) { try restorer.restore() }
        #expect(try ImageReader.probe(FileByteSource(path: image)).state.state == .committed)
    }

    @Test func withAKeyAnUnsealedImageIsRefusedAndLeftUnused() throws {
        let (error, state) = try restore(sealed: false, unwrapper: Self.unwrapper)
        #expect(error as? SealingError == .notSealed)
        #expect(state == .committed)
    }
}

/// The boot entry says which system kernel and command line it would boot
/// now; an image made by another is refused and left unused.
@Suite struct ImageRestorerSystemIdentityTests {
    static let hibernated = SystemBootIdentity(kernelImage: Array("kernel 6.12.117 build 1".utf8),
                                               commandLine: "BOOT_IMAGE=/boot/vmlinuz root=/dev/vda ro quiet")

    func restore(recorded: SystemBootIdentity?, entry: SystemBootIdentity.Expected) throws -> (error: (any Error)?, state: ImageState) {
        let notes = (recorded?.noteFields ?? [:]).sorted { $0.key < $1.key }.map { ImageNote(key: $0.key, value: $0.value) }
        return try ImageRestorerMemoryTests().restoreOnce(notes: notes) { $0.expectedSystem = entry }
    }

    /// The entry's words, as H reads them from its command line.
    static func entry(_ identity: SystemBootIdentity) -> SystemBootIdentity.Expected {
        SystemBootIdentity.Expected(commandLine: KernelCommandLine(parsing: "quiet " + identity.resumeCommandLineWords.joined(separator: " ")))
    }

    @Test func theSameKernelAndCommandLineGoOnToConsume() throws {
        // The entry's command line lacks GRUB's BOOT_IMAGE= and spaces differ: the same words.
        let entry = SystemBootIdentity(kernelImage: Array("kernel 6.12.117 build 1".utf8), commandLine: "root=/dev/vda  ro quiet")
        let (error, state) = try restore(recorded: Self.hibernated, entry: Self.entry(entry))
        #expect(error == nil)
        #expect(state == .consumed)
    }

    @Test func aNewKernelIsRefusedAndTheImageLeftUnused() throws {
        let upgraded = SystemBootIdentity(kernelImage: Array("kernel 6.12.118 build 1".utf8), commandLine: "root=/dev/vda ro quiet")
        let (error, state) = try restore(recorded: Self.hibernated, entry: Self.entry(upgraded))
        guard case .systemChanged(let reason)? = error as? HibernationError else {
            Issue.record("expected systemChanged, got \(String(describing: error))")
            return
        }
        #expect(reason.hasPrefix("the system kernel changed since hibernation"))
        #expect("\(error!)".hasSuffix("Boot the normal system; the image stays unused"))
        #expect(state == .committed)
    }

    @Test func aChangedCommandLineIsRefusedAndTheImageLeftUnused() throws {
        let edited = SystemBootIdentity(kernelImage: Array("kernel 6.12.117 build 1".utf8), commandLine: "root=/dev/vda ro quiet mitigations=off")
        let (error, state) = try restore(recorded: Self.hibernated, entry: Self.entry(edited))
        guard case .systemChanged(let reason)? = error as? HibernationError else {
            Issue.record("expected systemChanged, got \(String(describing: error))")
            return
        }
        #expect(reason.hasPrefix("the system kernel's command line changed since hibernation"))
        #expect(state == .committed)
    }

    @Test func anImageThatRecordsNoSystemIsRefusedWhenTheEntryNamesOne() throws {
        let (error, state) = try restore(recorded: nil, entry: Self.entry(Self.hibernated))
        guard case .systemChanged? = error as? HibernationError else {
            Issue.record("expected systemChanged, got \(String(describing: error))")
            return
        }
        #expect(state == .committed)
    }

    @Test func anEntryThatNamesNothingChecksNothing() throws {
        let (error, state) = try restore(recorded: Self.hibernated, entry: .init(kernelDigest: nil, commandLineDigest: nil))
        #expect(error == nil)
        #expect(state == .consumed)
    }

    @Test func theKernelImageIsHashedInPieces() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kjump-kernel-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let bytes = (0..<(3 << 20) + 5).map { UInt8(truncatingIfNeeded: $0 &* 31) }   // more than one 1 MiB read
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(try SystemBootIdentity.kernelDigest(path: path) == SystemBootIdentity(kernelImage: bytes, commandLine: "").kernelDigest)
        #expect(throws: KJumpLinuxError.self) { try SystemBootIdentity.kernelDigest(path: path + ".absent") }
        #expect(try SystemBootIdentity.bootEntry(kernelPath: path, commandLine: "ro").resumeCommandLineWords.count == 2)
    }
}

@Suite struct HibernationErrorTextTests {
    @Test func anImageThatWouldNotResumeNamesTheRegionThatWouldHoldIt() {
        let error = HibernationError.wouldNotResume(availableBytes: 30 << 20, neededBytes: 150 << 20, regionBytes: 129 << 20)
        #expect(error.description == "this image could not be resumed: restoring it needs 150 MiB in the hibernation kernel, which has 30 MiB, so it was not committed and the system keeps running. Hibernate again with a larger H region: kjump hibernate --region-mib 265")
    }
}

@Suite struct HibernationNotSavedTextTests {
    @Test func theReasonFromTheHibernationKernelIsRepeated() {
        #expect(HibernationError.notSaved(reason: "cannot write /dev/vdc: No space left on device").description
                    == "the hibernation kernel could not save the image: cannot write /dev/vdc: No space left on device. It jumped back: the system kept running and nothing was lost")
    }
}
