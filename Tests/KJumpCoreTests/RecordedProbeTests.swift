import Testing
@testable import KJumpCore

/// Replays `kjump probe` on pages recorded in a real hibernation kernel
/// (lab/run jump, first trip): the control page, the kexec indirection list
/// and the backup pages the probe read, plus H's command line.
@Suite struct RecordedProbeTests {
    static func recording() throws -> PageRecording {
        try PageRecording(decoding: fixtureBytes("probe-6.12-jump.kjpages"))
    }

    @Test func recordedProbeFindsTheSystemKernelThroughTheBackupPages() throws {
        let recording = try Self.recording()
        let context = try HibernationKernelContext(parsing: KernelCommandLine(parsing: try #require(recording.context["cmdline"])))
        #expect(context.role == "jump")
        let memory = try RegionAwarePhysicalMemory(base: RecordedPhysicalMemory(recording), region: context.region,
                                                   reentryPoint: context.reentryPoint)
        // Every page of R was a kexec destination, so every page has a backup page.
        #expect(memory.backedUpPageCount == Int(context.region.totalBytes / 4096))
        let probe = try SystemKernelProbe.run(memory: memory, loads: [], region: context.region.ranges,
                                              vmcoreinfo: context.vmcoreinfo)
        #expect(probe.osRelease == "6.12.117")
        #expect(probe.pageSize == 4096)
        #expect(probe.vmcoreinfoInRegion)
        #expect(probe.releasesMatch)
        #expect(probe.render().hasSuffix("kjump probe: OK"))
    }

    @Test func withoutTheBackupPagesTheRegionCannotBeRead() throws {
        let recording = try Self.recording()
        let context = try HibernationKernelContext(parsing: KernelCommandLine(parsing: try #require(recording.context["cmdline"])))
        let noPairs = RegionAwarePhysicalMemory(base: RecordedPhysicalMemory(recording), region: context.region, pairs: [])
        #expect(throws: PhysicalMemoryError.notBackedUp(context.vmcoreinfo.start)) {
            try noPairs.read(physicalAddress: context.vmcoreinfo.start, count: 16)
        }
    }

    @Test func recordingRoundTripsAndRejectsDamage() throws {
        let recording = PageRecording(context: ["a": "b=c"], pages: [0x2000: [UInt8](repeating: 7, count: 4096)])
        let bytes = recording.encoded()
        #expect(try PageRecording(decoding: bytes + [1, 2, 3]) == recording)
        #expect(throws: PageRecordingError.badMagic) { try PageRecording(decoding: [UInt8](repeating: 0, count: 32)) }
        #expect(throws: PageRecordingError.self) { try PageRecording(decoding: Array(bytes.prefix(100))) }
        let memory = RecordedPhysicalMemory(recording)
        #expect(try memory.read(physicalAddress: 0x2ffe, count: 2) == [7, 7])
        #expect(throws: PhysicalMemoryError.notPresent(0x3000)) { try memory.read(physicalAddress: 0x2fff, count: 2) }
    }
}
