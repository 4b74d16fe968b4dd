import CZlib
import Foundation
import KJumpCore
import Testing
@testable import KJumpLinux

/// The lab's real vmcore (lab/vmcore makes it; it is not committed).
private let vmcorePath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("lab/out/vmcore/vmcore.elf").path
private let makedumpfile = ["/usr/sbin/makedumpfile", "/usr/bin/makedumpfile", "/sbin/makedumpfile"]
    .first(where: FileManager.default.fileExists)

/// `kjump export --kdump` through files: the zlib codec, and a real vmcore
/// that makedumpfile then reads and refilters.
@Suite struct KdumpExportTests {
    /// A scratch directory, removed by the caller.
    private func scratch() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kjump-kdump-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// The page of `file` at `pfn`, found through the second bitmap and decoded with zlib.
    private func page(_ file: [UInt8], header: KdumpCompressedHeader, pfn: UInt64) throws -> [UInt8]? {
        let start = Int(header.bitmapOffset + header.bitmapBytes)
        let bitmap = KdumpPageBitmap(decoding: Array(file[start..<start + Int(header.bitmapBytes)]))
        guard bitmap.contains(pfn) else { return nil }
        let index = bitmap.ranges.prefix { $0.upperBound <= pfn }.reduce(0) { $0 + $1.count }
            + Int(pfn - bitmap.ranges.first { $0.contains(pfn) }!.lowerBound)
        let descriptor = KdumpPageDescriptor(decoding: file, at: Int(header.descriptorsOffset) + 24 * index)
        let stored = Array(file[Int(descriptor.offset)..<Int(descriptor.offset) + Int(descriptor.size)])
        guard descriptor.flags == .zlib else { return stored }
        var page = [UInt8](repeating: 0, count: header.blockSize)
        var length = uLongf(page.count)
        let status = page.withUnsafeMutableBufferPointer { out in
            stored.withUnsafeBufferPointer { uncompress(out.baseAddress, &length, $0.baseAddress, uLong(stored.count)) }
        }
        #expect(status == Z_OK && length == uLongf(header.blockSize), "zlib cannot decode pfn \(pfn)")
        return page
    }

    @Test func zlibPagesDecodeWithUncompress() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = (0..<4096).map { UInt8(ascii: "a") + UInt8($0 % 7) }
        var random = SystemRandom.bytes(4096)
        random[0] = 1
        let runs: [(UInt64, [UInt8])] = [(0x1000, text + random), (0x5000, [UInt8](repeating: 0, count: 4096))]
        let sink = ArrayImageSink()
        let header = ImageHeader(imageID: ImageID(bytes: SystemRandom.bytes(16)), kind: .crash, createdAt: 1_700_000_000,
                                 systemKernel: SystemKernelIdentity(osRelease: "6.12.117", vmcoreinfo: []), reentryPoint: 0,
                                 hibernationRegion: HibernationRegion(ranges: []), firmwareMemoryMap: [], resumeCommandLine: "")
        let writer = try ImageWriter(header: header, sink: sink)
        for (address, bytes) in runs { try writer.append(address: address, pages: bytes) }
        try writer.finish(committedAt: 1_700_000_001)
        let image = directory.appendingPathComponent("small.kjimg").path
        try Data(sink.bytes).write(to: URL(fileURLWithPath: image))
        let output = directory.appendingPathComponent("small.kdump").path

        let result = try KdumpExporter(image: image, output: output, compression: .zlib).run()
        #expect(result.summary.compressedPages == 1 && result.summary.rawPages == 1 && result.summary.zeroPages == 1)
        #expect(result.header.status == .zlib)
        let file = [UInt8](try Data(contentsOf: URL(fileURLWithPath: output)))
        #expect(UInt64(file.count) == result.summary.fileSize)
        #expect(try page(file, header: result.header, pfn: 1) == text)
        #expect(try page(file, header: result.header, pfn: 2) == random)
        #expect(try page(file, header: result.header, pfn: 5) == [UInt8](repeating: 0, count: 4096))
        #expect(try page(file, header: result.header, pfn: 3) == nil)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: vmcorePath), "needs lab/out/vmcore/vmcore.elf (run lab/vmcore)"))
    func realVmcoreExportsForMakedumpfile() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let image = directory.appendingPathComponent("dump.kjimg").path
        let kdump = directory.appendingPathComponent("dump.kdump").path
        _ = try VmcoreSaver(source: vmcorePath, destination: image, level: .crashDefault, compression: .lz4, kind: .crash).run()
        let result = try KdumpExporter(image: image, output: kdump, compression: .zlib).run()
        #expect(result.header.vmcoreinfoSize > 0)

        // Every dumped page equals the vmcore's.
        let file = [UInt8](try Data(contentsOf: URL(fileURLWithPath: kdump)))
        let source = try FileByteSource(path: vmcorePath)
        let original = ElfCoreMemory(core: try ElfCoreFile(parsing: source), source: source)
        let start = Int(result.header.bitmapOffset + result.header.bitmapBytes)
        let dumped = KdumpPageBitmap(decoding: Array(file[start..<start + Int(result.header.bitmapBytes)]))
        #expect(dumped.pageCount == result.summary.dumpedPages)
        for range in dumped.ranges {
            for pfn in Swift.stride(from: range.lowerBound, to: range.upperBound, by: 7) {
                #expect(try page(file, header: result.header, pfn: pfn) == original.read(physicalAddress: pfn * 4096, count: 4096))
            }
        }

        // makedumpfile reads the log and refilters the file.
        guard let makedumpfile else { return }
        for arguments in [["--dump-dmesg", kdump, directory.appendingPathComponent("dmesg.txt").path],
                          ["-d", "31", "-c", kdump, directory.appendingPathComponent("refiltered.kdump").path]] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: makedumpfile)
            process.arguments = arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "makedumpfile \(arguments.joined(separator: " ")) failed")
        }
        let log = try String(contentsOfFile: directory.appendingPathComponent("dmesg.txt").path, encoding: .utf8)
        #expect(log.contains("Linux version"))
    }
}
