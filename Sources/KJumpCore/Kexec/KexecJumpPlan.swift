/// One kexec segment to load: `bytes` copied to `destination`, the rest of
/// `memorySize` zero-filled by the kernel.
public struct KexecSegmentPlan: Sendable, Equatable {
    /// What the segment holds, for messages ("purgatory", "scratch").
    public var purpose: String
    /// Physical destination, page aligned.
    public var destination: UInt64
    /// Bytes reserved at the destination, a multiple of the page size.
    public var memorySize: UInt64
    /// The data; at most `memorySize` bytes. A slice, so that the kernel's
    /// segment shares the bytes read from the bzImage instead of copying 10 MB.
    public var bytes: ArraySlice<UInt8>

    public init(purpose: String, destination: UInt64, memorySize: UInt64, bytes: ArraySlice<UInt8>) {
        self.purpose = purpose
        self.destination = destination
        self.memorySize = memorySize
        self.bytes = bytes
    }

    public init(purpose: String, destination: UInt64, memorySize: UInt64, bytes: [UInt8] = []) {
        self.init(purpose: purpose, destination: destination, memorySize: memorySize, bytes: bytes[...])
    }

    /// The destination range.
    public var range: PhysicalRange { PhysicalRange(start: destination, end: destination + memorySize) }
}

/// Everything `kexec_load` needs to start the hibernation kernel inside R.
public struct KexecJumpPlan: Sendable, Equatable {
    /// Where the image starts: the purgatory.
    public var entry: UInt64
    /// The segments, in ascending order, covering every byte of R exactly once.
    public var segments: [KexecSegmentPlan]
    /// The hibernation kernel's memory map (before the purgatory appends the re-entry page).
    public var hibernationMemoryMap: [E820Entry]
    /// The hibernation kernel's command line, with the re-entry placeholder.
    public var commandLine: String
    /// Where the ELF core header describing the system kernel's memory lies.
    public var elfCoreHeader: PhysicalRange
    /// The system kernel's RAM outside R, as described to the hibernation kernel.
    public var systemMemoryOutsideRegion: [PhysicalRange]
}

/// Why a jump cannot be planned. Each reads as a sentence.
public enum KexecJumpPlanError: Error, Sendable, Equatable, CustomStringConvertible {
    case regionNotSystemRAM(PhysicalRange)
    case regionOverlapsFirmware(region: PhysicalRange, firmware: E820Entry)
    case kernelDoesNotFit(needsEnd: UInt64, regionEnd: UInt64)
    case commandLineTooLong(length: Int, limit: Int)
    case tooManySegments(Int)
    case tooManyMemoryMapEntries(Int)
    case purgatoryTooLarge(Int)
    case regionNotPageAligned(PhysicalRange)
    case emptyRegion

    public var description: String {
        switch self {
        case .regionNotSystemRAM(let range):
            "the H region \(range) is not entirely System RAM of the running kernel (see /proc/iomem); choose another --region-mib"
        case .regionOverlapsFirmware(let region, let firmware):
            "the H region \(region) overlaps a firmware range (\(firmware.type.name) at \(HexText.number(firmware.address)), \(HexText.number(firmware.size)) bytes)"
        case .kernelDoesNotFit(let needsEnd, let regionEnd):
            "the hibernation kernel needs memory up to \(HexText.number(needsEnd)), but the H region ends at \(HexText.number(regionEnd)): raise --region-mib to at least \((needsEnd - (1 << 20) + (1 << 20) - 1) >> 20)"
        case .commandLineTooLong(let length, let limit):
            "the hibernation kernel's command line is \(length) bytes, but the kernel accepts at most \(limit)"
        case .tooManySegments(let count):
            "the plan needs \(count) kexec segments; the kernel accepts at most \(KexecJumpPlanner.maxSegments)"
        case .tooManyMemoryMapEntries(let count):
            "the hibernation kernel's memory map would need \(count) entries; boot_params holds \(E820.maxZeroPageEntries - 1) plus the re-entry page"
        case .regionNotPageAligned(let range):
            "the H region range \(range) is not page aligned"
        case .emptyRegion:
            "the H region is empty"
        case .purgatoryTooLarge(let size):
            "the purgatory is \(size) bytes; it must fit in one page"
        }
    }
}

/// Lays the hibernation kernel out in R for a preserve-context kexec:
///
/// ```
/// R low   [0x1000, 0x9f000)        zero scratch (H's real-mode trampoline lives here)
/// R main  +0x0000                  purgatory                      (entry)
///         +0x1000                  boot_params
///         +0x2000                  command line
///         +0x3000 …                ELF core header + kjump note   (reserved in H's e820)
///         …                        zero scratch
///         kernel load address      H's kernel, init_size bytes    (2 MiB aligned, ≥ pref_address)
///         …                        zero scratch to the end of R
/// ```
///
/// Every byte of R is a kexec destination, so the kernel swaps all of A's
/// contents of R out to pages it allocates and back on return.
public struct KexecJumpPlanner: Sendable {
    /// `KEXEC_SEGMENT_MAX`.
    public static let maxSegments = 16
    /// The page size on x86-64.
    public static let pageSize: UInt64 = 4096
    /// Placeholder the purgatory overwrites with the re-entry point.
    public static let reentryPlaceholder = "kjump.reentry=0x0000000000000000"

