// swift-tools-version:5.4
// libFuzzer targets for KJumpCore's parsers of untrusted bytes (docs/FUZZING.md).
// Only `lab/fuzz` (`make fuzz`) builds them, with `-sanitize=fuzzer,address`;
// the main package's `swift build` and `swift test` never see this package.
//
// Tools version 5.4 on purpose: from 5.5 on, SwiftPM links an executable's
// `main` to a renamed Swift entry point (`<Target>_main`), but a fuzz target
// has none: libFuzzer's runtime brings `main` and calls the target's
// `LLVMFuzzerTestOneInput`. The code is still compiled as Swift 6.
import PackageDescription

/// The fuzz targets, one a line: `Sources/<name>/<name>.swift` defines
/// `LLVMFuzzerTestOneInput` and `Corpus/<name>/` holds its seeds. `lab/fuzz`
/// runs every `Sources/Fuzz*` directory.
let fuzzTargets = [
    "FuzzElfCore",
    "FuzzVmcoreInfo",
    "FuzzBzImage",
    "FuzzImage",
    "FuzzKeyFiles",
]

let package = Package(
    name: "kjump-fuzz",
    dependencies: [.package(name: "kjump", path: "..")],
    targets: [
        // libFuzzer's C interface that a target may call (LLVMFuzzerMutate).
        .target(name: "CLibFuzzer"),
    ] + fuzzTargets.map { name in
        .executableTarget(name: name, dependencies: ["CLibFuzzer", .product(name: "KJumpCore", package: "kjump")])
    },
    swiftLanguageVersions: [.version("6")]
)
