import CZlib

/// gzip decompression through zlib, for `/proc/config.gz`.
public enum Gzip {
    /// Decompresses a whole gzip stream held in memory. `path` names the source in errors.
    public static func decompress(_ input: [UInt8], path: String) throws(KJumpLinuxError) -> [UInt8] {
        var stream = z_stream()
        // 15 window bits + 16: expect a gzip header, not a raw zlib one.
        guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .gzip(path: path, reason: "zlib could not start")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 256 << 10)
        var input = input
        var status: Int32 = Z_OK
        input.withUnsafeMutableBufferPointer { inputBuffer in
            stream.next_in = inputBuffer.baseAddress
            stream.avail_in = UInt32(inputBuffer.count)
            repeat {
                chunk.withUnsafeMutableBufferPointer { chunkBuffer in
                    stream.next_out = chunkBuffer.baseAddress
                    stream.avail_out = UInt32(chunkBuffer.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                }
                output += chunk[0..<(chunk.count - Int(stream.avail_out))]
            } while status == Z_OK
        }
        guard status == Z_STREAM_END else {
            let reason = status == Z_BUF_ERROR ? "the data ends early" : "the data is damaged (zlib status \(status))"
            throw .gzip(path: path, reason: reason)
        }
        return output
    }
}
