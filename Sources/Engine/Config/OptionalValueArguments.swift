/// Command-line options whose value is optional (`--watch`, `--watch=300`, `--watch 300`,
/// `--idle[=seconds]`), parsed as the reference's getopt does for an optional integer.
///
/// Such an option takes the next word as its value only when that word is a number, so that
/// `--watch 30 INBOX` is a 30-second interval and `--watch INBOX` the default interval with
/// the mailbox INBOX. The argument parser has no notion of optional values, so occurrences are
/// rewritten to the attached form (`--watch=30`, or `--watch=default` when no value is given)
/// before parsing. A value of 0 also means "the documented default", as with the reference.
public enum OptionalValueArguments {
    /// The value standing for "given without a value: use the documented default".
    public static let defaultMarker = "default"

    /// Rewrites each `--NAME` in `arguments` to `--NAME=VALUE` (taking the next word when it is
    /// a number) or `--NAME=default`, stopping at `--`.
    public static func normalize(_ arguments: [String], optionalValueOptions names: [String]) -> [String] {
        var out: [String] = []
        var passthrough = false
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let arg = arguments[index]
            index += 1
            if passthrough { out.append(arg); continue }
            if arg == "--" { passthrough = true; out.append(arg); continue }
            guard let name = names.first(where: { arg == "--\($0)" }) else { out.append(arg); continue }
            if index < arguments.endIndex, isNumber(arguments[index]) {
                out.append("--\(name)=\(arguments[index])")
                index += 1
            } else {
                out.append("--\(name)=\(defaultMarker)")
            }
        }
        return out
    }

    /// A word getopt would take as an optional integer value: digits, with an optional sign.
    private static func isNumber(_ word: String) -> Bool {
        let digits = word.first == "-" || word.first == "+" ? word.dropFirst() : Substring(word)
        return !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// Interprets the value of an optional-value option: nil when absent, `defaultSeconds` for the
    /// marker or 0, else a positive number of seconds.
    public static func seconds(_ value: String?, option: String, defaultSeconds: Int) throws -> Int? {
        guard let value else { return nil }
        if value == defaultMarker { return defaultSeconds }
        guard let n = Int(value), n >= 0 else {
            throw CommandLineError("--\(option): invalid value '\(value)' (expected a number of seconds)")
        }
        return n == 0 ? defaultSeconds : n
    }
}

/// A command-line error, reported as one line and exit status 64. A usage error (a malformed
/// command line) is followed by the usage summary; a refusal (a well-formed command that must
/// not run, such as deleting INBOX) is reported as `ERROR: message` alone, as the reference does.
public struct CommandLineError: Error, CustomStringConvertible, ExitStatusProviding {
    public let description: String
    /// False for a refusal: the command line parsed, but what it asks for is refused.
    public let isUsage: Bool
    public init(_ description: String, isUsage: Bool = true) { self.description = description; self.isUsage = isUsage }
    public var exitStatus: ExitStatus { .usage }
}
