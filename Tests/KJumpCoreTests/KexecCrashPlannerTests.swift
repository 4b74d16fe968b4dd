import Testing
@testable import KJumpCore

@Suite struct KexecCrashPlannerTests {
    /// A 1 GiB guest booted with crashkernel=192M (the kernel put it at 0x33000000).
    static let reservation = PhysicalRange(start: 0x3300_0000, end: 0x3f00_0000)
    static let cpuNotes = [PhysicalRange(start: 0x3e41_c8a8, end: 0x3e41_cc00), PhysicalRange(start: 0x3e51_c8a8, end: 0x3e51_cc00)]
    static let vmcoreinfo = PhysicalRange(start: 0x264000, end: 0x265024)

    static func planner(reservation: PhysicalRange = reservation) throws -> KexecCrashPlanner {
        KexecCrashPlanner(reservation: reservation, kernel: try KexecJumpPlannerTests.kernel(),
                          purgatory: KexecJumpPlannerTests.purgatory, firmwareMemoryMap: KexecJumpPlannerTests.firmware,
                          systemRAM: KexecJumpPlannerTests.systemRAM, vmcoreinfo: vmcoreinfo, cpuNotes: cpuNotes,
                          extraCommandLine: ["console=ttyS0", "kjump.target=/dev/vdb"])
    }

    @Test func everySegmentLiesInTheReservation() throws {
        let plan = try Self.planner().plan()
        #expect(plan.entry == Self.reservation.start)
        for segment in plan.segments {
            #expect(segment.destination >= Self.reservation.start && segment.range.end <= Self.reservation.end, "\(segment.purpose)")
            #expect(segment.destination % 4096 == 0 && segment.memorySize % 4096 == 0, "\(segment.purpose)")
        }
        let kernel = try #require(plan.segments.first { $0.purpose == "hibernation kernel" })
        #expect(kernel.destination % 0x200000 == 0)
    }

    @Test func purgatoryWritesNoReentryPoint() throws {
        let plan = try Self.planner().plan()
        let purgatory = try #require(plan.segments.first { $0.purpose == "purgatory" })
        let digits = (0..<8).reduce(UInt64(0)) { $0 | UInt64(purgatory.bytes[40 + 16 + $1]) << (8 * $1) }
        #expect(digits == 0)
        #expect(!plan.commandLine.contains("kjump.reentry"))
        #expect(plan.commandLine.contains("kjump.role=crash"))
        #expect(plan.commandLine.contains("elfcorehdr=\(plan.elfCoreHeader.size)@0x\(String(plan.elfCoreHeader.start, radix: 16))"))
        #expect(plan.commandLine.hasSuffix("console=ttyS0 kjump.target=/dev/vdb"))
    }

    @Test func headerDescribesRamOutsideTheReservationAndLowMemoryAndEveryNote() throws {
        let plan = try Self.planner().plan()
        #expect(plan.systemMemoryOutsideRegion == [PhysicalRange(start: 0x100000, end: 0x3300_0000),
                                                   PhysicalRange(start: 0x3f00_0000, end: 0x3ffe_0000)])
        let header = try #require(plan.segments.first { $0.purpose == "ELF core header" })
        let core = try ElfCoreFile(parsing: ArrayByteSource(Array(header.bytes)), offsets: .physicalAddress)
        #expect(core.loads.map { PhysicalRange(start: $0.physicalAddress, end: $0.physicalAddress + $0.memorySize) }
                == plan.systemMemoryOutsideRegion)
        #expect(core.programHeaders.filter { $0.type == ElfProgramHeader.note }
                    .map { PhysicalRange(start: $0.physicalAddress, end: $0.physicalAddress + $0.fileSize) }
                == Self.cpuNotes + [Self.vmcoreinfo])
    }

    @Test func memoryMapGivesHLowMemoryAndTheReservationOnly() throws {
        let plan = try Self.planner().plan()
        let usable = plan.hibernationMemoryMap.filter { $0.type == .usable }.map(\.range)
        #expect(usable == [PhysicalRange(start: 0x1000, end: 0x9f000),
                           PhysicalRange(start: Self.reservation.start, end: plan.elfCoreHeader.start),
                           PhysicalRange(start: plan.elfCoreHeader.end, end: Self.reservation.end)])
        #expect(plan.hibernationMemoryMap.contains(E820Entry(range: plan.elfCoreHeader, type: .reserved)))
        #expect(plan.hibernationMemoryMap.contains(E820Entry(address: 0xf0000, size: 0x10000, type: .reserved)))
    }

    @Test func tooSmallReservationSaysWhatToBootWith() throws {
        let small = PhysicalRange(start: 0x3300_0000, end: 0x3500_0000)
        #expect {
            try Self.planner(reservation: small).plan()
        } throws: { error in
            guard case .reservationTooSmall(_, let needed) = error as? KexecCrashPlanError else { return false }
            let text = (error as! KexecCrashPlanError).description
            return needed > small.size && text.contains("32 MiB") && text.contains("crashkernel=")
        }
    }

    @Test func noReservationExplainsCrashkernel() throws {
        #expect(throws: KexecCrashPlanError.noReservation) {
            try Self.planner(reservation: PhysicalRange(start: 0, end: 0)).plan()
        }
        #expect(KexecCrashPlanError.noReservation.description.contains("crashkernel=256M"))
    }

    @Test func suggestedReservationRoundsUpTo32MiB() {
        #expect(KexecCrashPlanner.suggestedReservationMiB(needed: 100 << 20) == 128)
        #expect(KexecCrashPlanner.suggestedReservationMiB(needed: 128 << 20) == 128)
    }
}
