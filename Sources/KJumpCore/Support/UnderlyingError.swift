/// The error that caused another, kept as it was thrown (not as its text),
/// so that whoever catches the outer error can still ask for the cause:
/// a writer's first failure (`ImageWriterError.failed`,
/// `KdumpWriterError.failedEarlier`), a read of `mem_map` that failed
/// (`PageFilterError.memMapUnreadable`).
public struct UnderlyingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The error as thrown: a sink's `Errno`, a codec's error, a refused run.
    public let cause: any Error

    public init(_ cause: any Error) {
        self.cause = cause
    }

    public var description: String { "\(cause)" }

    /// Same type of cause, same text.
    public static func == (lhs: UnderlyingError, rhs: UnderlyingError) -> Bool {
        type(of: lhs.cause) == type(of: rhs.cause) && lhs.description == rhs.description
    }
}

/// A writer that fails for good at its first error: after it the output is
/// incomplete, so every later call is refused with that error.
protocol FailsForGood: AnyObject {
    /// The first failure; nil while the writer works.
    var failure: UnderlyingError? { get set }
    /// Drops the work in flight once the writer failed.
    func discardPending()
}

extension FailsForGood {
    /// Runs `body`; any error it throws becomes the writer's failure, and is rethrown.
    func guarded<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            failure = UnderlyingError(error)
            discardPending()
            throw error
        }
    }
}
