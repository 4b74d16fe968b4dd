/// What the hibernation kernel learns from its command line (written by
/// `KexecJumpPlanner` and the purgatory): why it was started, where the
/// system kernel re-enters, R, and where A's VMCOREINFO note is.
public struct HibernationKernelContext: Sendable, Equatable {
    /// `kjump.role=`.
    public var role: String
    /// `kjump.reentry=`: the system kernel's re-entry point.
    public var reentryPoint: UInt64
    /// `kjump.region=`: the H region.
    public var region: HibernationRegion
    /// `kjump.vmcoreinfo=`: the system kernel's VMCOREINFO note.
    public var vmcoreinfo: PhysicalRange

    public init(role: String, reentryPoint: UInt64, region: HibernationRegion, vmcoreinfo: PhysicalRange) {
        self.role = role
        self.reentryPoint = reentryPoint
        self.region = region
        self.vmcoreinfo = vmcoreinfo
    }

    /// Parses the words kjump's loader put on the command line.
    public init(parsing line: KernelCommandLine) throws(HibernationKernelContextError) {
        guard let role = line.value(of: "kjump.role") else { throw .missing("kjump.role=") }
        guard let reentry = line.value(of: "kjump.reentry").flatMap({ UInt64(hex: $0) }), reentry != 0 else {
            throw .missing("kjump.reentry= (written by the purgatory)")
        }
        guard let regionText = line.value(of: "kjump.region") else { throw .missing("kjump.region=") }
        var ranges: [PhysicalRange] = []
        for part in regionText.split(separator: ",") {
            let bounds = part.split(separator: "-")
            guard bounds.count == 2, let start = UInt64(hex: bounds[0]), let end = UInt64(hex: bounds[1]), start < end else {
                throw .malformed("kjump.region=\(regionText)")
            }
            ranges.append(PhysicalRange(start: start, end: end))
        }
        guard !ranges.isEmpty else { throw .malformed("kjump.region=\(regionText)") }
        guard let infoText = line.value(of: "kjump.vmcoreinfo") else { throw .missing("kjump.vmcoreinfo=") }
        let info = infoText.split(separator: ",")
        guard info.count == 2, let address = UInt64(hex: info[0]), let size = UInt64(hex: info[1]) else {
            throw .malformed("kjump.vmcoreinfo=\(infoText)")
        }
        self.init(role: role, reentryPoint: reentry, region: HibernationRegion(ranges: ranges),
                  vmcoreinfo: PhysicalRange(start: address, end: address + size))
    }
}

/// Why the command line does not describe a hibernation kernel started by kjump.
public enum HibernationKernelContextError: Error, Sendable, Equatable, CustomStringConvertible {
    case missing(String)
    case malformed(String)

    public var description: String {
        switch self {
        case .missing(let word): "this is not a hibernation kernel started by kjump: \(word) is missing from the kernel command line"
        case .malformed(let word): "the kernel command line has a malformed \(word)"
        }
    }
}
