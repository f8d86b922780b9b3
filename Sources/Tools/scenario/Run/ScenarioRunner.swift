import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Which implementation runs: ours, or the reference (which cannot pass `engine = ours` scenarios).
enum EngineKind: String {
    case ours, reference
}

enum BackendKind: String {
    case fake, dovecot
}

struct RunnerOptions {
    var interimap: String
    /// The reference interimap, for runs with `engine = reference`.
    var referenceInterimap = "/usr/bin/interimap"
    var pullimap: String
    var fakeIMAPD: String
    /// This program, started as the traffic relay with `--verbose`.
    var scenarioExecutable: String
    var engine: EngineKind
    var backend: BackendKind
    var verbose: Bool
    var keepWorkspace: Bool
    var workRoot: String
}

/// Why a scenario failed: the step, and the expectations that did not hold (or the error).
struct FailureReport {
    var stepNumber: Int
    var stepTitle: String
    var stepLine: Int
    var failures: [ExpectationFailure]
    var traffic: String?
}

struct ScenarioResult {
    enum Outcome {
        case passed
        case failed(FailureReport)
        case skipped(String)
    }
    var scenario: Scenario
    var outcome: Outcome
    var duration: TimeInterval
    /// Kept after a failure (or with --keep).
    var workspace: String?
}

/// Replays one scenario: sets the servers up, runs the steps in order, stops at the first step
/// that fails.
final class ScenarioRunner {
    let scenario: Scenario
    let options: RunnerOptions
    let labels: LabelIndex
    /// Set by `run()` before any step.
    private(set) var workspace = EngineWorkspace(directory: "")
    private(set) var backends: [String: ServerBackend] = [:]
    private var receiver: DeliveryRecorder?
    private var pendingFaults: [String: [ServerFault]] = [:]
    private var pendingReceiverFaults: [ReceiverFault] = []
    private var pendingCrash: String?
    private var lastRun: RunRecord?
    private var background: (process: ChildProcess, record: RunRecord, logPath: String)?
    private var runCount = 0

    init(scenario: Scenario, options: RunnerOptions) {
        self.scenario = scenario
        self.options = options
        self.labels = LabelIndex(bodies: scenario.bodies)
    }

    /// Why the scenario is not run with these options, if it is not.
    static func skipReason(_ scenario: Scenario, options: RunnerOptions) -> String? {
        if options.engine == .reference, case .ours(let reason) = scenario.engine {
            return "needs our engine (\(reason))"
        }
        if options.backend == .dovecot, let first = scenario.fakeOnlyReasons.first {
            return "needs the fake server (\(first))"
        }
        return nil
    }

    func run() -> ScenarioResult {
        let start = Date()
        if let reason = Self.skipReason(scenario, options: options) {
            return ScenarioResult(scenario: scenario, outcome: .skipped(reason), duration: 0, workspace: nil)
        }
        var outcome = ScenarioResult.Outcome.passed
        var directory: String?
        do {
            let dir = try Self.makeDirectory(root: options.workRoot, name: scenario.name)
            directory = dir
            workspace = EngineWorkspace(directory: dir)
            try workspace.create()
            if let failure = try execute() { outcome = .failed(failure) }
        } catch {
            outcome = .failed(FailureReport(stepNumber: 0, stepTitle: "setup", stepLine: 0,
                                            failures: [ExpectationFailure(line: 0, text: "setting up the scenario", detail: "\(error)")]))
        }
        cleanUp()
        var kept: String? = directory
        if case .passed = outcome, !options.keepWorkspace, let directory {
            try? FileManager.default.removeItem(atPath: directory)
            kept = nil
        }
        return ScenarioResult(scenario: scenario, outcome: outcome, duration: Date().timeIntervalSince(start), workspace: kept)
    }

    static func makeDirectory(root: String, name: String) throws -> String {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        var template = Array(((root as NSString).appendingPathComponent("\(name)-XXXXXX")).utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer -> String? in
            guard let base = buffer.baseAddress, let result = mkdtemp(base) else { return nil }
            return String(cString: result)
        }
        guard let made else {
            throw RunnerError("cannot create a directory in \(root): \(String(cString: strerror(errno)))")
        }
        return made
    }

    private func cleanUp() {
        if let bg = background {
            bg.process.killGroup()
            _ = bg.process.wait(timeout: 5)
            bg.process.waitForGroup(timeout: 2)
            background = nil
        }
        receiver?.stop()
        for backend in backends.values { backend.tearDown() }
    }

    // MARK: Steps

    private func makeBackend(_ spec: ServerSpec) throws -> ServerBackend {
        switch options.backend {
        case .fake:
            return FakeServerBackend(name: spec.name, directory: workspace.path("servers"), fakeIMAPD: options.fakeIMAPD)
        case .dovecot:
            return try DovecotServerBackend(name: spec.name, root: workspace.path("servers"))
        }
    }

