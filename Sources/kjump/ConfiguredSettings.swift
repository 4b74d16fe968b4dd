import ArgumentParser
import KJumpCore
import KJumpLinux

extension KJumpConfiguration {
    /// kjump.conf (or the file `configPath` names) with the command line's settings over it.
    static func loaded(configPath: String?, given: KJumpConfiguration) throws -> KJumpConfiguration {
        try load(path: configPath).overridden(by: given)
    }

    /// These settings, for a command that must know the resume target; when
    /// they name none, a usage error that says where to give it.
    func requiringResumeTarget(configPath: String?) throws -> KJumpConfiguration {
        guard namesResumeTarget else {
            throw ValidationError("give --resume-device DEVICE or --resume-file PATH, or set resume-device or resume-file in \(configPath ?? Self.defaultPath)")
        }
        return self
    }
}
