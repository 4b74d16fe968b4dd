import Foundation
import Testing
@testable import KJumpCore

/// The real setup of the lab's system kernel (6.12.117): 31 setup sectors plus
/// the first 4 KiB of its protected-mode kernel. See Fixtures/README.md.
private func realHead() throws -> [UInt8] { try fixtureBytes("bzImage-6.12-head") }

/// `bytes` with the little-endian `value` written at `offset`.
private func patched<Value: FixedWidthInteger>(_ bytes: [UInt8], _ offset: Int, _ value: Value) -> [UInt8] {
    var bytes = bytes
    bytes.storeLittleEndian(value, at: offset)
    return bytes
}

/// The error parsing `bytes` as a setup header throws, or nil.
private func headerError(_ bytes: [UInt8]) -> BootProtocolError? {
    do { _ = try BzImageHeader(parsing: bytes) } catch { return error }
    return nil
}

/// The error parsing `bytes` as a whole bzImage throws, or nil.
private func imageError(_ bytes: [UInt8]) -> BootProtocolError? {
    do { _ = try BzImage(parsing: bytes) } catch { return error }
    return nil
}

@Suite struct BzImageTests {
    @Test func parsesTheRealSetupHeader() throws {
        let header = try BzImage.parseHeader(try realHead())
        #expect(header.protocolVersion == 0x020f)
        #expect(header.protocolVersionText == "2.15")
        #expect(header.setupSectors == 31)
        #expect(header.payloadOffset == 0x4000)
        #expect(header.protectedModeKernelSize == 0x33b400)
        #expect(header.loadFlags == 0x01)
        #expect(header.isLoadedHigh)
        #expect(header.extendedLoadFlags == 0x23)
        #expect(header.supports64BitEntry)
        #expect(header.canBeLoadedAbove4G)
        #expect(header.kernelAlignment == 0x20_0000)
        #expect(header.isRelocatable)
        #expect(header.preferredAddress == 0x100_0000)
        #expect(header.initSize == 0xf1_f000)
        #expect(header.commandLineSizeLimit == 2047)
        #expect(header.kernelVersionString == "6.12.117 (root@vm) #1 SMP Thu Nov 26 23:47:57 UTC 2026")
    }

    @Test func setupHeaderSpansTheLengthTheJumpGives() throws {
        let bytes = try realHead()
        let header = try BzImageHeader(parsing: bytes)
        // The jump at 0x200 is `eb 6a`: the header ends at 0x202 + 0x6a = 0x26c.
        #expect(bytes[0x200] == 0xeb && bytes[0x201] == 0x6a)
        #expect(header.setupHeader.startIndex == 0x1f1)
        #expect(header.setupHeader.endIndex == 0x26c)
        #expect(Array(header.setupHeader) == Array(bytes[0x1f1..<0x26c]))
    }

