import Dispatch
import Synchronization

/// Runs jobs on a fixed set of workers and hands their results back in
/// submission order, with a bounded number in flight: the engine under the
/// parallel image writer (compression) and reader (decompression).
///
/// Each worker is a serial Dispatch queue that owns one `Context` (codec
/// state); job *k* runs on worker *k mod n*, so jobs never share a context
/// and the output does not depend on timing. With zero workers every job
/// runs synchronously inside `submit`, on the caller's thread.
///
/// The pipeline itself is used from one thread (the caller's); only the
/// job closures run elsewhere. A job's result is published in its slot
/// (under a mutex, so the compiler checks the hand-over) and announced by
/// the slot's semaphore.
final class OrderedWorkPipeline<Context: AnyObject & Sendable, Output: Sendable> {
    private final class Slot: Sendable {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<Result<Output, any Error>?>(nil)
    }

    /// The most jobs submitted and not yet taken.
    let capacity: Int
    private let contexts: [Context]
    private let queues: [DispatchQueue]
    private var slots: [Slot] = []
    private var head = 0
    private var submitted = 0

    /// `workers` serial queues (0: run jobs inline), at most `capacity` jobs in flight.
    init(workers: Int, capacity: Int, label: String, makeContext: () -> Context) {
        precondition(workers >= 0 && capacity >= 1)
        self.capacity = capacity
        contexts = (0..<max(workers, 1)).map { _ in makeContext() }
        queues = (0..<workers).map { DispatchQueue(label: "\(label).\($0)", qos: .userInitiated) }
    }

    deinit {
        // Jobs own what they touch; waiting here only keeps worker threads
        // from outliving the pipeline's user by surprise.
        while head < slots.count { slots[head].done.wait(); head += 1 }
    }

    /// Jobs submitted and not yet taken.
    var inFlight: Int { slots.count - head }
    var isFull: Bool { inFlight >= capacity }
    var isEmpty: Bool { inFlight == 0 }

    /// Starts `work`; the caller must not submit while `isFull`.
    func submit(_ work: @escaping @Sendable (Context) throws -> Output) {
        precondition(!isFull, "the pipeline is full: take a result first")
        let slot = Slot()
        slots.append(slot)
        let number = submitted
        submitted += 1
        if queues.isEmpty {
            let result = Result { try work(contexts[0]) }
            slot.result.withLock { $0 = result }
            slot.done.signal()
            return
        }
        let context = contexts[number % queues.count]
        queues[number % queues.count].async {
            let result = Result { try work(context) }
            slot.result.withLock { $0 = result }
            slot.done.signal()
        }
    }

    /// The oldest job's result, waiting for it; nil when nothing is in flight.
    func takeOldest() -> Result<Output, any Error>? {
        guard head < slots.count else { return nil }
        slots[head].done.wait()
        return popHead()
    }

    /// The oldest job's result if it is already done; nil otherwise.
    func takeOldestIfDone() -> Result<Output, any Error>? {
        guard head < slots.count, slots[head].done.wait(timeout: .now()) == .success else { return nil }
        return popHead()
    }

    /// Waits for every job in flight and drops the results.
    func discardAll() {
        while takeOldest() != nil {}
    }

    private func popHead() -> Result<Output, any Error> {
        // Taken slots stay in `slots` until a batch is removed: they must not
        // keep their results (frames of up to a few MiB each) alive.
        let result = slots[head].result.withLock { $0.take() }!
        head += 1
        if head >= 64, head * 2 >= slots.count {
            slots.removeFirst(head)
            head = 0
        }
        return result
    }
}
