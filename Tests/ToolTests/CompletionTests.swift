import Foundation
import XCTest

/// The shell completion scripts swift-argument-parser generates for each program: `make install`
/// installs them for bash, zsh and fish. Each is checked by its own shell: bash and fish complete
/// a partial option for real, zsh parses its script.
final class CompletionTests: XCTestCase {
    func script(_ program: String, _ shell: String) throws -> String {
        let run = try ToolRunner.run(program, ["--generate-completion-script", shell])
        XCTAssertEqual(run.status, 0, "\(program) \(shell): \(run.stderr)")
        XCTAssertFalse(run.stdout.isEmpty, "\(program) \(shell)")
        return run.stdout
    }

    func temporaryFile(_ text: String, _ name: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID().uuidString)-\(name)").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    /// bash: sourcing the script registers a completion function, which offers the options that
    /// start with what was typed.
    func testBashCompletesOptions() throws {
        let cases: [(program: String, typed: String, expected: [String])] = [
            ("interimap", "--re", ["--repair", "--rename"]),
            ("pullimap", "--no-", ["--no-delivery", "--no-progress"]),
            ("fake-imapd", "--drop-", ["--drop-after", "--drop-append-after"]),
        ]
        for (program, typed, expected) in cases {
            let file = try temporaryFile(try script(program, "bash"), program + ".bash")
            let driver = """
                source "$1"
                function=$(complete -p "$2" | sed -n 's/.* -F \\([^ ]*\\) .*/\\1/p')
                [ -n "$function" ] || { echo "no completion registered for $2" >&2; exit 1; }
                COMP_WORDS=("$2" "$3"); COMP_CWORD=1; COMP_LINE="$2 $3"; COMP_POINT=${#COMP_LINE}
                "$function" "$2" "$3" "$2"
                printf '%s\\n' "${COMPREPLY[@]}"
                """
            let run = try ToolRunner.run(executable: "bash", ["-c", driver, "bash", file, program, typed])
            XCTAssertEqual(run.status, 0, "\(program): \(run.stderr)")
            let offered = Set(run.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
            XCTAssertEqual(offered, Set(expected), "\(program) \(typed)<TAB>")
        }
    }

    /// fish: `complete -C` asks fish what it would offer.
    func testFishCompletesOptions() throws {
        guard ToolRunner.isInstalled("fish") else { throw XCTSkip("fish is not installed (scripts/setup.sh installs it): fish completions not checked") }
        let file = try temporaryFile(try script("interimap", "fish"), "interimap.fish")
        let run = try ToolRunner.run(executable: "fish", ["--no-config", "-c", "source \(file); complete -C 'interimap --wat'"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.split(separator: "\n").contains { $0.hasPrefix("--watch") }, run.stdout)
    }

    /// zsh: the script parses (`zsh -n`) and defines the completion for every option.
    func testZshScriptParses() throws {
        guard ToolRunner.isInstalled("zsh") else { throw XCTSkip("zsh is not installed (scripts/setup.sh installs it): zsh completions not checked") }
        for program in ManPageTests.programs {
            let text = try script(program, "zsh")
            XCTAssertTrue(text.hasPrefix("#compdef \(program)"), "\(program): \(text.prefix(60))")
            let file = try temporaryFile(text, "_" + program)
            let run = try ToolRunner.run(executable: "zsh", ["-n", file])
            XCTAssertEqual(run.status, 0, "\(program): \(run.stderr)")
            for option in try ParserOptions.names(of: program) where option.hasPrefix("--") && option != "--help" {
                XCTAssertTrue(text.contains(option), "zsh completion of \(program) lacks \(option)")
            }
        }
    }
}