    /// Runs every step; returns the first failure.
    private func execute() throws -> FailureReport? {
        for spec in scenario.servers {
            let backend = try makeBackend(spec)
            backends[spec.name] = backend
            try backend.setUp(spec)
        }
        if !scenario.pullimapSections.isEmpty {
            receiver = try FakeMailRecorder(transferProtocol: scenario.receiver.transferProtocol)
        }
        let explicitExit = explicitExitChecks()
        for (index, step) in scenario.steps.enumerated() {
            func fail(_ text: String, _ detail: String, line: Int? = nil) -> FailureReport {
                FailureReport(stepNumber: index + 1, stepTitle: step.title, stepLine: step.line,
                              failures: [ExpectationFailure(line: line ?? step.line, text: text, detail: detail)],
                              traffic: options.verbose ? traffic() : nil)
            }
            switch step.kind {
            case .run(let spec):
                if background != nil { return fail("run", "a background run is still going: add a [stop] step first") }
                if let failure = try run(spec, index: index, checkExit: !explicitExit.contains(index)) {
                    return fail(([spec.program.rawValue] + spec.arguments.map(WordSplitter.quote)).joined(separator: " "), failure)
                }
            case .stop(let signal):
                guard let bg = background else { return fail("stop", "no background run to stop") }
                background = nil
                bg.process.signal(signal)
                var status = bg.process.wait(timeout: 10)
                if status == nil { bg.process.killGroup(); status = bg.process.wait(timeout: 5) }
                bg.process.waitForGroup()
                var record = bg.record
                record.status = status ?? .signaled(SIGKILL)
                record.output = (try? String(contentsOfFile: bg.logPath, encoding: .utf8)) ?? ""
                lastRun = record
            case .wait(let spec):
                if let failure = wait(spec) { return fail("wait", failure) }
            case .change(let server, let changes):
                guard let backend = backends[server] else { return fail("change", "no server '\(server)'") }
                for change in changes {
                    do { try backend.apply(change.value, labels: labels) } catch {
                        return fail(change.text, "the change failed: \(error)", line: change.line)
                    }
                }
            case .changeDatabase(let changes):
                for change in changes {
                    do { try applyDatabaseChange(change.value) } catch {
                        return fail(change.text, "the change failed: \(error)", line: change.line)
                    }
                }
            case .fault(let server, let faults):
                pendingFaults[server, default: []] += faults.map(\.value)
            case .receiverFault(let faults):
                pendingReceiverFaults += faults.map(\.value)
            case .crash(let point, let count):
                pendingCrash = count == 1 ? point : "\(point):\(count)"
            case let .writeFile(path, text):
                let full = (workspace.home as NSString).appendingPathComponent(path)
                do {
                    try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                    try text.write(toFile: full, atomically: true, encoding: .utf8)
                } catch { return fail("file", "cannot write \(full): \(error)") }
            case .advanceTime(let seconds):
                for backend in backends.values {
                    do { try backend.moveInternalDates(back: seconds) } catch { return fail("time", "\(error)") }
                }
            case .expect(let expectations):
                var checker = ExpectationChecker(
                    scenario: scenario, labels: labels, lastRun: lastRun, databasePath: workspace.databasePath(scenario),
                    statefilePaths: Dictionary(uniqueKeysWithValues: scenario.pullimapSections.map { ($0.name, workspace.statefilePath($0)) }),
                    deliveries: receiver?.deliveries ?? [],
                    snapshot: { [backends] name in
                        guard let b = backends[name] else { throw RunnerError("no server '\(name)'") }
                        return try b.snapshot()
                    })
                checker.pullimapDataDirectory = (workspace.dataHome as NSString).appendingPathComponent("pullimap")
                let failures = expectations.compactMap { checker.check($0) }
                if !failures.isEmpty {
                    return FailureReport(stepNumber: index + 1, stepTitle: step.title, stepLine: step.line, failures: failures,
                                         traffic: options.verbose ? traffic() : nil)
                }
            }
        }
        return nil
    }

    /// Steps (runs and stops) whose exit status an `[expect]` states before the next run.
    private func explicitExitChecks() -> Set<Int> {
        var result = Set<Int>()
        for (index, step) in scenario.steps.enumerated() {
            switch step.kind {
            case .run, .stop: break
            default: continue
            }
            for later in scenario.steps[(index + 1)...] {
                if case .run = later.kind { break }
                if case .stop = later.kind { break }
                if case .expect(let list) = later.kind, list.contains(where: { if case .exit = $0.value { return true }; return false }) {
                    result.insert(index)
                    break
                }
            }
        }
        return result
    }

