import ArgumentParser
import KJumpCore

/// `--compress lz4|zstd|none`: the image codecs by the names the image
/// header gives them (`ImageCompression`'s raw values are on-disk numbers,
/// which swift-argument-parser would show as the default).
enum CompressionArgument: String, CaseIterable, ExpressibleByArgument {
    case lz4, zstd, none

    var codec: ImageCompression {
        switch self {
        case .lz4: .lz4
        case .zstd: .zstd
        case .none: .none
        }
    }
}
