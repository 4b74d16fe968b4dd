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
            throw KJumpLinuxError.open(path: path, errno: (error as? Errno) ?? .ioError)
        }
        defer { try? fd.close() }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while result.count < limit {
            let count: Int
            do {
                count = try chunk.withUnsafeMutableBytes { try fd.read(into: $0, retryOnInterrupt: true) }
            } catch {
                throw KJumpLinuxError.read(path: path, errno: (error as? Errno) ?? .ioError)
            }
            if count == 0 { break }
            result += chunk[0..<count]
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
