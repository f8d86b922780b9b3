/// How a `command` option (type=tunnel) becomes an argument vector.
///
/// interimap(1): "The value is passed to `/bin/sh -c` if it contains shell metacharacters;
/// otherwise it is split into words and the resulting list is passed to execvp(3)."
public enum TunnelCommand {
    /// Characters that make the shell interpret a command differently from plain word splitting:
    /// pipes and lists (`| & ;`), redirections (`< >`), subshells and groups (`( ) { }`),
    /// expansions (`$ \` ~ * ? [ ]`), quoting (`\ " '`), comments (`#`), variable assignments
    /// (`=`), job specifications (`%`), negation (`!`), the historical pipe (`^`) and the
    /// command separator newline. Sending a command to the shell when it did not need it costs
    /// one extra process; the reverse would run the wrong program, so the set errs wide.
    public static let shellMetacharacters: Set<Character> = [
        "|", "&", ";", "<", ">", "(", ")", "{", "}", "$", "`", "\\", "\"", "'",
        "*", "?", "[", "]", "#", "~", "=", "%", "!", "^", "\n", "\r",
    ]

    /// Separators for word splitting when no shell is involved.
    static let whitespace: Set<Character> = [" ", "\t", "\u{0B}", "\u{0C}"]

    /// Whether `command` goes to `/bin/sh -c`.
    public static func needsShell(_ command: String) -> Bool {
        command.contains { shellMetacharacters.contains($0) }
    }

    /// The argument vector to spawn: `["/bin/sh", "-c", command]` or the words of `command`.
    public static func arguments(for command: String) throws -> [String] {
        if needsShell(command) { return ["/bin/sh", "-c", command] }
        let words = command.split { whitespace.contains($0) }.map(String.init)
        guard !words.isEmpty else { throw TransportError.tunnel(command: command, message: "empty command") }
        return words
    }
}