    public var region: HibernationRegion
    public var kernel: BzImage
    public var purgatory: PurgatoryCode
    /// The system kernel's firmware memory map (`/sys/firmware/memmap`).
    public var firmwareMemoryMap: [E820Entry]
    /// The system kernel's RAM (`/proc/iomem` "System RAM").
    public var systemRAM: [PhysicalRange]
    /// Where the system kernel's VMCOREINFO note lies (`/sys/kernel/vmcoreinfo`).
    public var vmcoreinfo: PhysicalRange
    /// Why H is started (`jump`, `hibernate`): `kjump.role=` on its command line.
    public var role: String
    /// More words for H's command line (console=, kjump.exec=…).
    public var extraCommandLine: [String]
    /// More fields for kjump's note in the ELF core header (e.g. `filesystems`).
    public var noteFields: [String: String]

    public init(region: HibernationRegion, kernel: BzImage, purgatory: PurgatoryCode,
                firmwareMemoryMap: [E820Entry], systemRAM: [PhysicalRange], vmcoreinfo: PhysicalRange,
                role: String, extraCommandLine: [String], noteFields: [String: String] = [:]) {
        self.region = region
        self.kernel = kernel
        self.purgatory = purgatory
        self.firmwareMemoryMap = firmwareMemoryMap
        self.systemRAM = systemRAM
        self.vmcoreinfo = vmcoreinfo
        self.role = role
        self.extraCommandLine = extraCommandLine
        self.noteFields = noteFields
    }

