/// How one server spells the mailboxes interimap synchronizes: its hierarchy delimiter and its
/// `list-reference` prefix (interimap(1), `list-reference`).
///
/// Three spellings of a mailbox meet here: the server's wire name (modified UTF-7, the server's
/// delimiter, under the reference), the database name (the reference trimmed, the delimiter
/// replaced by NUL, as the reference implementation stores it), and the display name used in
/// log lines and on the command line (the local delimiter, no reference).
public struct MailboxNaming: Sendable, Equatable {
    /// The hierarchy delimiter the server announced in LIST; nil for a flat name space.
    public var delimiter: Character?
    /// The `list-reference` of the section, as a wire string (possibly empty).
    public var reference: String

    public init(delimiter: Character?, reference: String = "") {
        self.delimiter = delimiter
        self.reference = reference
    }

    public enum NamingError: Error, Equatable, CustomStringConvertible {
        case outsideReference(name: String, reference: String)
        case untranslatable(String)
        public var description: String {
            switch self {
            case let .outsideReference(name, reference): return "mailbox \(name) is not under the list-reference \(reference)"
            case .untranslatable(let message): return message
            }
        }
    }

    /// The database name of a mailbox the server listed.
    public func databaseName(wire: String) throws -> [UInt8] {
        let relative: String
        if reference.isEmpty || wire.uppercased() == "INBOX" && !wire.hasPrefix(reference) {
            relative = wire
        } else {
            guard wire.hasPrefix(reference), wire.count > reference.count else {
                throw NamingError.outsideReference(name: wire, reference: reference)
            }
            relative = String(wire.dropFirst(reference.count))
        }
        do { return try MailboxHierarchy.databaseName(relative, delimiter: delimiter) } catch {
            throw NamingError.untranslatable(String(describing: error))
        }
    }

    /// The server's wire name for a database name.
    public func wireName(database: [UInt8]) throws -> String {
        let relative: String
        do { relative = try MailboxHierarchy.name(fromDatabase: database, delimiter: delimiter) } catch {
            throw NamingError.untranslatable(String(describing: error))
        }
        return reference + relative
    }

    /// A MAILBOX given on the command line (in the local delimiter, as is) to its database name.
    public func databaseName(commandLine name: String) throws -> [UInt8] {
        do { return try MailboxHierarchy.databaseName(name, delimiter: delimiter) } catch {
            throw NamingError.untranslatable(String(describing: error))
        }
    }

    /// How log lines show a database name: with this server's delimiter (the local one, by
    /// convention), NUL shown as `/` when there is none.
    public static func display(_ database: [UInt8], delimiter: Character?) -> String {
        let d = Array(String(delimiter ?? "/").utf8)
        var out: [UInt8] = []
        for b in database { if b == 0 { out += d } else { out.append(b) } }
        return String(decoding: out, as: UTF8.self)
    }
}
