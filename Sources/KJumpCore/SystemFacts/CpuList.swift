/// A kernel CPU list as sysfs prints it (`/sys/devices/system/cpu/possible`,
/// `online`…): comma-separated numbers and inclusive ranges, e.g. `0-3,8`.
public struct CpuList: Sendable, Equatable {
    /// The CPU numbers, ascending, without duplicates; malformed items are skipped.
    public var cpus: [Int]

    public init(parsing text: some StringProtocol) {
        var cpus = Set<Int>()
        for item in text.trimmingSpaces().split(separator: ",") {
            let bounds = item.split(separator: "-", omittingEmptySubsequences: false)
            if bounds.count == 1, let cpu = Int(bounds[0]), cpu >= 0 {
                cpus.insert(cpu)
            } else if bounds.count == 2, let first = Int(bounds[0]), let last = Int(bounds[1]),
                      first >= 0, first <= last, last - first < 1 << 16 {
                cpus.formUnion(first...last)
            }
        }
        self.cpus = cpus.sorted()
    }
}
