/// Why `KdumpCompressedWriter` refused pages or stopped.
public enum KdumpWriterError: Error, Equatable, CustomStringConvertible {
    /// A run's byte count is not a whole number of pages, or its address is not page-aligned.
    case partialPage(address: UInt64, byteCount: Int, pageSize: Int)
    /// A run is not the next pages of the second bitmap (out of order, overlapping, or never planned).
    case unplannedPages(address: UInt64, pageCount: UInt64, expected: UInt64?)
    /// `finish` was called before every planned page was written.
    case missingPages(written: UInt64, planned: UInt64, next: UInt64)
    /// A compression library failed for a reason other than incompressible data.
    case compression(String)
    /// An earlier call failed; the file is incomplete and the writer refuses more work.
    case failedEarlier(UnderlyingError)
    /// `finish` was already called.
    case finished

    public var description: String {
        switch self {
        case let .partialPage(address, count, pageSize):
            "the run at \(HexText.number(address)) of \(count) bytes is not whole, aligned \(pageSize)-byte pages"
        case let .unplannedPages(address, count, expected):
            "the \(count) pages at \(HexText.number(address)) are not the next pages the kdump layout planned"
                + (expected.map { " (the next planned page is at \(HexText.number($0)))" } ?? " (every planned page was already written)")
        case let .missingPages(written, planned, next):
            "the kdump file is unfinished: \(written) of \(planned) planned pages were written, the next one at \(HexText.number(next))"
        case .compression(let reason):
            "page compression failed: \(reason)"
        case .failedEarlier(let failure):
            "the kdump writer failed earlier (\(failure)) and refuses more work; the file is incomplete"
        case .finished:
            "the kdump file is already finished; nothing more can be added"
        }
    }
}
