/// Why a synchronization stopped. Each names the component (`local`, `remote`, `database`) the
/// log line is prefixed with, and says what to do; the wording starts as the reference
/// implementation's does, so that scripts watching the logs keep working.
public enum SyncError: Error, Equatable, CustomStringConvertible, ExitStatusProviding {
    /// A required extension is missing (interimap(1), DESCRIPTION).
    case missingExtension(server: String, extension: String)
    /// The mailbox does not keep mod-sequences (RFC 7162 §3.1.2.2): stateful sync is impossible.
    case noModSeq(server: String, mailbox: String)
    /// UIDVALIDITY differs from the database's: every UID of the mailbox changed meaning.
    case uidValidityChanged(server: String, mailbox: String, expected: UInt32, found: UInt32)
    /// A mailbox the database knows is gone from one server only (deleted or renamed there).
    /// `server`: the side it is gone from; `mailbox`: as a command line names it (local delimiter).
    case mailboxVanished(server: String, mailbox: String)
    /// The server answered APPEND without a usable APPENDUID (RFC 4315 §3).
    case missingAppendUID(server: String, mailbox: String)
    /// `--rename` onto a mailbox that exists on a target.
    case destinationExists(target: String, mailbox: String, commandLineName: String)
    /// The two servers use hierarchy delimiters that cannot represent a name.
    case naming(String)

    /// The component of the log line.
    public var component: String {
        switch self {
        case .missingExtension(let s, _), .noModSeq(let s, _), .uidValidityChanged(let s, _, _, _),
             .missingAppendUID(let s, _), .destinationExists(let s, _, _):
            return s
        // The database is what knows the mailbox, as the reference's line says.
        case .mailboxVanished: return "database"
        case .naming: return ""
        }
    }

    /// The message after `component: ERROR: `.
    public var message: String {
        switch self {
        case let .missingExtension(_, ext):
            return "Server does not support \(ext), which interimap requires."
        case let .noModSeq(_, mailbox):
            return "Mailbox \(mailbox) doesn't support MODSEQ."
        case let .uidValidityChanged(_, mailbox, expected, found):
            return "UIDVALIDITY changed! (\(found) != \(expected))  Need to invalidate the UID cache for \(mailbox). "
                + "Nothing was changed; run `interimap --target=database --delete \(mailbox)` to synchronize it anew."
        case let .mailboxVanished(server, mailbox):
            // The reference's sentence, then why its command is the safe one: it keeps the copy
            // that survives (never advise a command that would delete it).
            let other = server == "local" ? "remote" : "local"
            return "Mailbox \(mailbox) exists. Run `interimap --target=database --delete \(mailbox)` to delete. "
                + "(It is gone from \(server) only, deleted or renamed there: that command keeps the \(other) copy, which the next run "
                + "copies back; after a rename to NEWNAME, `interimap --target=\(other),database --rename \(mailbox) NEWNAME` follows it instead.)"
        case let .missingAppendUID(_, mailbox):
            return "APPEND to \(mailbox) did not return APPENDUID (UIDPLUS)."
        case let .destinationExists(target, mailbox, name):
            return "Mailbox \(mailbox) exists. Run `interimap --target=\(target) --delete \(name)` to delete."
        case .naming(let message):
            return message
        }
    }

    public var description: String { component.isEmpty ? message : "\(component): \(message)" }

    public var exitStatus: ExitStatus {
        switch self {
        case .missingExtension: return .unavailable
        case .noModSeq, .uidValidityChanged, .mailboxVanished, .destinationExists, .naming: return .dataError
        case .missingAppendUID: return .protocolError
        }
    }
}
