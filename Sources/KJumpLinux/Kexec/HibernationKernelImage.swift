import KJumpCore

/// Reading the hibernation kernel's bzImage, for both of its loaders (the
/// jump and the crash kernel).
enum HibernationKernelImage {
    /// The parsed bzImage at `path`; the error is why it cannot be used, as a sentence fragment.
    static func read(_ path: String) -> Result<BzImage, UnusableKernel> {
        do {
            return .success(try BzImage(parsing: try KernelFile.readBytes(path, limit: 512 << 20)))
        } catch let error as KJumpLinuxError {
            return .failure(UnusableKernel(reason: error.description))
        } catch {
            return .failure(UnusableKernel(reason: "\(error)"))
        }
    }

    struct UnusableKernel: Error {
        var reason: String
    }
}
