/// Why the hibernation kernel cannot be planned as the crash kernel. Each
/// reads as a sentence and says what to do.
public enum KexecCrashPlanError: Error, Sendable, Equatable, CustomStringConvertible {
    case noReservation
    case reservationNotPageAligned(PhysicalRange)
    case reservationTooSmall(reservation: PhysicalRange, needed: UInt64)
    case kernelNotRelocatable
    case commandLineTooLong(length: Int, limit: Int)
    case tooManyMemoryMapEntries(Int)
    case purgatoryTooLarge(Int)

    public var description: String {
        switch self {
        case .noReservation:
            "the running kernel reserved no memory for a crash kernel: boot it with crashkernel=256M "
                + "(add it to GRUB_CMDLINE_LINUX_DEFAULT in /etc/default/grub, run update-grub, reboot)"
        case .reservationNotPageAligned(let range):
            "the crash kernel reservation \(range) is not page aligned"
        case .reservationTooSmall(let reservation, let needed):
            "the crash kernel reservation is \(reservation.size >> 20) MiB, but the hibernation kernel needs at least "
                + "\((needed + (1 << 20) - 1) >> 20) MiB: boot with crashkernel=\(KexecCrashPlanner.suggestedReservationMiB(needed: needed))M"
        case .kernelNotRelocatable:
            "the hibernation kernel is not relocatable (CONFIG_RELOCATABLE), so it cannot run in the crash kernel reservation"
        case .commandLineTooLong(let length, let limit):
            "the crash kernel's command line is \(length) bytes, but the kernel accepts at most \(limit)"
        case .tooManyMemoryMapEntries(let count):
            "the crash kernel's memory map would need \(count) entries; boot_params holds \(E820.maxZeroPageEntries)"
        case .purgatoryTooLarge(let size):
            "the purgatory is \(size) bytes; it must fit in one page"
        }
    }
}

/// Lays the hibernation kernel out in the `crashkernel=` reservation for
/// `kexec_load(…, KEXEC_ON_CRASH)`:
///
/// ```
/// reservation +0x0000   purgatory                  (entry)
///             +0x1000   boot_params
///             +0x2000   command line
///             +0x3000 … ELF core header            (reserved in H's e820)
///             kernel    H's kernel, init_size bytes (aligned, relocated by its decompressor)
///             …         H's working memory to the end of the reservation
/// ```
///
/// The ELF core header describes the system's RAM outside the reservation
/// and above 1 MiB (H uses the low memory for its real-mode trampoline, as
/// every crash kernel does), a `PT_NOTE` per CPU (`crash_notes`, which the
/// crashing kernel fills with each CPU's registers) and VMCOREINFO.
/// Unlike a jump, nothing of the system's memory is swapped: the kernel
/// loads every segment straight into the reservation, which the system
/// kernel never uses.
public struct KexecCrashPlanner: Sendable {
    /// Memory H needs beyond its decompressed kernel: its unpacked
    /// initramfs, page tables, kjump's buffers.
    public static let workingMemory: UInt64 = 96 << 20
    /// The low memory H may use: below 1 MiB.
    public static let lowMemoryLimit: UInt64 = 1 << 20

    /// The `crashkernel=` reservation ("Crash kernel" in `/proc/iomem`).
    public var reservation: PhysicalRange
    public var kernel: BzImage
    public var purgatory: PurgatoryCode
    /// The system kernel's firmware memory map (`/sys/firmware/memmap`).
    public var firmwareMemoryMap: [E820Entry]
    /// The system kernel's RAM (`/proc/iomem` "System RAM"), reservation included.
    public var systemRAM: [PhysicalRange]
    /// Where the system kernel's VMCOREINFO note lies (`/sys/kernel/vmcoreinfo`).
    public var vmcoreinfo: PhysicalRange
    /// Each possible CPU's `crash_notes` buffer (`/sys/devices/system/cpu/cpuN/crash_notes`).
    public var cpuNotes: [PhysicalRange]
    /// More words for H's command line (console=, kjump.target=…).
    public var extraCommandLine: [String]
    /// CPUs H brings up (`nr_cpus=`): 1 is the safe choice after a crash;
    /// more let kjump compress on several.
    public var cpus: Int

    public init(reservation: PhysicalRange, kernel: BzImage, purgatory: PurgatoryCode,
                firmwareMemoryMap: [E820Entry], systemRAM: [PhysicalRange], vmcoreinfo: PhysicalRange,
                cpuNotes: [PhysicalRange], extraCommandLine: [String], cpus: Int = 1) {
        self.cpus = max(cpus, 1)
        self.reservation = reservation
        self.kernel = kernel
        self.purgatory = purgatory
        self.firmwareMemoryMap = firmwareMemoryMap
        self.systemRAM = systemRAM
        self.vmcoreinfo = vmcoreinfo
        self.cpuNotes = cpuNotes
        self.extraCommandLine = extraCommandLine
    }

    /// A `crashkernel=` size in MiB that holds `needed` bytes, rounded up to 32 MiB.
    public static func suggestedReservationMiB(needed: UInt64) -> UInt64 {
        ((needed + (32 << 20) - 1) >> 20) / 32 * 32
    }

