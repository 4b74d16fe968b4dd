import Foundation
import KJumpCore
import Testing
@testable import kjump

@Suite struct DoctorJSONTests {
    @Test func jsonReportCarriesStatusAndEveryCheck() throws {
        let report = DoctorReport(checks: [
            DoctorCheck(.ok, "architecture", "x86_64"),
            DoctorCheck(.fail, "root", "running as uid 1000; run kjump as root"),
        ])
        let json = report.renderJSON()
        #expect(json.hasPrefix("{\"checks\":[{\"check\":\"architecture\",\"message\":\"x86_64\",\"status\":\"ok\"}"))
        #expect(json.contains("{\"check\":\"root\",\"message\":\"running as uid 1000; run kjump as root"))
        #expect(json.hasSuffix("],\"passed\":false}"))
        struct Shape: Decodable { var passed: Bool; var checks: [DoctorCheck] }
        let decoded = try JSONDecoder().decode(Shape.self, from: Data(json.utf8))
        #expect(!decoded.passed)
        #expect(decoded.checks == report.checks)
    }
}
