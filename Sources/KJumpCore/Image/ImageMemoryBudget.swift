/// How many threads and frames in flight the image code may use inside the
/// hibernation kernel, whose whole RAM is the H region (the same size for
/// every system: `HibernationRegion.defaultMainBlockBytes`).
///
/// The reader and the writer hold about two frames' worth of memory per
/// frame in flight, plus their read or write chunk; with one thread per CPU
/// a large machine would ask for far more than R has (64 CPUs: about 400 MiB).
/// So H uses at most `maximumWorkers` threads (4 × lz4 outruns any disk), and
/// fewer when the memory available would not hold them. The restorer checks
/// this *before* it marks the image consumed: running out of memory after
/// that point would lose the hibernated system.
///
/// Nothing here grows with the image: the writer spills its index to the
/// target's end (`ImageIndexSpill`) and the restorer reads it a window at a
/// time (`ImageReader.Options.indexInMemory` off), so both need
/// `indexBytes` for it whatever the size of the system saved
/// (`BoundedMemoryTests` measures this with malloc's own statistics).
public struct ImageMemoryBudget: Sendable, Equatable {
    /// Threads used in H at most.
    public static let maximumWorkers = 4
    /// Room kept for everything else (stacks, the kernel's own allocations;
    /// the program itself sits in H's initramfs, already counted as used).
    public static let reserveBytes: UInt64 = 8 << 20
    /// The index's share: windows of both tables, checksum pieces, spill chunks.
    public static let indexBytes: UInt64 = 2 << 20

    /// Decompression or compression threads.
    public var workers: Int
    /// Frames in flight: 2 per worker.
    public var maxFramesInFlight: Int { 2 * max(workers, 1) }
    /// Bytes the reader needs with these workers.
    public var readerBytes: UInt64
    /// Bytes the writer needs with these workers.
    public var writerBytes: UInt64

    /// Bytes a reader needs: per frame in flight its decompressed pages and
    /// up to two frames' worth of the read chunks it keeps alive (a chunk
    /// lives until the last of its frames is taken), plus the chunk being
    /// read, its bounce buffer and the index windows.
    public static func readerBytes(workers: Int, frameInputBytes: Int, readChunkBytes: Int) -> UInt64 {
        let inFlight = UInt64(2 * max(workers, 1))
        return inFlight * 3 * UInt64(frameInputBytes) + 2 * UInt64(readChunkBytes) + indexBytes + reserveBytes
    }

    /// Bytes a writer needs (see `ImageWriter`: input and output buffer per
    /// frame in flight, the write chunk, the frame being filled) and the
    /// index entries it holds before spilling them.
    public static func writerBytes(workers: Int, frameInputBytes: Int, writeChunkBytes: Int) -> UInt64 {
        let inFlight = UInt64(2 * max(workers, 1))
        return (inFlight + 1) * 2 * UInt64(frameInputBytes) + UInt64(writeChunkBytes + frameInputBytes)
            + indexBytes + reserveBytes
    }

    /// The most threads (up to `processors` and `maximumWorkers`) whose
    /// reader fits in `availableBytes`; nil if not even one does.
    public static func forReading(availableBytes: UInt64, processors: Int, frameInputBytes: Int,
                                  readChunkBytes: Int) -> ImageMemoryBudget? {
        for workers in stride(from: min(max(processors, 1), maximumWorkers), through: 1, by: -1) {
            let reader = readerBytes(workers: workers, frameInputBytes: frameInputBytes, readChunkBytes: readChunkBytes)
            if reader <= availableBytes {
                return ImageMemoryBudget(workers: workers, readerBytes: reader,
                                         writerBytes: writerBytes(workers: workers, frameInputBytes: frameInputBytes,
                                                                  writeChunkBytes: readChunkBytes))
            }
        }
        return nil
    }

    /// The most threads (up to `processors` and `maximumWorkers`) whose
    /// writer fits in `availableBytes`, at least one (a save that runs out of
    /// memory fails before its commit and loses nothing).
    public static func forWriting(availableBytes: UInt64, processors: Int, frameInputBytes: Int,
                                  writeChunkBytes: Int) -> ImageMemoryBudget {
        var workers = min(max(processors, 1), maximumWorkers)
        while workers > 1, writerBytes(workers: workers, frameInputBytes: frameInputBytes,
                                       writeChunkBytes: writeChunkBytes) > availableBytes {
            workers -= 1
        }
        return ImageMemoryBudget(workers: workers,
                                 readerBytes: readerBytes(workers: workers, frameInputBytes: frameInputBytes,
                                                          readChunkBytes: writeChunkBytes),
                                 writerBytes: writerBytes(workers: workers, frameInputBytes: frameInputBytes,
                                                          writeChunkBytes: writeChunkBytes))
    }

    /// How many bytes short a hibernation kernel that had `availableAtStart`
    /// bytes available before it read anything would be when restoring an
    /// image with frames of `frameInputBytes`; nil if it has enough. The
    /// saver asks this before it commits (the same H region and kernel boot
    /// at resume), so that an image the restorer would refuse for want of
    /// memory is never committed. It is the restorer's own check for one
    /// thread: neither grows with the image.
    public static func resumeShortfall(availableAtStart: UInt64, frameInputBytes: Int, readChunkBytes: Int) -> UInt64? {
        let needed = readerBytes(workers: 1, frameInputBytes: frameInputBytes, readChunkBytes: readChunkBytes)
        return needed > availableAtStart ? needed - availableAtStart : nil
    }
}
