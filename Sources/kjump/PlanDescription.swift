import KJumpCore

/// Human-readable listing of a kexec plan, printed by `kjump jump`.
enum PlanDescription {
    static func render(_ plan: KexecJumpPlan, kernelPath: String, memoryLabel: String = "system memory outside R") -> String {
        var lines = ["kjump: hibernation kernel \(kernelPath), entry \(HexText.number(plan.entry)), \(plan.segments.count) segments:"]
        for segment in plan.segments {
            let range = segment.range
            let data = segment.bytes.isEmpty ? "zero" : "\(segment.bytes.count) bytes"
            lines.append("  \(range)  \(String(segment.memorySize >> 10).leftPadded(to: 7)) KiB  \(segment.purpose) (\(data))")
        }
        let ram = plan.systemMemoryOutsideRegion.reduce(UInt64(0)) { $0 + $1.size }
        lines.append("  \(memoryLabel): \(ram >> 20) MiB in \(plan.systemMemoryOutsideRegion.count) ranges")
        return lines.joined(separator: "\n")
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
