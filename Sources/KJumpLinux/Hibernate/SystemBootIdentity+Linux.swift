#if canImport(Glibc)
import Glibc
#endif
import KJumpCore
import SystemPackage

extension SystemBootIdentity {
    /// Where distributions install the running kernel's image: `/boot/vmlinuz-<release>`.
    public static var defaultKernelPath: String { "/boot/vmlinuz-\(SystemFactsReader.unameFields().release)" }

    /// The running system kernel: `/proc/cmdline` and the image at
    /// `kernelPath`. When `kernelPath` does not exist the kernel's digest is
    /// nil (a resume entry that names a kernel then refuses the image).
    public static func running(kernelPath: String) throws(KJumpLinuxError) -> SystemBootIdentity {
        let commandLine = try KernelFile.readText("/proc/cmdline")
        let digest: String? = access(kernelPath, F_OK) == 0 ? try kernelDigest(path: kernelPath) : nil
        return SystemBootIdentity(kernelDigest: digest, commandLineDigest: commandLineDigest(of: commandLine))
    }

    /// What a boot entry starting the kernel image at `kernelPath` with `commandLine` gives H to compare.
    public static func bootEntry(kernelPath: String, commandLine: String) throws(KJumpLinuxError) -> SystemBootIdentity {
        SystemBootIdentity(kernelDigest: try kernelDigest(path: kernelPath), commandLineDigest: commandLineDigest(of: commandLine))
    }

    /// SHA-256 of the file at `path`, read 1 MiB at a time.
    public static func kernelDigest(path: String) throws(KJumpLinuxError) -> String {
        let fd: FileDescriptor
        do { fd = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec]) } catch {
            throw .open(path: path, errno: Errno(thrownBySystem: error))
        }
        defer { try? fd.close() }
        var digest = KernelImageDigest()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count: Int
            do { count = try buffer.withUnsafeMutableBytes { try fd.read(into: $0, retryOnInterrupt: true) } } catch {
                throw .read(path: path, errno: Errno(thrownBySystem: error))
            }
            if count == 0 { break }
            buffer.withUnsafeBytes { digest.update(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
        }
        return digest.finish()
    }
}
