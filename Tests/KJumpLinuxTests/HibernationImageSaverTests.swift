import KJumpCore
@testable import KJumpLinux
import Testing

/// The saver's steps that need no /proc/vmcore: the header it writes, and
/// committing or giving the image up.
@Suite struct HibernationImageSaverTests {
    static let context = HibernationKernelContext(role: "hibernate", reentryPoint: 0x3b84_1234,
                                                  region: HibernationRegion(mainBlockBytes: 80 << 20),
                                                  vmcoreinfo: PhysicalRange(start: 0x2000_0000, end: 0x2000_1000))
    static let firmware = [E820Entry(address: 0, size: 0x9fc00, type: .usable),
                           E820Entry(address: 0x100000, size: 0x3fee0000, type: .usable)]

    static var system: HibernationImageSaver.SystemKernelDescription {
        var note = KJumpNote(fields: ["attempt": "a1b2", "filesystems": "/dev/vda=uuid:4:77"])
        note.firmwareMemoryMap = firmware
        let descriptor = Array("OSRELEASE=6.12.118-kjump\nPAGESIZE=4096\n".utf8)
        let vmcoreinfoNote = ElfNote(name: VmcoreInfo.noteName, type: 0, descriptor: descriptor)
        return .init(note: note, firmwareMemoryMap: firmware, vmcoreinfoNote: vmcoreinfoNote,
                     vmcoreinfo: VmcoreInfo(noteDescriptor: descriptor))
    }

    @Test func theHeaderNamesTheKernelReentryRegionRestorerAndAttempt() {
        let target = ResumeTarget(device: "/dev/vdb", mapOffset: 4096)
        let header = HibernationImageSaver.header(Self.system, context: Self.context, target: target, compression: .zstd,
                                                  imageID: ImageID(bytes: [UInt8](repeating: 9, count: 16)), createdAt: 1234)
        #expect(header.kind == .hibernation)
        #expect(header.compression == .zstd)
        #expect(header.createdAt == 1234)
        #expect(header.systemKernel.osRelease == "6.12.118-kjump")
        #expect(header.reentryPoint == 0x3b84_1234)
        #expect(header.hibernationRegion == Self.context.region)
        #expect(header.firmwareMemoryMap == Self.firmware)
        #expect(header.resumeCommandLine.hasSuffix("kjump.role=resume kjump.resume=/dev/vdb kjump.resume-offset=4096"))
        #expect(header.note("attempt") == "a1b2")
        #expect(header.note("filesystems") == "/dev/vda=uuid:4:77")
    }

    static func writer() throws -> (ImageWriter, ArrayImageSink) {
        let header = HibernationImageSaver.header(Self.system, context: Self.context, target: ResumeTarget(device: "/dev/vdb"),
                                                  compression: .lz4, imageID: ImageID(bytes: [UInt8](repeating: 5, count: 16)),
                                                  createdAt: 1)
        let sink = ArrayImageSink()
        return (try ImageWriter(header: header, sink: sink, options: .init(workers: 0)), sink)
    }

    @Test func aSaveThatFailsLeavesItsReasonOnTheTargetAndNoCommittedImage() throws {
        let (writer, sink) = try Self.writer()
        #expect(throws: HibernationError.self) {
            _ = try HibernationImageSaver.commitOrAbandon(writer, committedAt: { 2 }) {
                try writer.append(address: 0x100000, pages: [UInt8](repeating: 1, count: 4096))
                throw HibernationError.wouldNotResume(availableBytes: 40 << 20, neededBytes: 50 << 20, regionBytes: 80 << 20)
            }
        }
        let probe = try ImageReader.probe(ArrayByteSource(sink.bytes))
        #expect(probe.state.state == .writing)
        #expect(probe.state.failure?.hasPrefix("this image could not be resumed: restoring it needs 50 MiB") == true)
    }

    @Test func aSaveThatSucceedsIsCommitted() throws {
        let (writer, sink) = try Self.writer()
        let (pages, summary) = try HibernationImageSaver.commitOrAbandon(writer, committedAt: { 2 }) {
            try writer.append(address: 0x100000, pages: [UInt8](repeating: 1, count: 4096))
            return 1
        }
        #expect(pages == 1 && summary.dataPages == 1)
        let probe = try ImageReader.probe(ArrayByteSource(sink.bytes))
        #expect(probe.state.state == .committed)
        #expect(probe.state.committedAt == 2)
    }
}
