import Foundation

/// One `OPTION=VALUE` setting of an INI file, remembering where it was written so that
/// errors about it can name the file and line.
public struct INIValue: Equatable, Sendable {
    /// The option name, exactly as written (option names are case-sensitive).
    public var key: String
    /// The value with surrounding whitespace removed; it may contain `=` and may be empty.
    public var value: String
    /// The path of the file that set it.
    public var file: String
    /// The 1-based line that set it.
    public var line: Int

    public init(key: String, value: String, file: String, line: Int) {
        self.key = key
        self.value = value
        self.file = file
        self.line = line
    }
}

/// One `[SECTION]` of an INI file, or the default section (everything before the first header).
///
/// A section that appears several times is merged, and a later setting of an option replaces
/// an earlier one, as the reference implementation does.
public struct INISection: Equatable, Sendable {
    /// The section name, or `nil` for the default section.
    public let name: String?
    /// The line of the first `[SECTION]` header with this name (`nil` for the default section).
    public let headerLine: Int?
    /// The settings, by option name.
    public private(set) var values: [String: INIValue] = [:]
    /// Option names in order of first appearance (for reproducible error reporting).
    public private(set) var keys: [String] = []

    init(name: String?, headerLine: Int?) {
        self.name = name
        self.headerLine = headerLine
    }

    /// The setting of `key`, if any.
    public subscript(key: String) -> INIValue? { values[key] }

    mutating func set(_ value: INIValue) {
        if values[value.key] == nil { keys.append(value.key) }
        values[value.key] = value
    }
}

/// A parsed INI configuration file: `[SECTION]` headers, `OPTION=VALUE` lines, comment lines
/// starting with `#` or `;` (after optional whitespace) and blank lines. Anything else is an error
/// naming the file and line.
///
/// interimap(1) and pullimap(1), "CONFIGURATION FILE": "a series of OPTION=VALUE lines organized
/// under some [SECTION]; lines starting with a `#' or `;' character are ignored as comments."
/// A value may also end with an inline comment: blanks, `;`, a blank, then anything
/// (`list-mailbox = INBOX ; the inbox only` sets `INBOX`), for every option and even inside
/// quotes, as the reference implementation reads it. `#` starts a comment only at the start of
/// a line (`type = imap # x` sets `imap # x`), and so does `;` without blanks on both sides
/// (`INBOX;x`, `INBOX ;x`).
public struct INIFile: Equatable, Sendable {
    /// The path the file was read from (used in every error message).
    public let path: String
    /// Settings before the first section header.
    public private(set) var defaultSection: INISection
    /// Named sections, by name.
    public private(set) var sections: [String: INISection] = [:]
    /// Section names in order of first appearance.
    public private(set) var sectionNames: [String] = []

    /// Reads and parses the file at `path`.
    public init(contentsOf path: String) throws(ConfigError) {
        let data: Data
        do {
            data = try Self.readWholeFile(path)
        } catch {
            throw ConfigError(file: path, reason: "cannot read the configuration file: \(errnoText(error.code))")
        }
        try self.init(data: data, path: path)
    }

    /// Parses `data`; `path` is only used in error messages.
    public init(data: Data, path: String) throws(ConfigError) {
        self.path = path
        self.defaultSection = INISection(name: nil, headerLine: nil)
        var current: String? = nil
        var lineNumber = 0
        for rawLine in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            guard let line = String(validating: rawLine, as: UTF8.self) else {
                throw ConfigError(file: path, line: lineNumber, reason: "the line is not valid UTF-8")
            }
            try parse(line: line, number: lineNumber, current: &current)
        }
    }

    /// Parses `text`; `path` is only used in error messages.
    public init(text: String, path: String) throws(ConfigError) {
        try self.init(data: Data(text.utf8), path: path)
    }

    /// The named section, if the file has it.
    public func section(_ name: String) -> INISection? { sections[name] }

    /// The settings that apply in section `name`: the default section's settings, overridden by
    /// the section's own (the reference implementation lets default-section options apply to
    /// every section).
    public func effectiveValues(in name: String) -> [String: INIValue] {
        var merged = defaultSection.values
        if let section = sections[name] {
            for (key, value) in section.values { merged[key] = value }
        }
        return merged
    }

    private mutating func parse(line: String, number: Int, current: inout String?) throws(ConfigError) {
        let trimmed = line.trimmingCharacters(in: Self.blanks)
        guard let first = trimmed.first else { return }
        if first == "#" || first == ";" { return }
        if first == "[" {
            guard trimmed.count >= 2, trimmed.last == "]" else {
                throw ConfigError(file: path, line: number,
                                  reason: "malformed section header \(quoted(trimmed)) (expected [SECTION])")
            }
            let name = String(trimmed.dropFirst().dropLast()).trimmingCharacters(in: Self.blanks)
            guard !name.isEmpty else {
                throw ConfigError(file: path, line: number, reason: "empty section name \(quoted(trimmed))")
            }
            if sections[name] == nil {
                sections[name] = INISection(name: name, headerLine: number)
                sectionNames.append(name)
            }
            current = name
            return
        }
        guard let equals = trimmed.firstIndex(of: "=") else {
            throw ConfigError(file: path, line: number,
                              reason: "expected OPTION=VALUE, [SECTION] or a comment, got \(quoted(trimmed))")
        }
        let key = trimmed[..<equals].trimmingCharacters(in: Self.blanks)
        // The comment is looked for before the blanks after `=` are trimmed: `x = ; note` is empty.
        let value = Self.removingInlineComment(String(trimmed[trimmed.index(after: equals)...])).trimmingCharacters(in: Self.blanks)
        guard !key.isEmpty else {
            throw ConfigError(file: path, line: number, reason: "missing option name before '=' in \(quoted(trimmed))")
        }
        let setting = INIValue(key: key, value: value, file: path, line: number)
        if let current {
            sections[current]?.set(setting)
        } else {
            defaultSection.set(setting)
        }
    }

    /// `value` up to its first inline comment (blanks, `;`, a blank), with the blanks before it
    /// removed; `value` itself when it has none.
    static func removingInlineComment(_ value: String) -> String {
        let scalars = Array(value.unicodeScalars)
        var i = 1
        while i + 1 < scalars.count {  // a `;` with a blank on each side
            if scalars[i] == ";", blanks.contains(scalars[i - 1]), blanks.contains(scalars[i + 1]) {
                var end = i - 1
                while end > 0, blanks.contains(scalars[end - 1]) { end -= 1 }
                var kept = String.UnicodeScalarView()
                kept.append(contentsOf: scalars[..<end])
                return String(kept)
            }
            i += 1
        }
        return value
    }

    /// Spaces, tabs and the CR of CRLF line ends.
    static let blanks = CharacterSet(charactersIn: " \t\r\u{0B}\u{0C}")

    struct ReadError: Error { let code: Int32 }

    /// Reads a regular file with open(2)/read(2) so that failures carry a precise errno
    /// (ENOENT, EACCES, EISDIR, ...).
    static func readWholeFile(_ path: String) throws(ReadError) -> Data {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ReadError(code: errno) }
        defer { close(fd) }
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR { throw ReadError(code: EISDIR) }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ReadError(code: errno)
            }
            if count == 0 { break }
            data.append(contentsOf: buffer[0..<count])
        }
        return data
    }
}
