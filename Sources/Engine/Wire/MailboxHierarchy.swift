/// Translation of mailbox names between hierarchy delimiters: the local server's (say `/`), the
/// remote server's (say `.`), and the database form where the delimiter is a NUL byte, so that
/// names stored for one server can be used on the other.
///
/// A translation must be reversible; a name that contains the target delimiter as an ordinary
/// character (e.g. `a.b` as one level, going to a server whose delimiter is `.`) cannot be
/// represented and is an error.
public enum MailboxHierarchy {
    public enum TranslationError: Error, Equatable, CustomStringConvertible {
        /// A level of `name` contains `character`, the target delimiter.
        case ambiguous(name: String, character: Character)
        /// A hierarchical name cannot go to a flat name space (delimiter NIL).
        case flatNamespace(name: String)

        public var description: String {
            switch self {
            case .ambiguous(let name, let c):
                let shown = c == "\0" ? "NUL" : "'\(c)'"
                return "mailbox name '\(name.replacingOccurrences(of: "\0", with: "\\0"))' contains the hierarchy delimiter \(shown) of the other side as an ordinary character"
            case .flatNamespace(let name):
                return "hierarchical mailbox name '\(name.replacingOccurrences(of: "\0", with: "\\0"))' cannot be represented without a hierarchy delimiter"
            }
        }
    }

    /// The levels of `name` (the whole name when `delimiter` is nil).
    public static func components(of name: String, delimiter: Character?) -> [Substring] {
        guard let delimiter else { return [Substring(name)] }
        return name.split(separator: delimiter, omittingEmptySubsequences: false)
    }

    /// Rewrites `name` from the hierarchy delimiter `source` to `target` (nil: no hierarchy).
    public static func translate(_ name: String, from source: Character?, to target: Character?) throws -> String {
        if source == target { return name }
        let parts = components(of: name, delimiter: source)
        guard let target else {
            guard parts.count == 1 else { throw TranslationError.flatNamespace(name: name) }
            return name
        }
        for p in parts where p.contains(target) { throw TranslationError.ambiguous(name: name, character: target) }
        return parts.joined(separator: String(target))
    }

    /// The database form of `name`: the delimiter replaced by NUL, as UTF-8 bytes.
    public static func databaseName(_ name: String, delimiter: Character?) throws -> [UInt8] {
        Array(try translate(name, from: delimiter, to: "\0").utf8)
    }

    /// The name for a server with hierarchy delimiter `delimiter` from its database form.
    public static func name(fromDatabase bytes: [UInt8], delimiter: Character?) throws -> String {
        try translate(String(decoding: bytes, as: UTF8.self), from: "\0", to: delimiter)
    }
}
