/// Random-access bytes: a file, a device, or an array in tests.
///
/// `read(at:count:)` returns exactly `count` bytes or throws; a read that
/// would go past `size` is an error, never a short result.
public protocol ByteSource {
    /// Number of readable bytes.
    var size: UInt64 { get }
    /// The `count` bytes starting at byte `offset`.
    func read(at offset: UInt64, count: Int) throws -> [UInt8]
    /// Calls `body` with the `count` bytes starting at byte `offset`. A source
    /// that holds its bytes (a file mapping) passes them without copying; the
    /// pointer is valid only during the call.
    func withBytes<Result>(at offset: UInt64, count: Int, _ body: (UnsafeRawBufferPointer) throws -> Result) throws -> Result
    /// The same bytes as `read(at:count:)`, as a slice whose storage may
    /// begin before it: a source that reads with `O_DIRECT` reads straight
    /// into an aligned place of the slice's array instead of copying from a
    /// bounce buffer.
    func readSlice(at offset: UInt64, count: Int) throws -> ArraySlice<UInt8>
}

extension ByteSource {
    /// `read(at:count:)` as a slice.
    public func readSlice(at offset: UInt64, count: Int) throws -> ArraySlice<UInt8> {
        try read(at: offset, count: count)[...]
    }

    /// Reads the bytes, then calls `body` with them.
    public func withBytes<Result>(at offset: UInt64, count: Int, _ body: (UnsafeRawBufferPointer) throws -> Result) throws -> Result {
        try read(at: offset, count: count).withUnsafeBytes(body)
    }
}

/// Why a `ByteSource` could not serve a read.
public enum ByteSourceError: Error, Equatable, CustomStringConvertible {
    /// The bytes `[offset, offset + count)` are not all inside a source of `size` bytes.
    case outOfBounds(offset: UInt64, count: Int, size: UInt64)

    public var description: String {
        switch self {
        case let .outOfBounds(offset, count, size):
            "cannot read \(count) bytes at byte \(offset): the source holds only \(size) bytes"
        }
    }
}

/// A `ByteSource` over bytes held in memory.
public struct ArrayByteSource: ByteSource, Sendable, Equatable {
    public var bytes: [UInt8]

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    public var size: UInt64 { UInt64(bytes.count) }

    public func read(at offset: UInt64, count: Int) throws -> [UInt8] {
        guard count >= 0, offset <= size, UInt64(count) <= size - offset else {
            throw ByteSourceError.outOfBounds(offset: offset, count: count, size: size)
        }
        let start = Int(offset)
        return Array(bytes[start..<start + count])
    }
}
