#if canImport(Glibc)
import Glibc
#endif

/// The number of processors online: the default number of compression and
/// decompression threads.
///
/// The one fact about the running system that KJumpCore reads itself (glibc's
/// `sysconf(_SC_NPROCESSORS_ONLN)`, which FoundationEssentials' `ProcessInfo` used to provide):
/// threading the count through every image API from KJumpLinux would add a
/// parameter to each of them for no gain. Core stays free of Foundation, so
/// the hibernation kernel's program does not carry it (about 7 MB).
public enum OnlineProcessors {
    /// At least 1.
    public static var count: Int {
        #if canImport(Glibc)
        return max(sysconf(Int32(_SC_NPROCESSORS_ONLN)), 1)
        #else
        return 1
        #endif
    }
}
