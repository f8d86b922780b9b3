import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `scenario replay PATH...`: one line per scenario (PASS, FAIL or SKIP with its name), the
/// failing step, expectation and diff under a FAIL, then `N passed, N failed`.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay scenario files (or every *.ini under directories).",
        discussion: """
            Each scenario sets up its servers, runs the engine as a real process (so a crash at a \
            named point is a real process death), and checks its expectations. The exit status is \
            non-zero when any scenario fails or cannot be read.
            """)

    @Argument(help: "Scenario files or directories holding them.")
    var paths: [String] = []

    @Flag(name: .long, help: "List the scenarios (name, requirements, description) without running them.")
    var list = false

    @Option(name: .long, help: ArgumentHelp("Only scenarios whose name or file matches this regular expression.", valueName: "PATTERN"))
    var filter: String?

    @Flag(name: .long, help: "On failure, show the IMAP and LMTP traffic of the failing step.")
    var verbose = false

    @Option(name: .long, help: ArgumentHelp("fake (fake-imapd) or dovecot (real stores; scenarios with server-side faults are skipped).", valueName: "BACKEND"))
    var backend: String = "fake"

    @Option(name: .long, help: ArgumentHelp("The interimap to run (default: next to this program).", valueName: "PATH"))
    var interimap: String?

    @Option(name: .long, help: ArgumentHelp("The pullimap to run (default: next to this program).", valueName: "PATH"))
    var pullimap: String?

    @Option(name: .customLong("fake-imapd"), help: ArgumentHelp("The fake-imapd to use (default: next to this program).", valueName: "PATH"))
    var fakeIMAPD: String?

    @Option(name: .long, help: ArgumentHelp("ours or reference (default: reference when interimap is a script); 'engine = ours' scenarios are skipped for the reference.", valueName: "ENGINE"))
    var engine: String?

    @Flag(name: .long, help: "Keep the working directory of passing scenarios too.")
    var keep = false

    @Option(name: .customLong("work-dir"), help: ArgumentHelp("Where working directories are created.", valueName: "DIR"))
    var workDirectory: String?

    func validate() throws {
        guard BackendKind(rawValue: backend) != nil else { throw ValidationError("--backend must be fake or dovecot, got '\(backend)'") }
        if let engine, EngineKind(rawValue: engine) == nil { throw ValidationError("--engine must be ours or reference, got '\(engine)'") }
        if let filter {
            do { _ = try NSRegularExpression(pattern: filter) } catch { throw ValidationError("--filter: invalid regular expression '\(filter)'") }
        }
        if paths.isEmpty { throw ValidationError("give scenario files or directories (e.g. scenario replay Scenarios/)") }
    }

    static var ownDirectory: String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return (exe as NSString).deletingLastPathComponent
    }

    static func looksLikeScript(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: 2)) == Data("#!".utf8)
    }

    func run() throws {
        signal(SIGPIPE, SIG_IGN)
        let dir = Self.ownDirectory
        let interimapPath = interimap ?? (dir as NSString).appendingPathComponent("interimap")
        let pullimapPath = pullimap ?? (dir as NSString).appendingPathComponent("pullimap")
        let engineKind = engine.flatMap(EngineKind.init) ?? (Self.looksLikeScript(interimapPath) ? .reference : .ours)
        let options = RunnerOptions(
            interimap: interimapPath, pullimap: pullimapPath,
            fakeIMAPD: fakeIMAPD ?? (dir as NSString).appendingPathComponent("fake-imapd"),
            scenarioExecutable: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0],
            engine: engineKind, backend: BackendKind(rawValue: backend) ?? .fake, verbose: verbose, keepWorkspace: keep,
            workRoot: workDirectory ?? (NSTemporaryDirectory() as NSString).appendingPathComponent("interimap-scenarios"))

        let files: [String]
        do { files = try ScenarioFiles.expand(paths) } catch {
            say("error: \(error)")
            throw ExitCode(2)
        }
        let regex = filter.flatMap { try? NSRegularExpression(pattern: $0) }
        var passed = 0, failed = 0, skipped = 0
        var names: [String: String] = [:]
        for file in files {
            let scenario: Scenario
            do { scenario = try ScenarioParser.parse(file: file) } catch {
                say("ERROR \(error)")
                failed += 1
                continue
            }
            if let regex {
                let matches = [scenario.name, file].contains { regex.firstMatch(in: $0, range: NSRange($0.startIndex..., in: $0)) != nil }
                if !matches { continue }
            }
            if let other = names[scenario.name] {
                say("ERROR \(file): scenario name '\(scenario.name)' is also used by \(other)")
                failed += 1
                continue
            }
            names[scenario.name] = file
            if list {
                say(Report.listing(scenario))
                continue
            }
            let result = ScenarioRunner(scenario: scenario, options: options).run()
            say(Report.render(result))
            switch result.outcome {
            case .passed: passed += 1
            case .failed: failed += 1
            case .skipped: skipped += 1
            }
        }
        if list {
            if failed > 0 { throw ExitCode(1) }
            return
        }
        var summary = "\(passed) passed, \(failed) failed"
        if skipped > 0 { summary += ", \(skipped) skipped" }
        if engineKind == .reference && skipped > 0 { summary += " (engine: reference)" }
        say(summary)
        if failed > 0 || (passed == 0 && skipped == 0) { throw ExitCode(1) }
    }
}

/// Finds scenario files: files as given, directories searched for `*.ini` (sorted).
enum ScenarioFiles {
    static func expand(_ paths: [String]) throws -> [String] {
        var out: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw RunnerError("\(path): no such file or directory")
            }
            if !isDirectory.boolValue { out.append(path); continue }
            guard let enumerator = FileManager.default.enumerator(atPath: path) else { continue }
            var found: [String] = []
            while let relative = enumerator.nextObject() as? String {
                if relative.hasSuffix(".ini") { found.append((path as NSString).appendingPathComponent(relative)) }
            }
            out += found.sorted()
        }
        return out
    }
}

/// Writes a line to stdout at once (the output may be a pipe read while scenarios run).
func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}
