/// A `PhysicalPageWriter` that writes nothing: `ImageReader.verify` runs
/// the restore, with every check a resume makes, and drops the pages.
final class DiscardingPageWriter: PhysicalPageWriter {
    func write(_ bytes: UnsafeRawBufferPointer, at physicalAddress: UInt64) throws {}
    func zero(at physicalAddress: UInt64, count: Int) throws {}
    func finish() throws {}
}
