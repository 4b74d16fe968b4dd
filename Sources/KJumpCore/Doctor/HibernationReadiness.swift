/// `kjump status`: whether a plain `kjump hibernate` (as `systemctl
/// hibernate` runs it) would go ahead on this machine now, and if not, why.
/// The doctor's checks that hibernation needs, then what the configuration
/// names: the hibernation kernel, the resume target and its room, the key,
/// the resume boot entry. Pure: the same facts always give the same report.
public struct HibernationReadiness: Sendable {
    /// What `kjump status` found beside the doctor's facts.
    public struct Facts: Sendable, Equatable {
        /// The configuration, or why it could not be read.
        public var configuration: Result<KJumpConfiguration, ConfigurationError>
        /// Where the configuration was looked for, and whether a file was there.
        public var configurationPath: String
        public var configurationExists: Bool
        public var hibernationKernelPath: String
        public var hibernationKernelExists: Bool
        /// The sealing key's path and whether a key is there.
        public var hibernationKeyPath: String
        public var hibernationKeyExists: Bool
        /// The resume file's room for an image, or why it is unusable (nil: no resume file configured).
        public var resumeFile: Result<UInt64, ResumeFileProblem>?

        public init(configuration: Result<KJumpConfiguration, ConfigurationError>, configurationPath: String,
                    configurationExists: Bool, hibernationKernelPath: String, hibernationKernelExists: Bool,
                    hibernationKeyPath: String, hibernationKeyExists: Bool, resumeFile: Result<UInt64, ResumeFileProblem>?) {
            self.configuration = configuration
            self.configurationPath = configurationPath
            self.configurationExists = configurationExists
            self.hibernationKernelPath = hibernationKernelPath
            self.hibernationKernelExists = hibernationKernelExists
            self.hibernationKeyPath = hibernationKeyPath
            self.hibernationKeyExists = hibernationKeyExists
            self.resumeFile = resumeFile
        }
    }

    /// Why a resume file cannot take an image, as a sentence.
    public struct ResumeFileProblem: Error, Sendable, Equatable {
        public var reason: String
        public init(_ reason: String) { self.reason = reason }
    }

    /// The doctor's checks a hibernation does not need (crash capture's).
    static let notNeeded: Set<String> = ["crash kernel", "CONFIG_PROC_VMCORE"]

    public init() {}

    /// The doctor's report (read for the configured resume device, if any)
    /// narrowed to hibernation, then the configuration's checks.
    public func evaluate(doctor: DoctorReport, facts: Facts, memory: MemoryInfo?) -> DoctorReport {
        var checks = doctor.checks.filter { !Self.notNeeded.contains($0.name) }
        let configuration: KJumpConfiguration
        switch facts.configuration {
        case .failure(let error):
            let advice = if case .invalidLine = error { "; fix that line" } else { "" }
            checks.append(DoctorCheck(.fail, "configuration", error.description + advice))
            return DoctorReport(checks: checks)
        case .success(let read):
            configuration = read
            // Without a resume device the doctor's device check only repeats the target's.
            if read.resumeDevice == nil { checks.removeAll { $0.name == "resume device" } }
            checks.append(facts.configurationExists
                ? DoctorCheck(.ok, "configuration", facts.configurationPath)
                : DoctorCheck(.warn, "configuration", "no \(facts.configurationPath): kjump hibernate needs its options on the command line"))
        }
        checks.append(facts.hibernationKernelExists
            ? DoctorCheck(.ok, "hibernation kernel", facts.hibernationKernelPath)
            : DoctorCheck(.fail, "hibernation kernel", "\(facts.hibernationKernelPath) is missing: reinstall kjump, or give kjump hibernate --kernel PATH"))
        checks.append(resumeTarget(configuration, facts: facts, memory: memory))
        if configuration.seal == false {
            checks.append(DoctorCheck(.warn, "sealing", "seal = no: the image is written in plaintext, and anyone who can write the resume target can change what resumes"))
        } else {
            checks.append(facts.hibernationKeyExists
                ? DoctorCheck(.ok, "sealing", "images are sealed with \(facts.hibernationKeyPath)")
                : DoctorCheck(.fail, "sealing", "no hibernation key at \(facts.hibernationKeyPath): run 'kjump keygen' (or set seal = no)"))
        }
        checks.append(configuration.grubEntry.map { DoctorCheck(.ok, "resume boot entry", "GRUB entry '\($0)', armed for one boot at each hibernation") }
            ?? DoctorCheck(.warn, "resume boot entry", "no grub-entry in the configuration: after hibernating, start the hibernation kernel with the image's resume command line yourself ('kjump inspect --resume-command-line')"))
        return DoctorReport(checks: checks)
    }

    /// The resume device comes from the doctor's report (it was read for it);
    /// a resume file is judged here, by its room against the memory in use.
    func resumeTarget(_ configuration: KJumpConfiguration, facts: Facts, memory: MemoryInfo?) -> DoctorCheck {
        let name = "resume file"
        guard let file = configuration.resumeFile else {
            return configuration.resumeDevice == nil
                ? DoctorCheck(.fail, "resume target", "neither resume-device nor resume-file is set in \(facts.configurationPath)")
                : DoctorCheck(.ok, "resume target", "the resume device \(configuration.resumeDevice!) (checked above)")
        }
        switch facts.resumeFile {
        case .none:
            return DoctorCheck(.fail, name, "\(file) was not checked")
        case .failure(let problem)?:
            return DoctorCheck(.fail, name, "\(file): \(problem.reason)")
        case .success(let capacity)?:
            if let memory, capacity < memory.total - memory.available {
                return DoctorCheck(.warn, name, "\(file): \(capacity >> 20) MiB for the image, less than the \((memory.total - memory.available) >> 20) MiB of memory in use; an image may not fit (kjump setup --file \(file) --size …)")
            }
            return DoctorCheck(.ok, name, "\(file): \(capacity >> 20) MiB for the image")
        }
    }
}
