import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `scenario fuzz --seed N --steps K`: random crash histories on the fake server (see
/// `HistoryGenerator`), each replayed as a scenario with the model's expectations after every
/// run; a failing history is shrunk and written as a scenario file ready for Scenarios/.
struct FuzzCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fuzz",
        abstract: "Replay random crash histories (changes on both servers, interrupted runs) and check the invariants.",
        discussion: """
            Seeds N to N+COUNT-1 each give one history of K steps, the same on every machine. After \
            every run: no duplicate, nothing expunged back, nothing lost; after a clean run also \
            both servers equal, exactly the live messages, and a complete database; at the end the \
            reference interimap runs on the database ours left and must find nothing to do. A \
            failure is shrunk to a minimal scenario, written to the output directory.
            """)

    @Option(name: .long, help: "The first seed.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "How many seeds, from --seed on.")
    var seeds: Int = 1

    @Option(name: .long, help: "Steps per history (a step is a run or a few changes).")
    var steps: Int = 12

    @Option(name: .long, help: ArgumentHelp("ours (default) or reference (/usr/bin/interimap: crash points become SIGKILLs after a while).", valueName: "ENGINE"))
    var engine: String = "ours"

    @Option(name: .long, help: ArgumentHelp("The interimap to run (default: next to this program; /usr/bin/interimap for the reference).", valueName: "PATH"))
    var interimap: String?

    @Option(name: .long, help: ArgumentHelp("Where shrunk failing scenarios are written.", valueName: "DIR"))
    var output: String = "fuzz-failures"

    @Option(name: .long, help: "Replays a shrink may spend (0: do not shrink).")
    var shrinkBudget: Int = 40

    @Flag(name: .long, help: "Print the scenario of each seed instead of running it.")
    var print = false

    @Flag(name: .long, help: "Keep the workspaces of passing histories too.")
    var keep = false

    func run() throws {
        signal(SIGPIPE, SIG_IGN)
        guard let kind = EngineKind(rawValue: engine) else { throw ValidationError("--engine: expected ours or reference, got '\(engine)'") }
        let reference = kind == .reference
        let dir = ReplayCommand.ownDirectory
        let workRoot = (NSTemporaryDirectory() as NSString).appendingPathComponent("interimap-fuzz")
        let options = RunnerOptions(
            interimap: interimap ?? (reference ? "/usr/bin/interimap" : (dir as NSString).appendingPathComponent("interimap")),
            pullimap: (dir as NSString).appendingPathComponent("pullimap"),
            fakeIMAPD: (dir as NSString).appendingPathComponent("fake-imapd"),
            scenarioExecutable: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0],
            engine: kind, backend: .fake, verbose: false, keepWorkspace: keep, workRoot: workRoot)
        let closingReference = !reference && FileManager.default.isExecutableFile(atPath: options.referenceInterimap)

        var failed: [UInt64] = []
        for seed in seed..<(seed + UInt64(max(seeds, 1))) {
            let events = HistoryGenerator.history(seed: seed, steps: steps)
            let name = "fuzz-seed-\(seed)"
            let describe = { (events: [HistoryEvent]) in
                "Crash history of seed \(seed) (\(steps) steps, \(events.filter { if case .run = $0 { return true }; return false }.count) runs): `scenario fuzz --seed \(seed) --steps \(steps)`."
            }
            let script = HistoryScript(events: events, name: name, description: describe(events), reference: reference, closingReferenceRun: closingReference)
            if print { say(script.text); continue }
            let start = Date()
            let first = try replay(script.text, name: name, options: options)
            guard case .failed = first.outcome else {
                say("PASS seed \(seed) (\(script.events.count) events, \(String(format: "%.1fs", Date().timeIntervalSince(start))))")
                continue
            }
            failed.append(seed)
            say(Report.render(first).replacingOccurrences(of: "FAIL \(name)", with: "FAIL seed \(seed)"))
            var minimal = script
            if shrinkBudget > 0 {
                let shrunk = HistoryShrinker.shrink(script.events, budget: shrinkBudget) { candidate in
                    let text = HistoryScript(events: candidate, name: name, description: describe(candidate), reference: reference,
                                             closingReferenceRun: closingReference).text
                    guard let result = try? replay(text, name: name, options: options) else { return false }
                    // A shrink's failing replays are not kept: only the first and the minimal one matter.
                    if let workspace = result.workspace { try? FileManager.default.removeItem(atPath: workspace) }
                    if case .failed = result.outcome { return true }
                    return false
                }
                minimal = HistoryScript(events: shrunk, name: name, description: describe(shrunk), reference: reference, closingReferenceRun: closingReference)
            }
            try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
            let path = (output as NSString).appendingPathComponent("\(name)\(reference ? "-reference" : "").ini")
            try minimal.text.write(toFile: path, atomically: true, encoding: .utf8)
            say("  shrunk from \(script.events.count) to \(minimal.events.count) events: \(path)")
        }
        if print { return }
        say("\(seeds - failed.count) passed, \(failed.count) failed" + (failed.isEmpty ? "" : " (seeds \(failed.map(String.init).joined(separator: " ")))"))
        if !failed.isEmpty { throw ExitCode(1) }
    }

    private func replay(_ text: String, name: String, options: RunnerOptions) throws -> ScenarioResult {
        let scenario = try ScenarioParser.parse(text: text, path: "\(name).ini")
        return ScenarioRunner(scenario: scenario, options: options).run()
    }
}
