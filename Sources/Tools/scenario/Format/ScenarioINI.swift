import Foundation

/// A scenario file read as plain INI, keeping what a configuration reader throws away: the order
/// of sections (steps are sections, in order), repeated sections and repeated keys, and the line
/// of everything for error messages.
///
/// Syntax: `[WORD ARG...]` section headers (arguments may be double-quoted), `KEY = VALUE` lines
/// (the key is everything before the first `=`), comment lines starting with `#` or `;`, blank
/// lines. Settings before the first header belong to the header section (name `""`).
struct ScenarioINI {
    struct Entry: Equatable {
        /// The key as written, blanks collapsed (`flags  remote INBOX` becomes `flags remote INBOX`).
        var key: String
        /// The key's words (quotes removed).
        var keyWords: [String]
        var value: String
        var line: Int
    }

    struct Section: Equatable {
        /// The first word of the header (`run`, `expect`, ...); `""` for the settings before any header.
        var kind: String
        /// The remaining words of the header.
        var arguments: [String]
        var line: Int
        var entries: [Entry]

        /// The header as written, for messages (`[change remote]`).
        var title: String {
            kind.isEmpty ? "header" : "[" + ([kind] + arguments.map(WordSplitter.quote)).joined(separator: " ") + "]"
        }
    }

    let path: String
    private(set) var sections: [Section] = []

    init(text: String, path: String) throws(ScenarioFileError) {
        self.path = path
        var current = Section(kind: "", arguments: [], line: 0, entries: [])
        var lineNumber = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = raw.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "\r")))
            guard let first = line.first, first != "#", first != ";" else { continue }
            if first == "[" {
                guard line.last == "]", line.count >= 2 else {
                    throw ScenarioFileError(file: path, line: lineNumber, "malformed section header '\(line)' (expected [KIND ARGUMENTS])")
                }
                let inside = String(line.dropFirst().dropLast())
                let words: [String]
                do { words = try WordSplitter.split(inside) } catch {
                    throw ScenarioFileError(file: path, line: lineNumber, "section header '\(line)': \(error)")
                }
                guard let kind = words.first else {
                    throw ScenarioFileError(file: path, line: lineNumber, "empty section header '[]'")
                }
                sections.append(current)
                current = Section(kind: kind.lowercased(), arguments: Array(words.dropFirst()), line: lineNumber, entries: [])
                continue
            }
            guard let equals = line.firstIndex(of: "=") else {
                throw ScenarioFileError(file: path, line: lineNumber, "expected KEY = VALUE, [SECTION] or a comment, got '\(line)'")
            }
            let keyText = line[..<equals].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            let keyWords: [String]
            do { keyWords = try WordSplitter.split(keyText) } catch {
                throw ScenarioFileError(file: path, line: lineNumber, key: keyText, "\(error)")
            }
            guard !keyWords.isEmpty else {
                throw ScenarioFileError(file: path, line: lineNumber, "missing key before '=' in '\(line)'")
            }
            current.entries.append(Entry(key: keyWords.map(WordSplitter.quote).joined(separator: " "), keyWords: keyWords,
                                         value: value, line: lineNumber))
        }
        sections.append(current)
    }

    init(contentsOf path: String) throws(ScenarioFileError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ScenarioFileError(file: path, line: 0, "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ScenarioFileError(file: path, line: 0, "the file is not valid UTF-8")
        }
        try self.init(text: text, path: path)
    }
}
