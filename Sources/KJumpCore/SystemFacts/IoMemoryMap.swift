/// The top-level ranges of `/proc/iomem`, which name the physical memory the
/// running kernel uses as RAM ("System RAM"). Addresses are only shown to root.
public struct IoMemoryMap: Sendable, Equatable {
    /// One top-level line: `[start, end)` and its name.
    public struct Resource: Sendable, Equatable {
        public var range: PhysicalRange
        public var name: String
    }

    /// Top-level resources in file order.
    public var resources: [Resource]
    /// Nested (indented) resources in file order, e.g. "Kernel code" or "Crash kernel".
    public var nestedResources: [Resource]

    /// Parses the text.
    public init(parsing text: some StringProtocol) throws(IoMemoryMapError) {
        var resources: [Resource] = []
        var nested: [Resource] = []
        for (index, line) in text.split(separator: "\n").enumerated() {
            guard let first = line.first else { continue }
            let parts = line.split(separator: ":", maxSplits: 1)
            let bounds = parts.first?.trimmingSpaces().split(separator: "-") ?? []
            guard parts.count == 2, bounds.count == 2,
                  let start = UInt64(bounds[0], radix: 16), let last = UInt64(bounds[1], radix: 16),
                  last >= start, last < UInt64.max
            else {
                throw .malformedLine(number: index + 1, text: String(line))
            }
            let resource = Resource(range: PhysicalRange(start: start, end: last + 1), name: String(parts[1].trimmingSpaces()))
            if first == " " { nested.append(resource) } else { resources.append(resource) }
        }
        if !resources.isEmpty, resources.allSatisfy({ $0.range == PhysicalRange(start: 0, end: 1) }) {
            throw .addressesHidden
        }
        self.resources = resources
        self.nestedResources = nested
    }

    /// The `crashkernel=` reservations ("Crash kernel", nested in System RAM), sorted.
    public var crashKernelReservations: [PhysicalRange] {
        nestedResources.filter { $0.name == "Crash kernel" }.map(\.range).sorted { $0.start < $1.start }
    }

    /// The "System RAM" ranges, sorted.
    public var systemRAM: [PhysicalRange] {
        resources.filter { $0.name == "System RAM" }.map(\.range).sorted { $0.start < $1.start }
    }
}

/// Why `/proc/iomem` could not be used.
public enum IoMemoryMapError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformedLine(number: Int, text: String)
    case addressesHidden

    public var description: String {
        switch self {
        case .malformedLine(let number, let text): "line \(number) of /proc/iomem is not \"start-end : name\": \(text)"
        case .addressesHidden: "/proc/iomem shows every address as 0: read it as root"
        }
    }
}
