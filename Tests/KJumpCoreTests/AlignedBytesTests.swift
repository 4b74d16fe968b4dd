import KJumpCore
import Testing

@Suite struct AlignedBytesTests {
    @Test func isAlignedAndCopiesMovesAndZeroes() {
        let buffer = AlignedBytes(count: 8192)
        #expect(UInt(bitPattern: buffer.bytes.baseAddress!) % 4096 == 0)
        #expect(buffer.count == 8192)
        let source: [UInt8] = Array(1...10)
        source.withUnsafeBytes { buffer.copy(from: $0, to: 100) }
        #expect(Array(buffer.readable(100..<110)) == source)
        // Overlapping move, as the writer keeps a chunk's tail.
        buffer.move(100..<110, to: 105)
        #expect(Array(buffer.readable(105..<115)) == source)
        buffer.zero(100..<112)
        #expect(Array(buffer.readable(100..<115)) == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 9, 10])
        #expect(AlignedBytes(count: 0).count == 1)
        #expect(UInt(bitPattern: AlignedBytes(count: 100, alignment: 64).bytes.baseAddress!) % 64 == 0)
    }
}
