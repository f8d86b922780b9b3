import Foundation
import XCTest

/// A manual page of doc/man, rendered as `make install` renders it (scripts/render-man.sh, that
/// is scdoc) and formatted by `man -l` as a reader sees it.
struct ManualPage {
    /// The formatted text, with lines broken at a hyphen joined again (see ``init(program:)``).
    var text: String
    /// What `man -l --warnings` said on its standard error (groff's warnings).
    var warnings: String

    init(text: String, warnings: String) {
        self.text = text
        self.warnings = warnings
    }

    /// Renders and formats `doc/man/PROGRAM.1.scd`.
    init(program: String, file: StaticString = #filePath, line: UInt = #line) throws {
        // Not a skip: scripts/setup.sh installs both, and an unrendered page is a broken install.
        guard ToolRunner.isInstalled("scdoc"), ToolRunner.isInstalled("man") else {
            throw ToolCheckError(program: "scdoc, man", output: "not installed: run scripts/setup.sh")
        }
        let root = ToolRunner.sourceRoot.path
        let rendered = try ToolRunner.run(executable: root + "/scripts/render-man.sh", ["doc/man/\(program).1.scd"], directory: root)
        XCTAssertEqual(rendered.status, 0, "rendering \(program)(1): \(rendered.stderr)", file: file, line: line)
        let roff = FileManager.default.temporaryDirectory.appendingPathComponent("\(program)-\(getpid())-\(UUID().uuidString).1")
        try Data(rendered.stdout.utf8).write(to: roff)
        defer { try? FileManager.default.removeItem(at: roff) }
        let formatted = try ToolRunner.run(executable: "man", ["--warnings", "-l", roff.path],
                                           environment: ["MANWIDTH": "100", "MANPAGER": "cat", "PAGER": "cat", "LC_ALL": "C.UTF-8"])
        XCTAssertEqual(formatted.status, 0, "man -l \(program)(1): \(formatted.stderr)", file: file, line: line)
        warnings = formatted.stderr
        // groff breaks lines at a word's own hyphen ("--no-" / "delivery") and hyphenates long
        // words with U+2010 ("pul‐" / "limap"): undo both so that names can be searched for.
        var joined = formatted.stdout
        joined = joined.replacingOccurrences(of: "\u{2010}\n\\s*", with: "", options: .regularExpression)
        joined = joined.replacingOccurrences(of: "-\n\\s*", with: "-", options: .regularExpression)
        text = joined
    }

    /// Whether `word` appears as a whole word: not inside a longer option or key name.
    func mentions(_ word: String) -> Bool {
        let pattern = "(?<![A-Za-z0-9_-])" + NSRegularExpression.escapedPattern(for: word) + "(?![A-Za-z0-9_-])"
        return text.range(of: pattern, options: .regularExpression) != nil
    }
}

/// The options a program's argument parser knows, read from the parser itself
/// (swift-argument-parser's `--experimental-dump-help` description of every command), so that a
/// new option shows up here without anyone listing it.
enum ParserOptions {
    /// `--long` and `-s` names of every displayed option and flag of `program` and of its
    /// displayed subcommands.
    static func names(of program: String) throws -> Set<String> {
        let run = try ToolRunner.run(program, ["--experimental-dump-help"])
        guard run.status == 0, let json = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any],
              let command = json["command"] as? [String: Any] else {
            throw ToolCheckError(program: program, output: "--experimental-dump-help gave no command description: " + run.stdout + run.stderr)
        }
        return collect(command)
    }

    /// The subcommands `program` shows in its help.
    static func subcommands(of program: String) throws -> [String] {
        let run = try ToolRunner.run(program, ["--experimental-dump-help"])
        guard let json = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any],
              let command = json["command"] as? [String: Any] else {
            throw ToolCheckError(program: program, output: "--experimental-dump-help gave no command description: " + run.stdout + run.stderr)
        }
        let subcommands = command["subcommands"] as? [[String: Any]] ?? []
        // `help` is the parser's own (`PROGRAM help SUBCOMMAND`), not one of the program's.
        return subcommands.filter { $0["shouldDisplay"] as? Bool ?? true }.compactMap { $0["commandName"] as? String }
            .filter { $0 != "help" }
    }

    private static func collect(_ command: [String: Any]) -> Set<String> {
        guard command["shouldDisplay"] as? Bool ?? true else { return [] }
        var names = Set<String>()
        for argument in command["arguments"] as? [[String: Any]] ?? [] {
            guard argument["shouldDisplay"] as? Bool ?? true, argument["kind"] as? String != "positional" else { continue }
            for name in argument["names"] as? [[String: Any]] ?? [] {
                guard let kind = name["kind"] as? String, let text = name["name"] as? String else { continue }
                names.insert(kind == "short" ? "-" + text : (kind == "long" ? "--" : "-") + text)
            }
        }
        for subcommand in command["subcommands"] as? [[String: Any]] ?? [] {
            names.formUnion(collect(subcommand))
        }
        return names
    }
}

struct ToolCheckError: Error, CustomStringConvertible {
    var program: String
    var output: String
    var description: String { "\(program): \(output.prefix(300))" }
}
