/// Bytes addressed by physical address: the system kernel's RAM as some
/// reader (a core file, `/dev/mem`, a backup-page translation) presents it.
public protocol PhysicalMemory {
    /// The `count` bytes starting at `physicalAddress`; throws rather than
    /// returning fewer bytes.
    func read(physicalAddress: UInt64, count: Int) throws -> [UInt8]
    /// Calls `body` with the `count` bytes at `physicalAddress`; a reader
    /// over mapped memory passes them without copying. The pointer is valid
    /// only during the call.
    func withBytes<Result>(physicalAddress: UInt64, count: Int,
                           _ body: (UnsafeRawBufferPointer) throws -> Result) throws -> Result
}

extension PhysicalMemory {
    /// Reads the bytes, then calls `body` with them.
    public func withBytes<Result>(physicalAddress: UInt64, count: Int,
                                  _ body: (UnsafeRawBufferPointer) throws -> Result) throws -> Result {
        try read(physicalAddress: physicalAddress, count: count).withUnsafeBytes(body)
    }
}

/// Why a physical address could not be read.
public enum PhysicalMemoryError: Error, Equatable, CustomStringConvertible {
    /// No memory is recorded at this address (it is in no `PT_LOAD`, say).
    case notPresent(UInt64)
    /// The address lies in the H region, but no kexec backup page holds the
    /// system kernel's contents for it, so its contents are lost.
    case notBackedUp(UInt64)
    /// The read `[address, address + count)` wraps past the end of the
    /// 64-bit address space, or `count` is negative.
    case invalidRange(address: UInt64, count: Int)
    /// The byte source behind the memory returned fewer bytes than asked.
    case shortRead(address: UInt64, expected: Int, got: Int)
    /// No NUL byte within `maxLength` bytes of a C string starting at `address`.
    case unterminatedString(address: UInt64, maxLength: Int)

    public var description: String {
        switch self {
        case let .notPresent(address):
            "physical address \(HexText.number(address)) is not present in the system kernel's memory image"
        case let .notBackedUp(address):
            "physical address \(HexText.number(address)) lies in the H region but no kexec backup page holds the system kernel's contents for it"
        case let .invalidRange(address, count):
            "cannot read \(count) bytes at physical address \(HexText.number(address)): the range is not a valid span of the 64-bit address space"
        case let .shortRead(address, expected, got):
            "reading \(expected) bytes at physical address \(HexText.number(address)) returned only \(got) bytes"
        case let .unterminatedString(address, maxLength):
            "the string at physical address \(HexText.number(address)) has no terminating NUL within \(maxLength) bytes"
        }
    }
}

extension PhysicalMemory {
    /// The little-endian 64-bit word at `physicalAddress`.
    public func readUInt64LE(at physicalAddress: UInt64) throws -> UInt64 {
        let bytes = try read(physicalAddress: physicalAddress, count: 8)
        return LittleEndianBytes.load(UInt64.self, from: bytes, at: 0)
    }

    /// The little-endian 32-bit word at `physicalAddress`.
    public func readUInt32LE(at physicalAddress: UInt64) throws -> UInt32 {
        let bytes = try read(physicalAddress: physicalAddress, count: 4)
        return LittleEndianBytes.load(UInt32.self, from: bytes, at: 0)
    }

    /// The NUL-terminated string at `physicalAddress`, decoded as UTF-8
    /// (invalid sequences become U+FFFD). Reads page by page, so a string
    /// that ends just before an absent page still reads. Throws when no NUL
    /// appears within `maxLength` bytes.
    public func readCString(at physicalAddress: UInt64, maxLength: Int = 4096) throws -> String {
        var collected: [UInt8] = []
        var address = physicalAddress
        while collected.count < maxLength {
            let toPageEnd = 4096 - Int(address & 0xfff)
            let chunk = min(toPageEnd, maxLength - collected.count)
            let bytes = try read(physicalAddress: address, count: chunk)
            if let nul = bytes.firstIndex(of: 0) {
                collected += bytes[..<nul]
                return String(decoding: collected, as: UTF8.self)
            }
            collected += bytes
            let (next, overflow) = address.addingReportingOverflow(UInt64(chunk))
            if overflow { break }
            address = next
        }
        throw PhysicalMemoryError.unterminatedString(address: physicalAddress, maxLength: maxLength)
    }
}

/// The end of the read `[address, address + count)`; throws
/// `PhysicalMemoryError.invalidRange` when `count` is negative or the range wraps.
func checkedEnd(of address: UInt64, count: Int) throws -> UInt64 {
    let (end, overflow) = address.addingReportingOverflow(UInt64(max(count, 0)))
    guard count >= 0, !overflow else { throw PhysicalMemoryError.invalidRange(address: address, count: count) }
    return end
}


/// Little-endian integer access to byte arrays, for the ELF and kexec readers.
enum LittleEndianBytes {
    /// The `T` stored little-endian at `offset`; the caller checks the bounds.
    static func load<T: FixedWidthInteger>(_: T.Type, from bytes: [UInt8], at offset: Int) -> T {
        var value: T = 0
        for index in (0..<(T.bitWidth / 8)).reversed() {
            value = value << 8 | T(truncatingIfNeeded: bytes[offset + index])
        }
        return value
    }

    /// Appends `value` to `bytes`, little-endian, in `T.bitWidth / 8` bytes.
    static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        for index in 0..<(T.bitWidth / 8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> (8 * index)))
        }
    }
}
