/// The first error a writer met, kept as it was thrown. After it the output
/// is incomplete, so the writer refuses every later call with this failure
/// (`ImageWriterError.failed`, `KdumpWriterError.failedEarlier`).
public struct WriterFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The error as thrown: a sink's `Errno`, a codec's error, a refused run.
    public let cause: any Error

    public init(_ cause: any Error) {
        self.cause = cause
    }

    public var description: String { "\(cause)" }

    /// Same type of cause, same text.
    public static func == (lhs: WriterFailure, rhs: WriterFailure) -> Bool {
        type(of: lhs.cause) == type(of: rhs.cause) && lhs.description == rhs.description
    }
}

/// A writer that fails for good at its first error (see `WriterFailure`).
protocol FailsForGood: AnyObject {
    /// The first failure; nil while the writer works.
    var failure: WriterFailure? { get set }
    /// Drops the work in flight once the writer failed.
    func discardPending()
}

extension FailsForGood {
    /// Runs `body`; any error it throws becomes the writer's failure, and is rethrown.
    func guarded<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            failure = WriterFailure(error)
            discardPending()
            throw error
        }
    }
}
