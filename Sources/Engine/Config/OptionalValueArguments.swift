/// Command-line options whose value is optional (`--watch` or `--watch=300`, `--idle[=seconds]`).
///
/// With getopt-style parsing, such an option takes a value only when it is attached with `=`;
/// a bare `--watch` followed by a word must leave that word as a positional argument (a MAILBOX or
/// a SECTION). The argument parser has no notion of optional values, so bare occurrences are
/// rewritten to an explicit marker before parsing.
public enum OptionalValueArguments {
    /// The value standing for "given without a value: use the documented default".
    public static let defaultMarker = "default"

    /// Rewrites each bare `--NAME` in `arguments` to `--NAME=default`, stopping at `--`.
    public static func normalize(_ arguments: [String], optionalValueOptions names: [String]) -> [String] {
        var out: [String] = []
        var passthrough = false
        for arg in arguments {
            if passthrough { out.append(arg); continue }
            if arg == "--" { passthrough = true; out.append(arg); continue }
            if let name = names.first(where: { arg == "--\($0)" }) {
                out.append("--\(name)=\(defaultMarker)")
            } else {
                out.append(arg)
            }
        }
        return out
    }

    /// Interprets the value of an optional-value option: nil when absent, `defaultSeconds` for the
    /// marker, else a positive number of seconds.
    public static func seconds(_ value: String?, option: String, defaultSeconds: Int) throws -> Int? {
        guard let value else { return nil }
        if value == defaultMarker { return defaultSeconds }
        guard let n = Int(value), n > 0 else {
            throw CommandLineError("--\(option): invalid value '\(value)' (expected a positive number of seconds)")
        }
        return n
    }
}

/// A command-line usage error, reported as one line and exit status 64.
public struct CommandLineError: Error, CustomStringConvertible, ExitStatusProviding {
    public let description: String
    public init(_ description: String) { self.description = description }
    public var exitStatus: ExitStatus { .usage }
}
