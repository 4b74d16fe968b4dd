#if canImport(Glibc)
import Glibc
#endif
import KJumpCore

extension HibernationReadiness {
    /// Reads what `kjump status` judges: the configuration at `configurationPath`
    /// (default: the installed one), the doctor's facts for its resume device,
    /// the hibernation kernel at `kernelPath`, the key, the resume file.
    public static func read(configurationPath: String?, kernelPath: String, region: HibernationRegion?) -> DoctorReport {
        let path = configurationPath ?? KJumpConfiguration.defaultPath
        let exists = KJumpConfiguration.exists(path: path)
        let configuration = Result { () throws(ConfigurationError) in try KJumpConfiguration.load(path: configurationPath) }
        let settings = (try? configuration.get()) ?? KJumpConfiguration()
        let systemFacts = SystemFactsReader().read(resumeDevicePath: settings.resumeDevice)
        let region = region ?? HibernationRegion(mainBlockBytes: settings.regionMiB.map { $0 << 20 } ?? HibernationRegion.defaultMainBlockBytes)
        let doctor = Doctor(region: region).evaluate(systemFacts)
        let keyPath = settings.hibernationKey ?? SealingKeyFiles.defaultHibernationKeyPath
        let resumeFile: Result<UInt64, ResumeFileProblem>? = settings.resumeFile.map { file in
            do { return .success(try ResumeFile.locate(path: file).map.imageCapacity) } catch {
                return .failure(ResumeFileProblem("\(error)"))
            }
        }
        let facts = Facts(configuration: configuration, configurationPath: path, configurationExists: exists,
                          hibernationKernelPath: kernelPath, hibernationKernelExists: access(kernelPath, R_OK) == 0,
                          hibernationKeyPath: keyPath, hibernationKeyExists: SealingKeyFiles.exists(keyPath),
                          resumeFile: resumeFile)
        return HibernationReadiness().evaluate(doctor: doctor, facts: facts, memory: systemFacts.memory)
    }
}
