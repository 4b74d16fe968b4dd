/// `/etc/kjump/kjump.conf`: the machine's defaults for `kjump hibernate`, so
/// that a plain `kjump hibernate` (as systemd runs it) knows where the image
/// goes and how. Options given on the command line win over the file.
///
/// One `key = value` per line; `#` starts a comment; blank lines are
/// ignored; a key given twice keeps its last value. Keys: `resume-device`,
/// `resume-file`, `compress` (lz4, zstd, none), `hibernation-key`, `seal`
/// (yes, no), `region-mib` (64–4096), `grub-entry`, `system-kernel`; and for
/// `kjump crash-load` (kjump-crash.service), `crash-device` and `crash-directory`.
public struct KJumpConfiguration: Sendable, Equatable {
    public var resumeDevice: String?
    public var resumeFile: String?
    public var compression: ImageCompression?
    public var hibernationKey: String?
    public var seal: Bool?
    public var regionMiB: UInt64?
    public var grubEntry: String?
    public var systemKernel: String?
    /// Where `kjump crash-load` sends a crash dump: a raw device, or the one holding `crashDirectory`'s filesystem.
    public var crashDevice: String?
    /// A directory of the ext4 filesystem on `crashDevice` for dump files.
    public var crashDirectory: String?

    /// Where the installed configuration lives.
    public static let defaultPath = "/etc/kjump/kjump.conf"

    /// The keys the file may hold, in the order the installed file documents them.
    public static let keys = ["resume-device", "resume-file", "compress", "hibernation-key", "seal", "region-mib", "grub-entry", "system-kernel", "crash-device", "crash-directory"]

    /// Nothing configured: every default is kjump's own.
    public init() {}

    /// Parses the file's text; `path` names it in errors.
    public init(parsing text: some StringProtocol, path: String) throws(ConfigurationError) {
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.prefix { $0 != "#" }.trimmingSpaces()
            if line.isEmpty { continue }
            func fail(_ reason: String) -> ConfigurationError { .invalidLine(path: path, line: index + 1, reason: reason) }
            guard let equals = line.firstIndex(of: "=") else { throw fail("'\(line)' is not 'key = value'") }
            let key = String(line[..<equals].trimmingSpaces())
            let value = String(line[line.index(after: equals)...].trimmingSpaces())
            guard !value.isEmpty else { throw fail("\(key) has no value") }
            switch key {
            case "resume-device": resumeDevice = value
            case "resume-file": resumeFile = value
            case "compress":
                guard let codec = ImageCompression(name: value) else { throw fail("compress must be lz4, zstd or none, not '\(value)'") }
                compression = codec
            case "hibernation-key": hibernationKey = value
            case "seal":
                switch value.lowercased() {
                case "yes", "true", "1": seal = true
                case "no", "false", "0": seal = false
                default: throw fail("seal must be yes or no, not '\(value)'")
                }
            case "region-mib":
                guard let mib = UInt64(value), (64...4096).contains(mib) else { throw fail("region-mib must be a number of MiB from 64 to 4096, not '\(value)'") }
                regionMiB = mib
            case "grub-entry": grubEntry = value
            case "system-kernel": systemKernel = value
            case "crash-device": crashDevice = value
            case "crash-directory":
                guard value.hasPrefix("/") else { throw fail("crash-directory is a path from the root of the dump filesystem, e.g. /dumps, not '\(value)'") }
                crashDirectory = value
            default:
                throw fail("unknown key '\(key)' (known: \(Self.keys.joined(separator: ", ")))")
            }
        }
        if resumeDevice != nil, resumeFile != nil {
            throw .conflicting(path: path, reason: "it names both a resume-device and a resume-file; keep one")
        }
        if crashDirectory != nil, crashDevice == nil {
            throw .conflicting(path: path, reason: "crash-directory needs a crash-device (the device whose filesystem holds it)")
        }
    }
}

extension KJumpConfiguration {
    /// Whether these settings name where the image goes.
    public var namesResumeTarget: Bool { resumeDevice != nil || resumeFile != nil }

    /// These settings with `given`'s wherever `given` has one: the command
    /// line's over the file's. A resume device or file in `given` replaces
    /// both of these (a command line that names a file means that file); a
    /// crash device given replaces the file's device and directory.
    public func overridden(by given: KJumpConfiguration) -> KJumpConfiguration {
        var merged = self
        if given.resumeDevice != nil || given.resumeFile != nil {
            (merged.resumeDevice, merged.resumeFile) = (given.resumeDevice, given.resumeFile)
        }
        merged.compression = given.compression ?? compression
        merged.hibernationKey = given.hibernationKey ?? hibernationKey
        merged.seal = given.seal ?? seal
        merged.regionMiB = given.regionMiB ?? regionMiB
        merged.grubEntry = given.grubEntry ?? grubEntry
        merged.systemKernel = given.systemKernel ?? systemKernel
        // A crash device given means that device, with the directory given or none;
        // a directory alone is on the file's device.
        if given.crashDevice != nil {
            (merged.crashDevice, merged.crashDirectory) = (given.crashDevice, given.crashDirectory)
        } else {
            merged.crashDirectory = given.crashDirectory ?? crashDirectory
        }
        return merged
    }
}

/// Why a configuration file was refused.
public enum ConfigurationError: Error, Equatable, CustomStringConvertible {
    case invalidLine(path: String, line: Int, reason: String)
    case conflicting(path: String, reason: String)
    /// The file is there (or was named) but could not be read.
    case unreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): "\(path) cannot be read: \(reason)"
        case let .invalidLine(path, line, reason): "\(path), line \(line): \(reason)"
        case let .conflicting(path, reason): "\(path): \(reason)"
        }
    }
}
