import Foundation
import XCTest

/// The systemd user units `make install` renders from dist/systemd: what they run, how they
/// restart, how they are sandboxed, and `systemd-analyze verify` where systemd is installed.
final class SystemdUnitTests: XCTestCase {
    /// Renders the units with `make units`, naming the programs where the tests' build is.
    func renderedUnits() throws -> [String: String] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("units-\(UUID().uuidString)").path
        addTeardownBlock { try? FileManager.default.removeItem(atPath: directory) }
        let run = try ToolRunner.run(executable: "make", ["-C", ToolRunner.sourceRoot.path, "units", "GENDIR=\(directory)",
                                                          "BINDIR=\(ToolRunner.productsDirectory.path)"])
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        var units: [String: String] = [:]
        for name in InstallLayoutTests.units {
            units[name] = try String(contentsOfFile: "\(directory)/systemd/\(name)", encoding: .utf8)
        }
        return units
    }

    func lines(_ unit: String) -> Set<String> { Set(unit.split(separator: "\n").map(String.init)) }

    func testWhatEachUnitRuns() throws {
        let units = try renderedUnits()
        let bin = ToolRunner.productsDirectory.path
        XCTAssertTrue(lines(units["interimap.service"] ?? "").contains("ExecStart=\(bin)/interimap --watch"))
        XCTAssertTrue(lines(units["interimap@.service"] ?? "").contains("ExecStart=\(bin)/interimap --config=%I --watch"))
        XCTAssertTrue(lines(units["interimap@.service"] ?? "").contains("PartOf=interimap.service"))
        XCTAssertTrue(lines(units["pullimap@.service"] ?? "").contains("ExecStart=\(bin)/pullimap --idle %I"))
        // interimap.service says how to use --notify.
        XCTAssertTrue(units["interimap.service"]?.contains("--watch --notify") ?? false)
    }

    func testRestartAndSandboxing() throws {
        for (name, unit) in try renderedUnits() {
            let settings = lines(unit)
            for line in ["Restart=on-failure", "RestartSec=2min", "NoNewPrivileges=yes", "ProtectSystem=full", "PrivateTmp=yes",
                         "WantedBy=default.target", "After=network-online.target"] {
                XCTAssertTrue(settings.contains(line), "\(name) lacks \(line)")
            }
            // The XDG files and a tunnel's mail store are under the home directory: it must stay
            // visible and writable, and so must the rest of what a tunnel's command may need.
            for setting in ["ProtectHome=", "ProtectSystem=strict", "ReadOnlyPaths=", "MemoryDenyWriteExecute=",
                            "SystemCallFilter=", "IPAddressDeny="] {
                XCTAssertFalse(unit.contains("\n" + setting), "\(name): \(setting) would stop it reaching its files or its tunnel")
            }
        }
    }

    /// systemd's own check: the files parse, every setting is known, the programs exist.
    func testSystemdAnalyzeVerify() throws {
        guard ToolRunner.isInstalled("systemd-analyze") else {
            throw XCTSkip("systemd-analyze is not installed: the units are not verified by systemd")
        }
        let units = try renderedUnits()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("verify-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory + "/runtime", withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var arguments = ["--user", "verify"]
        for (name, text) in units {
            try Data(text.utf8).write(to: URL(fileURLWithPath: "\(directory)/\(name)"))
            // A template is verified as one of its instances (FILE:INSTANCE).
            arguments.append(name.contains("@.") ? "\(directory)/\(name):\(name.replacingOccurrences(of: "@.", with: "@test."))"
                                                 : "\(directory)/\(name)")
        }
        let run = try ToolRunner.run(executable: "systemd-analyze", arguments, environment: ["XDG_RUNTIME_DIR": directory + "/runtime"])
        XCTAssertEqual(run.status, 0, run.stderr)
        // systemd-analyze reports unknown or malformed settings on stderr but still exits 0.
        XCTAssertEqual(run.stderr.split(separator: "\n").filter { $0.contains("service") }, [], run.stderr)
    }
}
