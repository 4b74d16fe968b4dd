import Foundation
import KJumpCore
import Testing
@testable import KJumpLinux

/// The writer's windowing, bounds and errors, on a regular file standing in for /dev/mem.
@Suite struct PhysicalMemoryWriterTests {
    func makeFile(bytes: Int) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kjump-devmem-\(UUID().uuidString)").path
        _ = FileManager.default.createFile(atPath: path, contents: Data(repeating: 0xee, count: bytes))
        return path
    }

    @Test func writesAcrossWindowsInsideAllowedRangesOnly() throws {
        let path = try makeFile(bytes: 1 << 20)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let allowed = [PhysicalRange(start: 0x1000, end: 0x40000), PhysicalRange(start: 0x80000, end: 0x100000)]
        let writer = try PhysicalMemoryWriter(path: path, allowed: allowed, windowBytes: 0x10000)
        let data = (0..<0x30000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try data.withUnsafeBytes { try writer.write($0, at: 0x2000) }     // spans three windows
        try writer.zero(at: 0x90000, count: 0x2000)
        #expect(try writer.read(at: 0x2000, count: data.count) == data)
        #expect(throws: KJumpLinuxError.outsideAllowedMemory(address: 0x40000)) {
            try data.withUnsafeBytes { try writer.write($0, at: 0x3f000) }  // runs past the first range
        }
        #expect(try writer.read(at: 0x3f000, count: 1) == [0xee])  // refused before writing anything
        #expect(throws: KJumpLinuxError.outsideAllowedMemory(address: 0x50000)) { try writer.zero(at: 0x50000, count: 1) }
        try writer.finish()
        let file = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(Array(file[0x2000..<0x32000]) == data)
        #expect(file[0x1fff] == 0xee && file[0x32000] == 0xee)
        #expect(file[0x90000..<0x92000].allSatisfy { $0 == 0 })
        #expect(file[0x92000] == 0xee)
    }
}
