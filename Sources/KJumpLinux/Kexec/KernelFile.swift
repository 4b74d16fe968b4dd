import KJumpCore
import SystemPackage

/// Reads small kernel-provided files (`/proc`, `/sys`), whose reported size
/// is often 0, by reading until end of file.
public enum KernelFile {
    /// The whole file as bytes. Throws `KJumpLinuxError.read` with the path.
    public static func readBytes(_ path: String, limit: Int = 16 << 20) throws(KJumpLinuxError) -> [UInt8] {
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec])
        } catch {
            throw KJumpLinuxError.open(path: path, errno: Errno(thrownBySystem: error))
        }
        defer { try? fd.close() }
        func read(into buffer: UnsafeMutableRawBufferPointer) throws(KJumpLinuxError) -> Int {
            do { return try fd.read(into: buffer, retryOnInterrupt: true) } catch {
                throw KJumpLinuxError.read(path: path, errno: Errno(thrownBySystem: error))
            }
        }
        // A regular file (a bzImage of 10 MB) is read straight into one array
        // of its size: growing an array chunk by chunk copied it several times
        // and touched twice the fresh pages (0.18 s for the hibernation kernel
        // under emulation, against 0.05 s).
        var result: [UInt8] = []
        if let fileSize = fd.regularFileSize {
            let size = min(fileSize, limit)
            var failure: KJumpLinuxError?
            result = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
                let raw = UnsafeMutableRawBufferPointer(buffer)
                while initialized < size {
                    let count: Int
                    do throws(KJumpLinuxError) {
                        count = try read(into: UnsafeMutableRawBufferPointer(rebasing: raw[initialized...]))
                    } catch {
                        failure = error
                        return
                    }
                    if count == 0 { return }
                    initialized += count
                }
            }
            if let failure { throw failure }
            if result.count < size { return result }   // shorter than fstat said: that is all there is
        }
        // Files of unknown size (/proc, /sys), and a regular file that grew since fstat.
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while result.count < limit {
            let count = try chunk.withUnsafeMutableBufferPointer { pointer in
                Result { () throws(KJumpLinuxError) in try read(into: UnsafeMutableRawBufferPointer(pointer)) }
            }.get()
            if count == 0 { break }
            result += chunk[0..<min(count, limit - result.count)]
        }
        return result
    }

    /// The whole file as UTF-8 text.
    public static func readText(_ path: String) throws(KJumpLinuxError) -> String {
        String(decoding: try readBytes(path), as: UTF8.self)
    }

    /// The file as a `ProbedFile`: its text, `.missing`, or `.unreadable` with the reason.
    public static func probe(_ path: String) -> ProbedFile {
        do {
            return .content(try readText(path))
        } catch {
            if case .open(_, let errno) = error, errno == .noSuchFileOrDirectory { return .missing }
            return .unreadable(error.description)
        }
    }
}
