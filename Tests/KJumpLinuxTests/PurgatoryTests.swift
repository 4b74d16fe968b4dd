import KJumpCore
import Testing
@testable import KJumpLinux

/// The purgatory really is the assembled purgatory.S, extracted between its symbols.
@Suite struct PurgatoryTests {
    let code = PurgatoryCode.shipped

    @Test func fitsInOnePageAndStartsWithCliCld() {
        #expect(code.bytes.count > 64 && code.bytes.count <= 4096)
        #expect(Array(code.bytes.prefix(2)) == [0xfa, 0xfc])
    }

    @Test func parameterBlockIsTheLast24BytesAndEmpty() {
        #expect(code.parametersOffset % 8 == 0)
        #expect(code.parametersOffset + 24 == code.bytes.count)
        #expect(code.bytes[code.parametersOffset...].allSatisfy { $0 == 0 })
    }

    @Test func carriesTheFlatGDTAndTheHexDigits() {
        let codeDescriptor: [UInt8] = [0xff, 0xff, 0, 0, 0, 0x9a, 0xaf, 0]
        let dataDescriptor: [UInt8] = [0xff, 0xff, 0, 0, 0, 0x92, 0xcf, 0]
        #expect(contains(code.bytes, codeDescriptor))
        #expect(contains(code.bytes, dataDescriptor))
        #expect(contains(code.bytes, Array("0123456789abcdef".utf8)))
    }

    func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        (0...(haystack.count - needle.count)).contains { Array(haystack[$0..<$0 + needle.count]) == needle }
    }
}
