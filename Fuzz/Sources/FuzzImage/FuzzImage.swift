// Fuzzes the kjump image reader over an in-memory image (ArrayByteSource):
// ImageReader.probe, then ImageReader(source:options:), checkResumable,
// verify and forEachRun, twice: with the index loaded (as `kjump inspect`
// and `export` read) and a few entries at a time in small reads (as the
// restorer in the hibernation kernel reads). Both must agree.
//
// Nearly every structure of an image carries an XXH3 checksum, which a
// random mutation breaks; the custom mutator below therefore reseals most
// mutants (ImageReseal) so that the fuzzer also gets past the checksums.
// Seeds: the image fixtures of Tests/KJumpCoreTests/Fixtures.
import CLibFuzzer
import KJumpCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzImage(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let source = ArrayByteSource(Array(UnsafeBufferPointer(start: data, count: size)))
    _ = try? ImageReader.probe(source)
    let loaded = read(source, ImageReader.Options(workers: 0))
    let windowed = read(source, ImageReader.Options(workers: 0, readChunkBytes: 4096, indexInMemory: false,
                                                    indexWindowEntries: 3))
    if loaded != windowed {
        fatalError("the image reads as \(String(describing: loaded)) with its index loaded but as \(String(describing: windowed)) a window at a time")
    }
    return 0
}

/// What one reading of the image found: nil when it did not open, else
/// whether it verified and, when every run was read, their digest.
private struct Reading: Equatable {
    var verified: Bool
    var runs: UInt64?
}

private func read(_ source: ArrayByteSource, _ options: ImageReader.Options) -> Reading? {
    guard let reader = try? ImageReader(source: source, options: options) else { return nil }
    _ = try? reader.checkResumable()
    let verified = (try? reader.verify()) != nil
    let pageSize = reader.header.pageSize
    var digest: UInt64 = 0xcbf2_9ce4_8422_2325
    var next: UInt64 = 0
    do {
        try reader.forEachRun { run in
            if run.address < next || run.pageCount == 0 {
                fatalError("a run of \(run.pageCount) pages at \(run.address) after one that ended at \(next)")
            }
            next = run.address &+ run.pageCount &* UInt64(pageSize)
            if let bytes = run.bytes {
                if bytes.count != Int(run.pageCount) * pageSize { fatalError("\(bytes.count) bytes for \(run.pageCount) pages") }
                digest = (digest ^ ImageChecksum.xxh3(bytes)) &* 0x100_0000_01b3
            }
            for value in [run.address, run.pageCount, run.bytes == nil ? 0 : 1] {
                digest = (digest ^ value) &* 0x100_0000_01b3
            }
        }
    } catch {
        return Reading(verified: verified, runs: nil)
    }
    return Reading(verified: verified, runs: digest)
}

/// libFuzzer's mutation, then (for 7 mutants in 8) the checksums redone.
@_cdecl("LLVMFuzzerCustomMutator")
public func mutateImage(_ data: UnsafeMutablePointer<UInt8>?, _ size: Int, _ maxSize: Int, _ seed: UInt32) -> Int {
    guard let data else { return 0 }
    let newSize = LLVMFuzzerMutate(data, size, maxSize)
    if seed % 8 != 0 {
        let buffer = UnsafeMutableBufferPointer(start: data, count: newSize)
        var bytes = Array(buffer)
        ImageReseal.reseal(&bytes)
        _ = buffer.update(fromContentsOf: bytes)
    }
    return newSize
}
