import KJumpCore

/// A command of the hibernation kernel's program, parsed from its arguments.
///
/// Why not swift-argument-parser, as the full `kjump` uses: it links
/// FoundationEssentials, about 7 MB that every boot of the hibernation
/// kernel would unpack from its initramfs and free again before the resume
/// can start (measured: kjump 17 MB with it; the initramfs's unpack and the
/// freeing of init memory are a quarter of H's boot). These commands,
/// called by H's /init with fixed words (and `probe`, for `kjump jump
/// --exec`), are all this program parses.
enum HibernationKernelCommand: Equatable {
    case help
    case version
    case saveHibernation
    case resume(device: String?)
    case jumpBack
    case bootArgument(key: String)
    case probe(vmcore: String, record: String?)
    case save(from: String, to: String, dumpLevel: Int, compression: ImageCompression, workers: Int?)

    /// What the program prints for `--help`.
    static let usage = """
        USAGE: kjump <command>   (the hibernation kernel's kjump; the full kjump runs on the system)

        COMMANDS:
          save-hibernation                  save the frozen system kernel to kjump.resume= and return
          resume [--resume-device <device>] restore the hibernated system and jump into it
          jump-back                         jump back into the system kernel (kjump.reentry=)
          boot-arg <key>                    print the value of <key>= on the kernel command line
          probe [--vmcore <path>] [--record <path>]
                                            read the frozen system kernel's memory and check it
          save --to <path> [--from <vmcore>] [--dump-level <0-31>] [--compress lz4|zstd|none] [--workers <n>]
                                            save a crash dump (default: /proc/vmcore, level 31, lz4)
          --version                         print the version
        """

    /// Parses the arguments after the program's name.
    init(arguments: [String]) throws(HibernationKernelUsageError) {
        guard let first = arguments.first else { self = .help; return }
        var options = try Self.options(Array(arguments.dropFirst()), command: first)
        func take(_ name: String) -> String? { options.removeValue(forKey: name) }
        switch first {
        case "-h", "--help", "help":
            self = .help
        case "--version":
            self = .version
        case "save-hibernation":
            self = .saveHibernation
        case "jump-back":
            self = .jumpBack
        case "resume":
            self = .resume(device: take("--resume-device"))
        case "boot-arg":
            guard let key = take("") else { throw .init("boot-arg needs a key, e.g. kjump boot-arg kjump.exec") }
            self = .bootArgument(key: key)
        case "probe":
            self = .probe(vmcore: take("--vmcore") ?? "/proc/vmcore", record: take("--record"))
        case "save":
            guard let to = take("--to") else { throw .init("save needs --to <path>") }
            let levelText = take("--dump-level") ?? "31"
            guard let level = Int(levelText), DumpLevel(level: level) != nil else {
                throw .init("--dump-level must be between 0 and 31, not '\(levelText)'")
            }
            let codecText = take("--compress") ?? "lz4"
            guard let codec = ImageCompression(name: codecText) else { throw .init("--compress must be lz4, zstd or none, not '\(codecText)'") }
            var workers: Int?
            if let text = take("--workers") {
                guard let value = Int(text), value >= 0 else { throw .init("--workers must be a number of threads, not '\(text)'") }
                workers = value
            }
            self = .save(from: take("--from") ?? "/proc/vmcore", to: to, dumpLevel: level, compression: codec, workers: workers)
        default:
            throw .init("unknown command '\(first)'")
        }
        if let extra = options.keys.sorted().first {
            throw .init(extra.isEmpty ? "\(first) takes no such argument" : "\(first) has no option \(extra)")
        }
    }

    /// `--name value` and `--name=value` pairs; one bare word goes under "".
    private static func options(_ words: [String], command: String) throws(HibernationKernelUsageError) -> [String: String] {
        var options: [String: String] = [:]
        var index = 0
        while index < words.count {
            let word = words[index]
            var name = "", value = word
            if word.hasPrefix("--") {
                if let equals = word.firstIndex(of: "=") {
                    name = String(word[..<equals])
                    value = String(word[word.index(after: equals)...])
                } else {
                    guard index + 1 < words.count else { throw .init("\(word) needs a value") }
                    name = word
                    value = words[index + 1]
                    index += 1
                }
            }
            guard options[name] == nil else {
                throw .init(name.isEmpty ? "\(command) takes one argument, not '\(value)' as well" : "\(name) is given twice")
            }
            options[name] = value
            index += 1
        }
        return options
    }
}

/// A command line the hibernation kernel's program does not understand.
struct HibernationKernelUsageError: Error, Equatable, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
