import SystemPackage

extension Errno {
    /// The `Errno` a swift-system file operation threw. Those operations
    /// are declared `throws` but throw only `Errno` (swift-system 1.x runs
    /// every call through `Result<_, Errno>`), so this keeps the kernel's
    /// errno as it was. Anything else would be a broken contract: it stops
    /// here, naming what was thrown, instead of being reported as an errno
    /// (such as EIO) that the kernel never returned.
    init(thrownBySystem error: any Error) {
        guard let errno = error as? Errno else {
            preconditionFailure("a swift-system call threw \(type(of: error)) (\(error)), not an Errno")
        }
        self = errno
    }
}
