import Foundation
import XCTest

/// The command lines of interimap(1) and pullimap(1): options, commands, and their usage errors.
final class CommandLineTests: XCTestCase {
    func testInterimapHelpAndVersion() throws {
        let help = try ToolRunner.run("interimap", ["--help"])
        XCTAssertEqual(help.status, 0)
        for word in ["--repair", "--delete", "--rename", "--target", "--watch", "--notify", "--quiet", "--debug", "--config"] {
            XCTAssertTrue(help.stdout.contains(word), "help lacks \(word)")
        }
        let version = try ToolRunner.run("interimap", ["--version"])
        XCTAssertEqual(version.status, 0)
        XCTAssertTrue(version.stdout.hasPrefix("interimap version "), version.stdout)
    }

    func testPullimapHelpAndVersion() throws {
        let help = try ToolRunner.run("pullimap", ["--help"])
        XCTAssertEqual(help.status, 0)
        for word in ["--idle", "--no-delivery", "--quiet", "--debug", "--config", "section"] {
            XCTAssertTrue(help.stdout.contains(word), "help lacks \(word)")
        }
        let version = try ToolRunner.run("pullimap", ["--version"])
        XCTAssertEqual(version.status, 0)
        XCTAssertTrue(version.stdout.hasPrefix("pullimap version "), version.stdout)
    }

    func testInterimapUsageErrors() throws {
        let cases: [([String], String)] = [
            (["--repair", "--delete", "x"], "had already been set with flag '--repair'"),
            (["--delete", "--rename", "a", "b"], "had already been set with flag '--delete'"),
            (["--rename", "a"], "exactly two"),
            (["--rename", "a", "b", "c"], "exactly two"),
            (["--delete"], "at least one"),
            (["--target", "local"], "only meaningful with --delete or --rename"),
            (["--target", "nowhere", "--delete", "x"], "unknown value 'nowhere'"),
            (["--watch=abc"], "--watch: invalid value 'abc'"),
            (["--watch=-1"], "--watch: invalid value '-1'"),
            (["--watch", "-5"], "--watch: invalid value '-5'"),
            (["--target=local,nowhere", "--delete", "x"], "unknown value 'nowhere'"),
            (["--notify", "--repair"], "--notify cannot be combined with --repair"),
            (["--watch", "--repair"], "--watch cannot be combined with --repair"),
            (["--bogus"], "Unknown option '--bogus'"),
        ]
        for (args, message) in cases {
            let run = try ToolRunner.run("interimap", args)
            XCTAssertEqual(run.status, 64, "\(args): \(run.stderr)")
            XCTAssertTrue(run.stderr.contains(message), "\(args): expected '\(message)' in: \(run.stderr)")
        }
    }

    func testPullimapUsageErrors() throws {
        let missing = try ToolRunner.run("pullimap", [])
        XCTAssertEqual(missing.status, 64)
        XCTAssertTrue(missing.stderr.contains("missing SECTION (or --all)"), missing.stderr)
        let idle = try ToolRunner.run("pullimap", ["--idle=-3", "acct"])
        XCTAssertEqual(idle.status, 64)
        XCTAssertTrue(idle.stderr.contains("--idle: invalid value '-3'"), idle.stderr)
    }

    /// `--idle 30 SECTION` takes 30 as the interval: `--idle 30` alone lacks its SECTION, as
    /// with the reference.
    func testPullimapIdleTakesASeparateNumber() throws {
        let run = try ToolRunner.run("pullimap", ["--idle", "30"])
        XCTAssertEqual(run.status, 64)
        XCTAssertTrue(run.stderr.contains("missing SECTION (or --all)"), run.stderr)
    }

    /// Refusals are one `ERROR:` line, given before the configuration is read or any server is
    /// contacted (the configuration here does not exist).
    func testRefusalsComeBeforeAnyConnection() throws {
        let cases: [([String], String)] = [
            (["--delete", "INBOX"], "ERROR: INBOX can't be deleted\n"),
            (["--delete", "Work", "inbox"], "ERROR: INBOX can't be deleted\n"),
            (["--target=database", "--delete", "InBoX"], "ERROR: INBOX can't be deleted\n"),
            (["Café"], "ERROR: Invalid mailbox name Café: not modified UTF-7 (RFC 3501 §5.1.3)\n"),
            (["--rename", "Work", "Caf\u{e9}"], "ERROR: Invalid mailbox name Café"),
        ]
        for (args, message) in cases {
            let run = try ToolRunner.run("interimap", ["--config=/nonexistent/interimap.conf"] + args)
            XCTAssertEqual(run.status, 64, "\(args): \(run.stderr)")
            XCTAssertTrue(run.stderr.hasPrefix(message), "\(args): expected '\(message)', got: \(run.stderr)")
            XCTAssertEqual(run.stderr.split(separator: "\n").count, 1, "\(args): one line: \(run.stderr)")
        }
    }
}

/// `--progress` and `--no-progress` on both programs: accepted (the run goes on to the missing
/// configuration file, exit 78, rather than stopping at a usage error, 64) and shown in the help.
final class ProgressOptionTests: XCTestCase {
    func testBothProgramsAcceptTheProgressFlags() throws {
        for flag in ["--progress", "--no-progress"] {
            let interimap = try ToolRunner.run("interimap", [flag, "--config=/nonexistent/interimap.conf"])
            XCTAssertEqual(interimap.status, 78, "interimap \(flag): \(interimap.stderr)")
            let pullimap = try ToolRunner.run("pullimap", [flag, "--config=/nonexistent/pullimap.conf", "acct"])
            XCTAssertEqual(pullimap.status, 78, "pullimap \(flag): \(pullimap.stderr)")
        }
        for program in ["interimap", "pullimap"] {
            let help = try ToolRunner.run(program, ["--help"])
            XCTAssertTrue(help.stdout.contains("--progress/--no-progress"), "\(program) --help: \(help.stdout)")
        }
    }
}
