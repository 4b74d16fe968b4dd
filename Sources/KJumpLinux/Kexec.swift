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
        // One buffer holds every segment's bytes, so all pointers stay valid for the call.
        let total = segments.reduce(0) { $0 + $1.bytes.count }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(total, 1), alignment: 4096)
        defer { buffer.deallocate() }
        var raw: [ckjump_kexec_segment] = []
        var offset = 0
        for segment in segments {
            precondition(UInt64(segment.bytes.count) <= segment.memorySize, "a segment's data must fit its memory size")
            let base = buffer.baseAddress! + offset
            segment.bytes.withUnsafeBytes { base.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            raw.append(ckjump_kexec_segment(buf: segment.bytes.isEmpty ? nil : UnsafeRawPointer(base),
                                            bufsz: segment.bytes.count,
                                            mem: segment.destination, memsz: Int(segment.memorySize)))
            offset += segment.bytes.count
        }
        let rc = raw.withUnsafeBufferPointer { ckjump_kexec_load(entry, UInt(raw.count), $0.baseAddress, flags) }
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
