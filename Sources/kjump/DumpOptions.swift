import ArgumentParser
import KJumpCore

/// How a dump is filtered and compressed: `kjump save` and `kjump crash-load`.
struct DumpOptions: ParsableArguments {
    @Option(name: .customLong("dump-level"), help: "Pages to drop, as makedumpfile's -d (0–31).")
    var dumpLevel = 31

    @Option(help: "lz4 (fast, default), zstd (smaller) or none.")
    var compress = "lz4"

    func validate() throws {
        guard DumpLevel(level: dumpLevel) != nil else { throw ValidationError("--dump-level must be between 0 and 31") }
        guard ImageCompression(name: compress) != nil else { throw ValidationError("--compress must be lz4, zstd or none") }
    }

    /// The dump level; valid after `validate`.
    var level: DumpLevel { DumpLevel(level: dumpLevel)! }
    /// The codec; valid after `validate`.
    var compression: ImageCompression { ImageCompression(name: compress)! }
}
