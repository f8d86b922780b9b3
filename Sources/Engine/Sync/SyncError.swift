/// Why a synchronization stopped. Each names the server and the mailbox, and says what to do.
public enum SyncError: Error, Equatable, CustomStringConvertible, ExitStatusProviding {
    /// A required extension is missing (interimap(1), DESCRIPTION).
    case missingExtension(server: String, extension: String)
    /// The mailbox does not keep mod-sequences (RFC 7162 §3.1.2.2): stateful sync is impossible.
    case noModSeq(server: String, mailbox: String)
    /// UIDVALIDITY differs from the database's: every UID of the mailbox changed meaning.
    case uidValidityChanged(server: String, mailbox: String, expected: UInt32, found: UInt32)
    /// A mailbox the database knows is gone from one server only (deleted or renamed there).
    case mailboxVanished(server: String, mailbox: String)
    /// The server answered APPEND without a usable APPENDUID (RFC 4315 §3).
    case missingAppendUID(server: String, mailbox: String)
    /// A mailbox to create, rename or delete is in a state that forbids it.
    case mailboxConflict(String)
    /// The two servers use hierarchy delimiters that cannot represent a name.
    case naming(String)

    public var description: String {
        switch self {
        case let .missingExtension(server, ext):
            return "\(server): server does not support \(ext), which interimap requires"
        case let .noModSeq(server, mailbox):
            return "\(server)(\(mailbox)): mailbox does not support persistent mod-sequences (NOMODSEQ); cannot synchronize it"
        case let .uidValidityChanged(server, mailbox, expected, found):
            return "\(server)(\(mailbox)): UIDVALIDITY changed (\(expected) in the database, \(found) on the server); "
                + "nothing was changed. Remove the mailbox from the database (--target=database --delete) to synchronize it anew"
        case let .mailboxVanished(server, mailbox):
            return "\(server): mailbox \(mailbox) no longer exists but is known to the database; "
                + "use --delete or --rename to delete or rename it everywhere"
        case let .missingAppendUID(server, mailbox):
            return "\(server)(\(mailbox)): APPEND did not return APPENDUID (UIDPLUS)"
        case .mailboxConflict(let message), .naming(let message):
            return message
        }
    }

    public var exitStatus: ExitStatus {
        switch self {
        case .missingExtension: return .unavailable
        case .noModSeq, .uidValidityChanged, .mailboxVanished, .mailboxConflict, .naming: return .dataError
        case .missingAppendUID: return .protocolError
        }
    }
}
