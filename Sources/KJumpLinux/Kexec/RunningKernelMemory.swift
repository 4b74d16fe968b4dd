import KJumpCore

/// Where the running kernel keeps what a loader must point the next kernel at.
public enum RunningKernelMemory {
    /// The physical range of the running kernel's VMCOREINFO note
    /// (`/sys/kernel/vmcoreinfo`: "address size" in hex).
    public static func vmcoreinfoLocation() throws(KJumpLinuxError) -> PhysicalRange {
        let location = try KernelFile.readText("/sys/kernel/vmcoreinfo").split(separator: " ")
        guard location.count == 2, let address = UInt64(hex: location[0]), let size = UInt64(hex: location[1].trimmingSpaces()) else {
            throw .malformed(path: "/sys/kernel/vmcoreinfo", reason: "expected \"<address> <size>\" in hex")
        }
        return PhysicalRange(start: address, end: address + size)
    }
}