    @Test func headerNeedsOnlyTheSetupPart() throws {
        let setupOnly = Array(try realHead().prefix(0x4000))
        #expect(try BzImageHeader(parsing: setupOnly).initSize == 0xf1_f000)
        #expect(headerError(Array(setupOnly.dropLast()))
            == .truncatedSetup(fileLength: 0x3fff, setupEnd: 0x4000))
    }

    @Test func realPrefixIsATruncatedImage() throws {
        let error = imageError(try realHead())
        #expect(error == .truncatedPayload(fileLength: 20480, payloadEnd: 3_404_800))
        #expect(error?.description == "the file ends at byte 20480, but syssize at offset 0x1f4 says "
            + "the protected-mode kernel ends at byte 3404800: the bzImage is truncated")
    }

    @Test func completeImageExposesItsProtectedModeKernel() throws {
        // Make the real prefix whole: syssize 0x100 paragraphs = the 4 KiB present.
        let bytes = patched(try realHead(), 0x1f4, UInt32(0x100))
        let image = try BzImage(parsing: bytes)
        #expect(image.protectedModeKernel.startIndex == 0x4000)
        #expect(image.protectedModeKernel.count == 4096)
        #expect(Array(image.protectedModeKernel) == Array(bytes[0x4000...]))
        #expect(image.initSize == 0xf1_f000)
        #expect(image.payloadOffset == 0x4000)
        #expect(image.loadMemorySize == 0xf1_f000)
        #expect(BzImage.entryPoint64Offset == 0x200)
        // The protected-mode kernel runs to the end of the file, even past syssize.
        let longer = try BzImage(parsing: bytes + [1, 2, 3])
        #expect(longer.protectedModeKernel.count == 4099)
    }

    @Test func zeroSetupSectorsMeansFour() throws {
        var bytes = try realHead()
        bytes[0x1f1] = 0
        bytes.storeLittleEndian(UInt32(0x100), at: 0x1f4)
        let image = try BzImage(parsing: Array(bytes.prefix(5 * 512 + 4096)))
        #expect(image.setupSectors == 4)
        #expect(image.payloadOffset == 0xa00)
        #expect(image.protectedModeKernel.count == 4096)
        // The version string (at 0x38a0) now lies beyond the setup: not read.
        #expect(image.kernelVersionString == nil)
    }

    @Test func noVersionStringWhenThePointerIsZero() throws {
        let header = try BzImageHeader(parsing: patched(try realHead(), 0x20e, UInt16(0)))
        #expect(header.kernelVersionString == nil)
    }

    @Test func rejectsAFileEndingBeforeTheHeader() throws {
        let error = imageError(Array(try realHead().prefix(300)))
        #expect(error == .truncatedHeader(fileLength: 300, needed: 1024))
        #expect(error?.description == "the file ends at byte 300, but a bzImage setup header needs 1024 bytes")
        #expect(headerError([])
            == .truncatedHeader(fileLength: 0, needed: 1024))
    }

    @Test func rejectsABadBootFlag() throws {
        let error = headerError(patched(try realHead(), 0x1fe, UInt16(0x1234)))
        #expect(error == .badBootFlag(found: 0x1234))
        #expect(error?.description == "no boot flag 0xaa55 at offset 0x1fe (found 0x1234): this is not a Linux boot image")
    }

    @Test func rejectsMissingHeaderMagic() throws {
        let error = headerError(patched(try realHead(), 0x202, UInt32(0)))
        #expect(error == .missingHeaderMagic(found: 0))
        #expect(error?.description == "no \"HdrS\" magic at offset 0x202 (found 0x00000000): this is not a Linux bzImage")
        // Any other file, e.g. a zero-filled one, fails at the boot flag first.
        #expect(headerError([UInt8](repeating: 0, count: 4096))
            == .badBootFlag(found: 0))
    }

    @Test func rejectsAnOldProtocol() throws {
        let error = headerError(patched(try realHead(), 0x206, UInt16(0x020a)))
        #expect(error == .protocolTooOld(version: 0x020a))
        #expect(error?.description == "boot protocol 2.10 is too old: kjump needs 2.12 or later (64-bit entry)")
        #expect(BootProtocolError.protocolTooOld(version: 0x0202).description.hasPrefix("boot protocol 2.02 "))
        #expect(try BzImageHeader(parsing: patched(try realHead(), 0x206, UInt16(0x020c))).protocolVersionText == "2.12")
    }

    @Test func rejectsAKernelWithout64BitEntry() throws {
        let error = headerError(patched(try realHead(), 0x236, UInt16(0x22)))
        #expect(error == .no64BitEntry(extendedLoadFlags: 0x22))
        #expect(error?.description
            == "the kernel has no 64-bit entry point: XLF_KERNEL_64 is clear in xloadflags 0x0022 at offset 0x236")
    }

    @Test func rejectsANonRelocatableKernel() throws {
        let error = headerError(patched(try realHead(), 0x234, UInt8(0)))
        #expect(error == .notRelocatable)
        #expect(error?.description == "the kernel is not relocatable (relocatable_kernel at offset 0x234 is 0), "
            + "but kjump loads it at an address of its own choosing")
    }

    @Test func rejectsAZeroInitSize() throws {
        let error = headerError(patched(try realHead(), 0x260, UInt32(0)))
        #expect(error == .zeroInitSize)
        #expect(error?.description == "init_size at offset 0x260 is 0: the kernel does not say how much memory it needs")
    }

    @Test func rejectsAnEmptyPayload() throws {
        let error = imageError(Array(patched(try realHead(), 0x1f4, UInt32(0)).prefix(0x4000)))
        #expect(error == .emptyPayload)
        #expect(error?.description == "syssize at offset 0x1f4 is 0: the bzImage has no protected-mode kernel")
    }

    @Test func rejectsATruncatedPayload() throws {
        // syssize says 0x101 paragraphs, 16 bytes more than the 4 KiB present.
        let error = imageError(patched(try realHead(), 0x1f4, UInt32(0x101)))
        #expect(error == .truncatedPayload(fileLength: 20480, payloadEnd: 20496))
        #expect(error?.description == "the file ends at byte 20480, but syssize at offset 0x1f4 says "
            + "the protected-mode kernel ends at byte 20496: the bzImage is truncated")
    }

    @Test func rejectsATruncatedSetup() throws {
        let error = imageError(Array(try realHead().prefix(8192)))
        #expect(error == .truncatedSetup(fileLength: 8192, setupEnd: 16384))
        #expect(error?.description == "the file ends at byte 8192, but setup_sects at offset 0x1f1 says "
            + "the real-mode setup ends at byte 16384")
    }

    @Test func rejectsASetupHeaderOfTheWrongLength() throws {
        var bytes = try realHead()
        bytes[0x201] = 0x50
        let short = headerError(bytes)
        #expect(short == .setupHeaderTooShort(end: 0x252))
        #expect(short?.description == "the setup header ends at offset 0x252 (0x202 + the byte at 0x201), "
            + "before the end of init_size at 0x264: it is too short for boot protocol 2.12")
        bytes[0x201] = 0x8f
        let long = headerError(bytes)
        #expect(long == .setupHeaderTooLong(end: 0x291))
        #expect(long?.description == "the setup header ends at offset 0x291 (0x202 + the byte at 0x201), "
            + "past 0x290 where boot_params holds other fields")
    }

    /// The lab's whole kernels, where this machine has built them (not in the repository: several MB).
    @Test(.enabled(if: !labKernelImages.isEmpty, "no lab kernels in /var/cache/kjump/kernels"))
    func parsesTheLabKernelsWhole() throws {
        for path in labKernelImages {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            let image = try BzImage(parsing: bytes)
            #expect(image.protocolVersion == 0x020f, "\(path)")
            #expect(image.protectedModeKernel.count == image.protectedModeKernelSize, "\(path)")
            #expect(image.loadMemorySize == UInt64(image.initSize), "\(path)")
            #expect(image.kernelVersionString?.hasPrefix("6.12.") == true, "\(path)")
        }
    }
}

/// `/var/cache/kjump/kernels/*/bzImage`, where present.
private let labKernelImages: [String] = {
    let directory = "/var/cache/kjump/kernels"
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    return names.sorted().map { directory + "/" + $0 + "/bzImage" }
        .filter { FileManager.default.fileExists(atPath: $0) }
}()
