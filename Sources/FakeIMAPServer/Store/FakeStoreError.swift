/// Why a change to the fake store was refused. The session turns each case into the NO response
/// and response code a real server gives (RFC 5530 codes, as dovecot uses them).
public enum FakeStoreError: Error, Equatable, CustomStringConvertible {
    case noSuchMailbox(String)
    case mailboxExists(String)
    case cannotDeleteInbox
    case invalidName(String)
    case renameIntoItself(String)
    case noSuchMessage(mailbox: String, uid: UInt32)

    /// The RFC 5530 response code a server attaches to the NO.
    public var responseCode: String? {
        switch self {
        case .noSuchMailbox: return "NONEXISTENT"
        case .mailboxExists: return "ALREADYEXISTS"
        case .invalidName, .renameIntoItself: return "CANNOT"
        case .cannotDeleteInbox, .noSuchMessage: return nil
        }
    }

    public var description: String {
        switch self {
        case .noSuchMailbox(let n): return "Mailbox doesn't exist: \(n)"
        case .mailboxExists: return "Mailbox already exists"
        case .cannotDeleteInbox: return "INBOX can't be deleted."
        case .invalidName(let n): return "Invalid mailbox name: \(n)"
        case .renameIntoItself(let n): return "Can't rename mailbox under itself: \(n)"
        case let .noSuchMessage(m, uid): return "No message with UID \(uid) in mailbox \(m)"
        }
    }
}
