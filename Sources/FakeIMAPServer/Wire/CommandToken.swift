/// One element of a client command as RFC 3501 §9 writes it: an atom (which here also covers
/// numbers, sequence sets, flags, `NIL` and fetch items with their `[section]<partial>`), a
/// quoted string, a literal, or a parenthesised list.
enum CommandToken: Equatable, CustomStringConvertible {
    case atom(String)
    case quoted([UInt8])
    case literal([UInt8])
    case list([CommandToken])

    /// The value of an `astring` / `string` (atom, quoted or literal), as bytes.
    var stringBytes: [UInt8]? {
        switch self {
        case .atom(let a): return Array(a.utf8)
        case .quoted(let b), .literal(let b): return b
        case .list: return nil
        }
    }

    /// The value of an `astring`, decoded as UTF-8.
    var stringValue: String? { stringBytes.map { String(decoding: $0, as: UTF8.self) } }

    var atomValue: String? { if case .atom(let a) = self { return a } else { return nil } }

    var listValue: [CommandToken]? { if case .list(let l) = self { return l } else { return nil } }

    var isString: Bool {
        switch self { case .quoted, .literal: return true; default: return false }
    }

    var description: String {
        switch self {
        case .atom(let a): return a
        case .quoted(let b): return "\"" + String(decoding: b, as: UTF8.self) + "\""
        case .literal(let b): return "{\(b.count)}"
        case .list(let l): return "(" + l.map(\.description).joined(separator: " ") + ")"
        }
    }
}

/// A complete command: its tag and its tokens (the command name first).
struct ReceivedCommand {
    var tag: String
    var tokens: [CommandToken]
}
