import ArgumentParser
import KJumpCore
import KJumpLinux

/// `kjump inspect`: what an image holds.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show an image's header, state, page counts and compression.",
        discussion: "Reads the header, the state block, the trailer and the index; does not check the frames (see 'kjump verify')."
    )

    @Argument(help: ArgumentHelp("The image: a file or a block device.", valueName: "image"))
    var image: String

    @OptionGroup var key: KeyOptions

    @Flag(name: .customLong("resume-command-line"),
          help: "Print only the command line the hibernation kernel must boot with to resume this image.")
    var resumeCommandLine = false

    func run() throws {
        let source = try ImageFile.source(path: image)
        let probe = try ImageReader.probe(source)
        if resumeCommandLine {
            print(probe.header.resumeCommandLine)
            return
        }
        guard probe.state.state != .writing else {
            print(ImageDescription.render(header: probe.header, state: probe.state, summary: nil))
            print("the image was never committed: its writer stopped before the end")
            throw ExitCode.failure
        }
        let reader = try ImageReader(source: source, unwrapper: try key.unwrapper())
        print(ImageDescription.render(header: reader.header, state: reader.state, summary: reader.summary))
        if reader.header.kind == .crash { print("panic      " + Self.panic(in: reader)) }
    }

    /// The panic as the dumped kernel's log tells it, or why it cannot be told.
    static func panic(in reader: ImageReader) -> String {
        guard let text = reader.header.note(ImageNote.vmcoreinfoKey) else { return "unknown (the image has no VMCOREINFO)" }
        do {
            let info = VmcoreInfo(text: text)
            let space = try KernelAddressSpace(vmcoreInfo: info, memory: try ImageSystemMemory(reader: reader))
            let log = try KernelLogReader(vmcoreInfo: info, addressSpace: space).read()
            return PanicReport(records: log.records)?.description ?? "none in the kernel log (a dump taken without a panic)"
        } catch {
            return "unknown (cannot read the kernel log: \(error))"
        }
    }
}

/// `kjump verify`: every checksum of an image.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every checksum of an image: header, state, index, trailer and each frame.",
        discussion: "Exits 0 only when the image is committed and intact."
    )

    @Argument(help: ArgumentHelp("The image: a file or a block device.", valueName: "image"))
    var image: String

    @OptionGroup var key: KeyOptions

    func run() throws {
        let reader = try ImageReader(source: try ImageFile.source(path: image), unwrapper: try key.unwrapper())
        let summary = try reader.verify()
        print("kjump verify: \(image): \(summary.frameCount) frames, \(summary.dataPages + summary.zeroPages) pages"
              + (reader.header.isSealed ? ", sealed and authentic" : "") + ": OK")
    }
}
