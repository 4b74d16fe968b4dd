/// `kjump probe`: proves, from inside the hibernation kernel, that kjump
/// reads the frozen system kernel's memory as that kernel sees it. It reads
/// A's VMCOREINFO note and the release string of `init_uts_ns` (both usually
/// inside R, so served from the kexec backup pages) and checks they agree.
public struct SystemKernelProbe: Sendable, Equatable {
    /// `OSRELEASE` from VMCOREINFO.
    public var osRelease: String
    /// `PAGESIZE` from VMCOREINFO.
    public var pageSize: Int
    /// Pages of A's RAM outside R (the `PT_LOAD`s of /proc/vmcore).
    public var pagesOutsideRegion: UInt64
    /// Pages of R, whose contents sit in backup pages.
    public var pagesInRegion: UInt64
    /// Where the VMCOREINFO note is, and whether it lies inside R.
    public var vmcoreinfo: PhysicalRange
    public var vmcoreinfoInRegion: Bool
    /// Physical address of `init_uts_ns` and the release string read there.
    public var utsNamespaceAddress: UInt64
    public var utsRelease: String

    /// True when `init_uts_ns` says what VMCOREINFO says.
    public var releasesMatch: Bool { osRelease == utsRelease }

    /// `struct new_utsname` fields are `__NEW_UTS_LEN + 1` bytes: sysname, nodename, release, ….
    static let utsFieldLength: UInt64 = 65

    /// Reads everything through `memory` (R-aware). `loads` are A's RAM ranges outside R.
    public static func run(memory: some PhysicalMemory, loads: [PhysicalRange], region: [PhysicalRange],
                           vmcoreinfo: PhysicalRange) throws -> SystemKernelProbe {
        let noteBytes = try memory.read(physicalAddress: vmcoreinfo.start, count: Int(vmcoreinfo.size))
        let notes = try ElfNote.parseSegment(noteBytes, at: vmcoreinfo.start, inPhysicalMemory: true)
        guard let info = VmcoreInfo(notes: notes) else { throw SystemKernelProbeError.noVmcoreinfoNote(vmcoreinfo.start) }
        guard let release = info.osRelease, let pageSize = info.pageSize, pageSize > 0 else {
            throw SystemKernelProbeError.incompleteVmcoreinfo("OSRELEASE or PAGESIZE")
        }
        guard let uts = info.physicalAddress(ofKernelSymbol: "init_uts_ns") else {
            throw SystemKernelProbeError.incompleteVmcoreinfo("SYMBOL(init_uts_ns) or NUMBER(phys_base)")
        }
        let nameOffset = info.offsets["uts_namespace.name"] ?? 0
        let utsRelease = try memory.readCString(at: uts + nameOffset + 2 * utsFieldLength, maxLength: Int(utsFieldLength))
        let page = UInt64(pageSize)
        return SystemKernelProbe(
            osRelease: release, pageSize: pageSize,
            pagesOutsideRegion: loads.reduce(0) { $0 + $1.size / page },
            pagesInRegion: region.reduce(0) { $0 + $1.size / page },
            vmcoreinfo: vmcoreinfo, vmcoreinfoInRegion: region.contains { $0.overlaps(vmcoreinfo) },
            utsNamespaceAddress: uts, utsRelease: utsRelease)
    }

    /// The report `kjump probe` prints; its last line is `kjump probe: OK` or `kjump probe: MISMATCH …`.
    public func render() -> String {
        let whereNote = vmcoreinfoInRegion ? "inside R, read through the kexec backup pages" : "outside R"
        return [
            "kjump probe: system kernel \(osRelease), VMCOREINFO at \(vmcoreinfo) (\(whereNote))",
            "kjump probe: page size \(pageSize), RAM pages \(pagesOutsideRegion + pagesInRegion) (\(pagesOutsideRegion) outside R + \(pagesInRegion) in R)",
            "kjump probe: init_uts_ns at \(HexText.number(utsNamespaceAddress)) says release \"\(utsRelease)\"",
            releasesMatch ? "kjump probe: OK" : "kjump probe: MISMATCH: VMCOREINFO says \"\(osRelease)\", memory says \"\(utsRelease)\"",
        ].joined(separator: "\n")
    }
}

/// Why the probe could not run.
public enum SystemKernelProbeError: Error, Equatable, CustomStringConvertible {
    case noVmcoreinfoNote(UInt64)
    case incompleteVmcoreinfo(String)

    public var description: String {
        switch self {
        case .noVmcoreinfoNote(let address):
            "no VMCOREINFO note at physical address \(HexText.number(address))"
        case .incompleteVmcoreinfo(let what):
            "the system kernel's VMCOREINFO lacks \(what)"
        }
    }
}