    /// Starts a run; for a foreground run waits for it and checks the default exit status.
    /// Returns a failure description.
    private func run(_ spec: RunSpec, index: Int, checkExit: Bool) throws -> String? {
        runCount += 1
        let logPath = workspace.path("logs/run-\(runCount)-\(spec.program.rawValue).log")
        let trafficPath = options.verbose ? workspace.path("logs/run-\(runCount)-traffic.log") : nil
        var tunnels: [String: String] = [:]
        for (name, backend) in backends {
            let command = backend.tunnelCommand(faults: pendingFaults[name] ?? [])
            if let trafficPath {
                tunnels[name] = Shell.join([options.scenarioExecutable, "relay", "--log", trafficPath, "--label", name, "--", "/bin/sh", "-c", command])
            } else {
                tunnels[name] = command
            }
        }
        pendingFaults = [:]
        let writer = ConfigWriter(scenario: scenario)
        for path in [workspace.interimapConfigPath, workspace.pullimapConfigPath] {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        }
        try writer.interimapConfig(tunnels: tunnels, plainTraffic: options.verbose)
            .write(toFile: workspace.interimapConfigPath, atomically: true, encoding: .utf8)
        try writer.pullimapConfig(tunnels: tunnels, receiverPort: receiver?.port ?? 25, plainTraffic: options.verbose)
            .write(toFile: workspace.pullimapConfigPath, atomically: true, encoding: .utf8)
        receiver?.arm(pendingReceiverFaults)
        pendingReceiverFaults = []
        let crash = pendingCrash
        pendingCrash = nil

        var arguments = spec.arguments
        if spec.program == .pullimap, let section = spec.section { arguments.append(section) }
        let executable = spec.program == .pullimap ? options.pullimap : spec.reference ? options.referenceInterimap : options.interimap
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let process = try ChildProcess(executable: executable, arguments: arguments, environment: workspace.environment(crash: crash),
                                       output: .file(logPath))
        var record = RunRecord(program: spec.program, stepIndex: index, status: .exited(0), output: "", trafficPath: trafficPath, crashArmed: crash)
        if spec.background {
            background = (process, record, logPath)
            return nil
        }
        let timeout = spec.timeout ?? scenario.runTimeout
        var status = process.wait(timeout: spec.killAfter.map { min($0, timeout) } ?? timeout)
        let killed = status == nil && spec.killAfter != nil
        if status == nil {
            process.killGroup()
            let ended = process.wait(timeout: 5)
            if killed { status = ended ?? .signaled(SIGKILL) }
        }
        process.waitForGroup()
        record.status = status ?? .signaled(SIGKILL)
        record.output = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        lastRun = record
        if status == nil {
            return "the run did not end within \(String(format: "%g", timeout)) seconds (killed)\n" + tail(record.output)
        }
        if checkExit {
            let expected: TerminationStatus = crash != nil ? .signaled(SIGKILL) : .exited(0)
            if record.status != expected {
                let why = crash.map { "expected a crash at \($0) (killed)" } ?? "expected exit status 0"
                return "the run ended with \(record.status); \(why) (state 'exit = ...' in the next [expect] if intended)\n" + tail(record.output)
            }
        }
        return nil
    }

    private func tail(_ output: String, _ count: Int = 40) -> String {
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        return "output:\n" + lines.suffix(count).map { "  | " + $0 }.joined(separator: "\n")
    }

    private func wait(_ spec: WaitSpec) -> String? {
        if let seconds = spec.seconds, spec.logText == nil, spec.logPattern == nil, spec.deliveries == nil {
            Thread.sleep(forTimeInterval: seconds)
            return nil
        }
        let deadline = Date().addingTimeInterval(spec.timeout)
        let logPath = background?.logPath
        while Date() < deadline {
            var satisfied = true
            if spec.logText != nil || spec.logPattern != nil {
                let output = logPath.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } ?? lastRun?.output ?? ""
                let regex = spec.logPattern.flatMap { try? NSRegularExpression(pattern: $0) }
                let hits = output.split(separator: "\n").filter { line in
                    if let text = spec.logText, !line.contains(text) { return false }
                    if let regex {
                        let s = String(line)
                        return regex.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
                    }
                    return true
                }
                satisfied = satisfied && hits.count >= spec.logTimes
            }
            if let n = spec.deliveries { satisfied = satisfied && (receiver?.deliveries.count ?? 0) >= n }
            if satisfied { return nil }
            if let bg = background, let status = bg.process.poll() {
                return "the background run ended (\(status)) while waiting\n" + tail((try? String(contentsOfFile: bg.logPath, encoding: .utf8)) ?? "")
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        let output = logPath.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } ?? lastRun?.output ?? ""
        var what: [String] = []
        if spec.logText != nil || spec.logPattern != nil {
            let how = [spec.logText.map { "containing '\($0)'" }, spec.logPattern.map { "matching /\($0)/" }].compactMap { $0 }.joined(separator: " and ")
            what.append(spec.logTimes == 1 ? "a log line \(how)" : "\(spec.logTimes) log lines \(how)")
        }
        if let n = spec.deliveries { what.append("\(n) deliveries (got \(receiver?.deliveries.count ?? 0))") }
        return "waited \(String(format: "%g", spec.timeout)) seconds for \(what.joined(separator: " and "))\n" + tail(output)
    }

    /// The recorded traffic of the last run, for `--verbose`.
    private func traffic() -> String? {
        var parts: [String] = []
        if let path = (background?.record ?? lastRun)?.trafficPath, let text = try? String(contentsOfFile: path, encoding: .utf8) {
            parts.append("IMAP traffic of the last run:\n" + text)
        }
        if let transcript = receiver?.transcript, !transcript.isEmpty {
            parts.append("LMTP/SMTP traffic:\n" + transcript.joined(separator: "\n"))
        }
        return parts.isEmpty ? nil : parts.joined(separator: "\n")
    }
}
