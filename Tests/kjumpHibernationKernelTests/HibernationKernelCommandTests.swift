import KJumpCore
import Testing
@testable import kjump_hibernation_kernel

@Suite struct HibernationKernelCommandTests {
    func parse(_ words: String) throws(HibernationKernelUsageError) -> HibernationKernelCommand {
        try HibernationKernelCommand(arguments: words.split(separator: " ").map(String.init))
    }

    @Test func theCommandsH_sInitRuns() throws {
        #expect(try parse("save-hibernation") == .saveHibernation)
        #expect(try parse("resume") == .resume(device: nil))
        #expect(try parse("resume --resume-device /dev/vdb") == .resume(device: "/dev/vdb"))
        #expect(try parse("resume --resume-device=/dev/vdb") == .resume(device: "/dev/vdb"))
        #expect(try parse("jump-back") == .jumpBack)
        #expect(try parse("boot-arg kjump.exec") == .bootArgument(key: "kjump.exec"))
        #expect(try parse("probe --record /dev/vdb") == .probe(vmcore: "/proc/vmcore", record: "/dev/vdb"))
        #expect(try parse("--version") == .version)
        #expect(try parse("") == .help)
        #expect(try parse("--help") == .help)
    }

    @Test func saveTakesTheCrashOptionsWithDefaults() throws {
        #expect(try parse("save --to /dev/vdc") == .save(from: "/proc/vmcore", to: "/dev/vdc", dumpLevel: 31, compression: .lz4, workers: nil))
        #expect(try parse("save --from /proc/vmcore --to /tmp/bench.dump --dump-level 31 --compress zstd --workers 2")
                == .save(from: "/proc/vmcore", to: "/tmp/bench.dump", dumpLevel: 31, compression: .zstd, workers: 2))
    }

    @Test func mistakesAreNamed() {
        #expect(throws: HibernationKernelUsageError("unknown command 'hibernate'")) { try parse("hibernate") }
        #expect(throws: HibernationKernelUsageError("save needs --to <path>")) { try parse("save --from /proc/vmcore") }
        #expect(throws: HibernationKernelUsageError("--dump-level must be between 0 and 31, not '40'")) { try parse("save --to x --dump-level 40") }
        #expect(throws: HibernationKernelUsageError("--compress must be lz4, zstd or none, not 'gzip'")) { try parse("save --to x --compress gzip") }
        #expect(throws: HibernationKernelUsageError("--workers must be a number of threads, not '-1'")) { try parse("save --to x --workers -1") }
        #expect(throws: HibernationKernelUsageError("--to needs a value")) { try parse("save --to") }
        #expect(throws: HibernationKernelUsageError("--to is given twice")) { try parse("save --to a --to b") }
        #expect(throws: HibernationKernelUsageError("resume has no option --resume-file")) { try parse("resume --resume-file /x") }
        #expect(throws: HibernationKernelUsageError("boot-arg needs a key, e.g. kjump boot-arg kjump.exec")) { try parse("boot-arg") }
        #expect(throws: HibernationKernelUsageError("jump-back takes no such argument")) { try parse("jump-back now") }
    }
}
