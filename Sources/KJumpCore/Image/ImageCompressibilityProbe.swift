/// Decides, from a sample of every page, whether a frame is worth
/// compressing at all.
///
/// lz4 and zstd give up on incompressible input only when their output
/// reaches the limit, which for random or already compressed pages is near
/// the end of the frame: the whole frame is run through the compressor to
/// store it raw after all (lz4 at 184 MB/s under QEMU without KVM, against
/// 2.5 GB/s for the copy that stores it). A hibernation image is about half
/// such pages in the lab, and often a good part on real machines
/// (compressed files in the page cache, encrypted memory).
///
/// The probe compresses the first `sampleBytesPerPage` bytes of every page,
/// gathered into one buffer, and asks of them the 1/32 saving the frame
/// needs. Every page is sampled, so a frame whose compressible pages save
/// enough is not mistaken for random data unless those pages begin with
/// incompressible bytes.
public enum ImageCompressibilityProbe {
    public static let sampleBytesPerPage = 256

    /// True if the pages' samples compress by at least 1/32 with
    /// `compression`. `scratch` must hold at least twice the sample.
    static func samplesCompress(_ pages: UnsafeRawBufferPointer, pageSize: Int, scratch: UnsafeMutableRawBufferPointer,
                                codec: ImageFrameCodec, compression: ImageCompression, level: Int32) throws -> Bool {
        let each = min(sampleBytesPerPage, pageSize)
        let pageCount = pages.count / pageSize
        let sampleSize = pageCount * each
        guard sampleSize > 0, scratch.count >= 2 * sampleSize else { return true }
        for page in 0..<pageCount {
            (scratch.baseAddress! + page * each).copyMemory(from: pages.baseAddress! + page * pageSize, byteCount: each)
        }
        let sample = UnsafeRawBufferPointer(rebasing: scratch[0..<sampleSize])
        let output = UnsafeMutableRawBufferPointer(rebasing: scratch[sampleSize..<2 * sampleSize - sampleSize / 32])
        return try codec.compress(sample, into: output, codec: compression, level: level) != nil
    }
}