    /// The plan; its `systemMemoryOutsideRegion` is what the dump will hold.
    public func plan() throws(KexecCrashPlanError) -> KexecJumpPlan {
        let page = KexecJumpPlanner.pageSize
        guard reservation.size > 0 else { throw .noReservation }
        guard reservation.start % page == 0, reservation.end % page == 0 else {
            throw .reservationNotPageAligned(reservation)
        }
        guard kernel.isRelocatable else { throw .kernelNotRelocatable }
        guard purgatory.bytes.count <= page else { throw .purgatoryTooLarge(purgatory.bytes.count) }

        let purgatoryAddress = reservation.start
        let bootParamsAddress = reservation.start + page
        let commandLineAddress = reservation.start + 2 * page
        let headerAddress = reservation.start + 3 * page

        // H's low memory: the system's RAM below 1 MiB, in whole pages.
        let low = PhysicalRange.subtracting([PhysicalRange(start: Self.lowMemoryLimit, end: .max)], from: systemRAM)
            .compactMap { $0.wholePages(pageSize: page) }
        // What the dump describes: the system's RAM without the reservation and without the
        // first MiB, which H uses (the system kernel keeps nothing there since Linux 5.13).
        let dumped = PhysicalRange.subtracting([PhysicalRange(start: 0, end: Self.lowMemoryLimit), reservation], from: systemRAM)
        let notes = cpuNotes + [vmcoreinfo]
        let header = ElfCoreWriter.vmcoreHeader(loads: dumped, notes: notes.map { ($0.start, $0.size) })
        let headerRange = PhysicalRange(start: headerAddress,
                                        end: headerAddress + UInt64(header.count).roundedUp(to: page))

        let alignment = max(UInt64(kernel.kernelAlignment), page)
        let kernelAddress = headerRange.end.roundedUp(to: alignment)
        let kernelRange = PhysicalRange(start: kernelAddress,
                                        end: kernelAddress + max(UInt64(kernel.initSize), UInt64(kernel.protectedModeKernel.count)).roundedUp(to: page))
        let needed = kernelRange.end + Self.workingMemory - reservation.start
        guard reservation.size >= needed else { throw .reservationTooSmall(reservation: reservation, needed: needed) }

        // H's memory map: firmware ranges kept, low memory and the reservation as RAM, the header reserved.
        var memoryMap = firmwareMemoryMap.filter { $0.type != .usable }
        memoryMap += low.map { E820Entry(range: $0, type: .usable) }
        memoryMap.append(E820Entry(address: reservation.start, size: headerRange.start - reservation.start, type: .usable))
        memoryMap.append(E820Entry(range: headerRange, type: .reserved))
        memoryMap.append(E820Entry(address: headerRange.end, size: reservation.end - headerRange.end, type: .usable))
        memoryMap.sort { $0.address < $1.address }
        guard memoryMap.count <= E820.maxZeroPageEntries else { throw .tooManyMemoryMapEntries(memoryMap.count) }

        let words = HibernationKernelArguments.common + ["nr_cpus=\(cpus)", "reset_devices",
                     "elfcorehdr=\(headerRange.size)@\(HexText.number(headerAddress))",
                     "kjump.role=crash"] + extraCommandLine
        let commandLine = words.joined(separator: " ")
        let limit = min(Int(kernel.commandLineSizeLimit), Int(page) - 1)
        guard commandLine.utf8.count <= limit else { throw .commandLineTooLong(length: commandLine.utf8.count, limit: limit) }

        let bootParams: [UInt8]
        do {
            bootParams = try BootParams.make(image: kernel, commandLineAddress: commandLineAddress, e820: memoryMap)
        } catch {
            throw .tooManyMemoryMapEntries(memoryMap.count)
        }
        // No re-entry point: a crash kernel never returns, so the purgatory writes none.
        let segments = [
            KexecSegmentPlan(purpose: "purgatory", destination: purgatoryAddress, memorySize: page,
                             bytes: purgatory.patched(bootParamsAddress: bootParamsAddress,
                                                      kernelEntry: kernelAddress + 0x200, reentryDigitsAddress: 0)),
            KexecSegmentPlan(purpose: "boot parameters", destination: bootParamsAddress, memorySize: page,
                             bytes: bootParams),
            KexecSegmentPlan(purpose: "command line", destination: commandLineAddress, memorySize: page,
                             bytes: Array(commandLine.utf8) + [0]),
            KexecSegmentPlan(purpose: "ELF core header", destination: headerRange.start,
                             memorySize: headerRange.size, bytes: header),
            KexecSegmentPlan(purpose: "hibernation kernel", destination: kernelRange.start,
                             memorySize: kernelRange.size, bytes: kernel.protectedModeKernel),
        ]
        return KexecJumpPlan(entry: purgatoryAddress, segments: segments, hibernationMemoryMap: memoryMap,
                             commandLine: commandLine, elfCoreHeader: headerRange, systemMemoryOutsideRegion: dumped)
    }
}
