#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KJumpCore

extension DoctorReport {
    /// The report as one JSON object: `{"passed":…,"checks":[{"status","check","message"}…]}`.
    /// Here, not in KJumpCore, because JSONEncoder is Foundation's and the
    /// hibernation kernel's program (which links KJumpCore) must not carry Foundation.
    func renderJSON() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings and booleans cannot fail.
        let data = try! encoder.encode(JSONReport(passed: passed, checks: checks))
        return String(decoding: data, as: UTF8.self)
    }

    /// The JSON shape: the verdict first, then every check.
    private struct JSONReport: Codable {
        var passed: Bool
        var checks: [DoctorCheck]
    }
}
