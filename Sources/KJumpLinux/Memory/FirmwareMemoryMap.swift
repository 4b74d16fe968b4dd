import KJumpCore

/// Reads the firmware's memory map as the kernel received it at boot
/// (`/sys/firmware/memmap/<n>/{start,end,type}`, CONFIG_FIRMWARE_MEMMAP),
/// falling back to the top level of `/proc/iomem` when that is absent.
public enum FirmwareMemoryMap {
    /// The entries, sorted by address.
    public static func read(root: String = "") throws(KJumpLinuxError) -> [E820Entry] {
        var entries: [E820Entry] = []
        for index in 0..<1024 {
            let directory = root + "/sys/firmware/memmap/\(index)"
            guard case .content(let startText) = KernelFile.probe(directory + "/start") else { break }
            let endText = try KernelFile.readText(directory + "/end")
            let typeText = try KernelFile.readText(directory + "/type")
            guard let start = UInt64(hex: startText), let end = UInt64(hex: endText), end >= start else {
                throw .malformed(path: directory, reason: "start \(startText.trimmingSpaces()), end \(endText.trimmingSpaces())")
            }
            let type = E820Type(memmapName: String(typeText.trimmingSpaces())) ?? .reserved
            entries.append(E820Entry(address: start, size: end - start + 1, type: type))
        }
        if entries.isEmpty {
            let text = try KernelFile.readText(root + "/proc/iomem")
            let map: IoMemoryMap
            do { map = try IoMemoryMap(parsing: text) } catch { throw .malformed(path: "/proc/iomem", reason: error.description) }
            for resource in map.resources {
                let type = E820Type(memmapName: resource.name) ?? .reserved
                entries.append(E820Entry(address: resource.range.start, size: resource.range.size, type: type))
            }
        }
        return entries.sorted { $0.address < $1.address }
    }
}
