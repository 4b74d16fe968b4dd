import ArgumentParser
import KJumpCore

/// How a dump is filtered and compressed: `kjump save` and `kjump crash-load`.
struct DumpOptions: ParsableArguments {
    @Option(name: .customLong("dump-level"), help: "Pages to drop, as makedumpfile's -d (0–31).")
    var dumpLevel = 31

    @Option(help: "lz4 (fast, default), zstd (smaller) or none.")
    var compress = CompressionArgument.lz4

    /// The codec.
    var compression: ImageCompression { compress.codec }

    func validate() throws {
        guard DumpLevel(level: dumpLevel) != nil else { throw ValidationError("--dump-level must be between 0 and 31") }
    }

    /// The dump level; valid after `validate`.
    var level: DumpLevel { DumpLevel(level: dumpLevel)! }
}
