import Testing
@testable import KJumpCore

@Suite struct OrderedWorkPipelineTests {
    final class Context: Sendable {}
    /// A result whose lifetime the test watches.
    final class Payload: Sendable {
        let number: Int
        init(number: Int) { self.number = number }
    }
    final class WeakBox { weak var payload: Payload? }

    @Test(arguments: [0, 2])
    func resultsComeBackInOrder(workers: Int) throws {
        let pipeline = OrderedWorkPipeline<Context, Int>(workers: workers, capacity: 3, label: "test") { Context() }
        var taken: [Int] = []
        for number in 0..<20 {
            if pipeline.isFull { taken.append(try pipeline.takeOldest()!.get()) }
            pipeline.submit { _ in number * number }
        }
        while let result = pipeline.takeOldest() { taken.append(try result.get()) }
        #expect(taken == (0..<20).map { $0 * $0 })
    }

    /// A taken result must be freed as soon as its taker drops it: the reader
    /// hands out frames of a MiB each, and a pipeline that kept the last 64
    /// of them ran the restoring hibernation kernel out of memory (OOM at
    /// 90 MiB of heap with a 128 MiB H region).
    @Test(arguments: [0, 2])
    func takenResultsAreNotRetained(workers: Int) throws {
        let pipeline = OrderedWorkPipeline<Context, Payload>(workers: workers, capacity: 2, label: "test") { Context() }
        var boxes: [WeakBox] = []
        for number in 0..<100 {
            if pipeline.isFull {
                let box = WeakBox()
                box.payload = try pipeline.takeOldest()!.get()
                boxes.append(box)
            }
            pipeline.submit { _ in Payload(number: number) }
        }
        pipeline.discardAll()
        #expect(boxes.count == 98)
        #expect(boxes.allSatisfy { $0.payload == nil })
    }
}
