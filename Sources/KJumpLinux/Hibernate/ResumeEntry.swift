import KJumpCore

/// The resume boot entry's kernel command line, known before any image is
/// written: a boot loader configuration (the GRUB snippet, made at
/// update-grub time) needs it. It is the line H records in every image it
/// writes for the same region, firmware map and target (`kjump inspect
/// --resume-command-line`), plus, when given, the normal entry's
/// `kjump boot-identity` words. The boot loader adds `kjump.image=`.
public enum ResumeEntry {
    public static func commandLine(target: ResumeTarget, region: HibernationRegion,
                                   system: SystemBootIdentity?) throws -> [String] {
        let restorer = RestorerCommandLine(region: region, firmwareMemoryMap: try FirmwareMemoryMap.read(),
                                           extra: HibernationImageSaver.resumeWords(target: target))
        return restorer.words + (system?.resumeCommandLineWords ?? [])
    }
}
