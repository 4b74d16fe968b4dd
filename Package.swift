// swift-tools-version:6.0
// kjump: Linux hibernation and crash capture built on kexec jump.
import PackageDescription

let package = Package(
    name: "kjump",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "kjump", targets: ["kjump"]),
        // The hibernation kernel's program (installed there as `kjump`): no
        // argument parser and no Foundation, to keep H's initramfs small.
        .executable(name: "kjump-hibernation-kernel", targets: ["kjump-hibernation-kernel"]),
        .library(name: "KJumpCore", targets: ["KJumpCore"]),
        .library(name: "KJumpLinux", targets: ["KJumpLinux"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        // AES-GCM for sealed frames, HPKE (X25519, HKDF-SHA256) for the image key, SHA-256 and HMAC.
        .package(url: "https://github.com/apple/swift-crypto", exact: "4.5.2"),
    ],
    targets: [
        // Pure Swift: parsing, models, planning. No system calls.
        // Compression and hashing (pure computation) come from C libraries.
        // Sealing (encryption and authentication) comes from swift-crypto and libargon2.
        .target(name: "KJumpCore", dependencies: ["CLZ4", "CZstd", "CXXHash", "CArgon2",
                                                  .product(name: "Crypto", package: "swift-crypto")]),
        // C shims for what Swift cannot call directly (raw syscalls, later the purgatory).
        .target(name: "CKJump"),
        // zlib, for /proc/config.gz. Debian: zlib1g-dev.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // lz4, zstd and xxHash (XXH3), for the image format. Debian: liblz4-dev, libzstd-dev, libxxhash-dev.
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CXXHash", pkgConfig: "libxxhash", providers: [.apt(["libxxhash-dev"])]),
        // Argon2id for passphrase-protected resume keys. Debian: libargon2-dev.
        .systemLibrary(name: "CArgon2", pkgConfig: "libargon2", providers: [.apt(["libargon2-dev"])]),
        // The only layer that talks to the kernel.
        .target(
            name: "KJumpLinux",
            dependencies: [
                "KJumpCore", "CKJump", "CZlib",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The thin command-line interface.
        .executableTarget(
            name: "kjump",
            dependencies: [
                "KJumpCore", "KJumpLinux",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // What H's /init runs: save-hibernation, resume, jump-back, boot-arg, save.
        .executableTarget(name: "kjump-hibernation-kernel", dependencies: ["KJumpCore", "KJumpLinux"]),
        .testTarget(name: "KJumpCoreTests", dependencies: ["KJumpCore"], resources: [.copy("Fixtures")]),
        .testTarget(name: "KJumpLinuxTests", dependencies: ["KJumpLinux", "KJumpCore"], resources: [.copy("Fixtures")]),
        .testTarget(name: "kjumpTests", dependencies: ["kjump", "KJumpCore"]),
        .testTarget(name: "kjumpHibernationKernelTests", dependencies: ["kjump-hibernation-kernel", "KJumpCore"]),
    ],
    swiftLanguageModes: [.v6]
)
