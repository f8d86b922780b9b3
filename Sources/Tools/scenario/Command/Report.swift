import Foundation

/// The text `scenario replay` prints for a scenario.
enum Report {
    static func render(_ result: ScenarioResult) -> String {
        let name = result.scenario.name
        let time = String(format: "%.2fs", result.duration)
        switch result.outcome {
        case .passed:
            return "PASS \(name) (\(time))"
        case .skipped(let reason):
            return "SKIP \(name): \(reason)"
        case .failed(let report):
            var lines = ["FAIL \(name) (\(time))"]
            if report.stepNumber > 0 {
                lines.append("  \(result.scenario.file):\(report.stepLine): step \(report.stepNumber) \(report.stepTitle)")
            } else {
                lines.append("  \(result.scenario.file): \(report.stepTitle)")
            }
            for failure in report.failures {
                lines.append("  \(result.scenario.file):\(failure.line): \(failure.text)")
                lines += failure.detail.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }
            }
            if let traffic = report.traffic {
                lines += traffic.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }
            }
            if let workspace = result.workspace { lines.append("  workspace kept in \(workspace)") }
            return lines.joined(separator: "\n")
        }
    }

    static func listing(_ scenario: Scenario) -> String {
        var tags: [String] = []
        if case .ours = scenario.engine { tags.append("engine=ours") }
        if !scenario.fakeOnlyReasons.isEmpty { tags.append("fake-only") }
        let tagText = tags.isEmpty ? "" : " [\(tags.joined(separator: ", "))]"
        return "\(scenario.name)\(tagText): \(scenario.description)"
    }
}
