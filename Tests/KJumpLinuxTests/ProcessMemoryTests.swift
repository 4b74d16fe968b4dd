#if canImport(Glibc)
import Glibc
#endif
import Foundation
import KJumpCore
import XCTest
@testable import KJumpLinux

/// `ProcessMemory.keepFreedFramesInHeap`: frames allocated, filled and freed
/// the way the image code's workers do with swift-crypto's output reuse
/// their memory instead of faulting it in again from the kernel.
///
/// XCTest rather than Swift Testing: `mallopt` and the fault counter are
/// process-wide, and `swift test` runs XCTest cases one at a time.
final class ProcessMemoryTests: XCTestCase {
    /// Minor page faults of this process so far.
    static var minorFaults: Int {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return usage.ru_minflt
    }

    /// Rounds of three frames allocated, written and freed on a thread of
    /// their own (a worker's heap), as a worker's frames in flight are.
    /// Returns the page faults of every round after the first.
    static func faultsOfFrameRounds(rounds: Int, frameBytes: Int) -> Int {
        /// Written by the worker before it signals `done`, read after.
        final class Count: @unchecked Sendable { var faults = 0 }
        let count = Count()
        let done = DispatchSemaphore(value: 0)
        let worker = Thread {
            for round in 0..<rounds {
                let before = minorFaults
                let frames = (0..<3).map { _ in malloc(frameBytes)! }
                for frame in frames { memset(frame, Int32(round & 0xff), frameBytes) }
                for frame in frames { free(frame) }
                if round > 0 { count.faults += minorFaults - before }
            }
            done.signal()
        }
        worker.start()
        done.wait()
        return count.faults
    }

    func testFreedFramesAreReusedWithoutFaults() {
        XCTAssertTrue(ProcessMemory.keepFreedFramesInHeap())
        let frameBytes = ImageFormat.defaultFrameInputBytes + 16   // a sealed frame: pages and tag
        let rounds = 20
        let faults = Self.faultsOfFrameRounds(rounds: rounds, frameBytes: frameBytes)
        // glibc's default trims the 3 MiB freed at the top of the heap after
        // every round: 768 faults a round, about 14,600 here.
        let pagesPerRound = 3 * frameBytes / 4096
        XCTAssertLessThan(faults, pagesPerRound, "\(faults) page faults in \(rounds - 1) rounds of 3 frames of \(frameBytes) bytes")
    }
}
