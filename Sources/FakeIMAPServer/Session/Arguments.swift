import Engine

/// A cursor over a command's argument tokens with the accessors of RFC 3501 §9's grammar;
/// every mismatch is a BAD naming what was expected.
struct Arguments {
    private var tokens: ArraySlice<CommandToken>
    let command: String

    init(_ tokens: ArraySlice<CommandToken>, command: String) {
        self.tokens = tokens
        self.command = command
    }

    var isEmpty: Bool { tokens.isEmpty }
    var remaining: [CommandToken] { Array(tokens) }
    var peek: CommandToken? { tokens.first }

    func bad(_ what: String) -> CommandFailure { .bad("Error in IMAP command \(command): \(what)") }

    mutating func next(_ what: String = "Missing arguments") throws -> CommandToken {
        guard let t = tokens.popFirst() else { throw bad(what) }
        return t
    }

    mutating func astring(_ what: String = "Missing arguments") throws -> String {
        let t = try next(what)
        guard let s = t.stringValue else { throw bad("Invalid arguments.") }
        return s
    }

    mutating func atom(_ what: String = "Missing arguments") throws -> String {
        let t = try next(what)
        guard let a = t.atomValue else { throw bad("Invalid arguments.") }
        return a
    }

    mutating func list(_ what: String = "Missing arguments") throws -> [CommandToken] {
        let t = try next(what)
        guard let l = t.listValue else { throw bad("Invalid arguments.") }
        return l
    }

    /// The next token if it is a list.
    mutating func optionalList() -> [CommandToken]? {
        if case .list(let l)? = tokens.first { tokens.removeFirst(); return l }
        return nil
    }

    /// The next token if it is the given atom (case-insensitive).
    mutating func optionalAtom(_ word: String) -> Bool {
        if case .atom(let a)? = tokens.first, a.uppercased() == word { tokens.removeFirst(); return true }
        return false
    }

    mutating func number(_ what: String = "Missing arguments") throws -> UInt64 {
        let a = try atom(what)
        guard let v = UInt64(a), a.allSatisfy(\.isASCII) else { throw bad("Invalid number \(a).") }
        return v
    }

    /// A mailbox name: the wire form decoded from modified UTF-7 (RFC 3501 §5.1.3).
    mutating func mailbox() throws -> String {
        let wire = try astring()
        do { return try ModifiedUTF7.decode(wire) } catch {
            throw CommandFailure.no("Mailbox name is not valid mUTF-7")
        }
    }

    func end() throws {
        if !tokens.isEmpty { throw bad("Extra arguments.") }
    }
}
