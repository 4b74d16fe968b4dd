import CKJump
import KJumpCore
import SystemPackage

/// Typed wrappers around `kexec_load(2)` and `reboot(2)`.
public enum Kexec {
    /// `KEXEC_PRESERVE_CONTEXT`: keep the current kernel to jump back into.
    public static let preserveContext: UInt = 0x0000_0002

    /// Loads `segments` as the kexec image that `reboot(LINUX_REBOOT_CMD_KEXEC)` starts at `entry`.
    /// The corresponding system call is `kexec_load`.
    public static func load(entry: UInt64, segments: [KexecSegmentPlan], flags: UInt) throws(KJumpLinuxError) {
        // Each segment's own bytes are passed, pinned for the call by nested
        // withUnsafeBytes: no copy of the 10 MB kernel into another buffer.
        func withPinned(_ index: Int, _ raw: inout [ckjump_kexec_segment]) -> Int {
            guard index < segments.count else {
                return raw.withUnsafeBufferPointer { ckjump_kexec_load(entry, UInt($0.count), $0.baseAddress, flags) }
            }
            let segment = segments[index]
            precondition(UInt64(segment.bytes.count) <= segment.memorySize, "a segment's data must fit its memory size")
            return segment.bytes.withUnsafeBytes { bytes in
                raw.append(ckjump_kexec_segment(buf: bytes.isEmpty ? nil : bytes.baseAddress, bufsz: bytes.count,
                                                mem: segment.destination, memsz: Int(segment.memorySize)))
                return withPinned(index + 1, &raw)
            }
        }
        var raw: [ckjump_kexec_segment] = []
        raw.reserveCapacity(segments.count)
        let rc = withPinned(0, &raw)
        if rc < 0 { throw .syscall(name: "kexec_load", errno: Errno(rawValue: Int32(-rc))) }
    }

    /// Loads an image with no segments, which unloads the current one
    /// (or the crash image, with `KEXEC_ON_CRASH`).
    /// The corresponding system call is `kexec_load`.
    public static func unload(flags: UInt) throws(KJumpLinuxError) {
        let rc = ckjump_kexec_load(0, 0, nil, flags)
        if rc < 0 { throw .syscall(name: "kexec_load", errno: Errno(rawValue: Int32(-rc))) }
    }

    /// Starts the loaded kexec image. With a preserve-context image this returns
    /// when the other side jumps back. The corresponding system call is
    /// `reboot(LINUX_REBOOT_CMD_KEXEC)`.
    public static func jump() throws(KJumpLinuxError) {
        let rc = ckjump_reboot(0x4558_4543)  // LINUX_REBOOT_CMD_KEXEC
        if rc < 0 { throw .syscall(name: "reboot(LINUX_REBOOT_CMD_KEXEC)", errno: Errno(rawValue: Int32(-rc))) }
    }
}