    public func plan() throws(KexecJumpPlanError) -> KexecJumpPlan {
        let page = Self.pageSize
        try checkRegion()
        guard !region.ranges.isEmpty else { throw .emptyRegion }
        // Every range but the last (highest) one is plain scratch; the last holds H.
        let main = region.ranges[region.ranges.count - 1]
        guard purgatory.bytes.count <= page else { throw .purgatoryTooLarge(purgatory.bytes.count) }

        let purgatoryAddress = main.start
        let bootParamsAddress = main.start + page
        let commandLineAddress = main.start + 2 * page
        let headerAddress = main.start + 3 * page

        // The system kernel's memory, as the hibernation kernel's /proc/vmcore shows it.
        let outside = PhysicalRange.subtracting(region.ranges, from: systemRAM)
        var notes: [PhysicalRange] = []
        let vmcoreinfoOutsideRegion = !region.ranges.contains { $0.overlaps(vmcoreinfo) }
        if vmcoreinfoOutsideRegion { notes.append(vmcoreinfo) }
        // Our own note lives in the header pages: /proc/vmcore needs at least one PT_NOTE,
        // and A's VMCOREINFO usually lies inside R, where H must not point the kernel.
        var note = KJumpNote(fields: noteFields.merging(
            ["role": role, "vmcoreinfo": "\(HexText.number(vmcoreinfo.start)),\(HexText.number(vmcoreinfo.size))"]) { _, own in own })
        note.firmwareMemoryMap = firmwareMemoryMap
        let kjumpNote = ElfNoteEncoding.encode(name: KJumpNote.name, type: KJumpNote.type, descriptor: note.descriptor)
        // ELF64 file header (64 bytes) and one 56-byte program header per load and note.
        let headerSize = 64 + 56 * (outside.count + notes.count + 1)
        let noteAddress = headerAddress + UInt64(headerSize.roundedUp(to: 8))
        notes.append(PhysicalRange(start: noteAddress, end: noteAddress + UInt64(kjumpNote.count)))
        var header = ElfCoreWriter.vmcoreHeader(loads: outside, notes: notes.map { ($0.start, $0.size) })
        assert(header.count == headerSize, "ELF header size")
        header += [UInt8](repeating: 0, count: Int(noteAddress - headerAddress) - header.count)
        header += kjumpNote
        let headerRange = PhysicalRange(start: headerAddress,
                                        end: headerAddress + UInt64(header.count).roundedUp(to: page))

        // The kernel: at its preferred address (the decompressor runs there anyway), aligned.
        let alignment = max(UInt64(kernel.kernelAlignment), page)
        let kernelAddress = max(kernel.preferredAddress, headerRange.end).roundedUp(to: alignment)
        let kernelRange = PhysicalRange(start: kernelAddress,
                                        end: kernelAddress + max(UInt64(kernel.initSize), UInt64(kernel.protectedModeKernel.count)).roundedUp(to: page))
        guard kernelRange.end <= main.end else { throw .kernelDoesNotFit(needsEnd: kernelRange.end, regionEnd: main.end) }

        // The hibernation kernel's memory map: R as RAM, the header reserved, firmware ranges kept.
        var memoryMap = firmwareMemoryMap.filter { $0.type != .usable }
        for range in region.ranges where range != main {
            memoryMap.append(E820Entry(address: range.start, size: range.size, type: .usable))
        }
        memoryMap.append(E820Entry(address: main.start, size: headerRange.start - main.start, type: .usable))
        memoryMap.append(E820Entry(address: headerRange.start, size: headerRange.size, type: .reserved))
        memoryMap.append(E820Entry(address: headerRange.end, size: main.end - headerRange.end, type: .usable))
        memoryMap.sort { $0.address < $1.address }
        guard memoryMap.count < E820.maxZeroPageEntries else { throw .tooManyMemoryMapEntries(memoryMap.count + 1) }

        // The command line, with room for the purgatory to write the re-entry point.
        // Every CPU: H compresses on all of them (its kernel parks them in HLT before the jump back).
        let words = HibernationKernelArguments.common + [
                     "elfcorehdr=\(headerRange.size)@\(HexText.number(headerAddress))",
                     "kjump.role=\(role)",
                     "kjump.region=" + region.ranges.map { "\(HexText.number($0.start))-\(HexText.number($0.end))" }.joined(separator: ","),
                     "kjump.vmcoreinfo=\(HexText.number(vmcoreinfo.start)),\(HexText.number(vmcoreinfo.size))",
                     Self.reentryPlaceholder] + extraCommandLine
        let commandLine = words.joined(separator: " ")
        let limit = min(Int(kernel.commandLineSizeLimit), Int(page) - 1)
        guard commandLine.utf8.count <= limit else { throw .commandLineTooLong(length: commandLine.utf8.count, limit: limit) }
        let placeholderOffset = commandLine.utf8Offset(of: Self.reentryPlaceholder)
        let digitsAddress = commandLineAddress + UInt64(placeholderOffset + Self.reentryPlaceholder.utf8.count - 16)

        let bootParams: [UInt8]
        do {
            bootParams = try BootParams.make(image: kernel, commandLineAddress: commandLineAddress, e820: memoryMap)
        } catch {
            throw .tooManyMemoryMapEntries(memoryMap.count)
        }

        var segments = region.ranges.dropLast().map {
            KexecSegmentPlan(purpose: "low-memory scratch", destination: $0.start, memorySize: $0.size)
        }
        segments += [
            KexecSegmentPlan(purpose: "purgatory", destination: purgatoryAddress, memorySize: page,
                             bytes: purgatory.patched(bootParamsAddress: bootParamsAddress,
                                                      kernelEntry: kernelAddress + 0x200,
                                                      reentryDigitsAddress: digitsAddress)),
            KexecSegmentPlan(purpose: "boot parameters", destination: bootParamsAddress, memorySize: page,
                             bytes: bootParams),
            KexecSegmentPlan(purpose: "command line", destination: commandLineAddress, memorySize: page,
                             bytes: Array(commandLine.utf8) + [0]),
            KexecSegmentPlan(purpose: "ELF core header", destination: headerRange.start,
                             memorySize: headerRange.size, bytes: header),
        ]
        if kernelRange.start > headerRange.end {
            segments.append(KexecSegmentPlan(purpose: "scratch", destination: headerRange.end,
                                             memorySize: kernelRange.start - headerRange.end))
        }
        segments.append(KexecSegmentPlan(purpose: "hibernation kernel", destination: kernelRange.start,
                                         memorySize: kernelRange.size, bytes: kernel.protectedModeKernel))
        if main.end > kernelRange.end {
            segments.append(KexecSegmentPlan(purpose: "scratch", destination: kernelRange.end,
                                             memorySize: main.end - kernelRange.end))
        }
        guard segments.count <= Self.maxSegments else { throw .tooManySegments(segments.count) }
        return KexecJumpPlan(entry: purgatoryAddress, segments: segments, hibernationMemoryMap: memoryMap,
                             commandLine: commandLine, elfCoreHeader: headerRange,
                             systemMemoryOutsideRegion: outside)
    }

    /// R must be RAM of the system kernel and clear of firmware ranges.
    func checkRegion() throws(KexecJumpPlanError) {
        for range in region.ranges {
            if range.start % Self.pageSize != 0 || range.end % Self.pageSize != 0 { throw .regionNotPageAligned(range) }
            let covered = PhysicalRange.subtracting(systemRAM, from: [range])
            if !covered.isEmpty { throw .regionNotSystemRAM(range) }
            if let firmware = firmwareMemoryMap.first(where: { $0.type != .usable && $0.range.overlaps(range) }) {
                throw .regionOverlapsFirmware(region: range, firmware: firmware)
            }
        }
    }

}

extension String {
    /// Byte offset of the first occurrence of `needle` in the UTF-8 view; the string must contain it.
    func utf8Offset(of needle: String) -> Int {
        let bytes = Array(utf8), pattern = Array(needle.utf8)
        for start in 0...(bytes.count - pattern.count) where Array(bytes[start..<start + pattern.count]) == pattern {
            return start
        }
        preconditionFailure("\(needle) is not in the string")
    }
}

extension BinaryInteger {
    /// The value rounded up to a multiple of `step` (a power of two or any positive step).
    func roundedUp(to step: Self) -> Self { (self + step - 1) / step * step }
}
