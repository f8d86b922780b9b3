/// What the client knows of the mailbox it pulls from, kept up to date from every response:
/// SELECT's UIDVALIDITY and UIDNEXT (RFC 3501 §7.1), and the message count, whose growth
/// (an `EXISTS` larger than the count, RFC 3501 §7.3.1) means new mail to pull.
public struct SelectedPullMailbox: Sendable, Equatable {
    public var uidValidity: UInt32?
    /// The UIDNEXT reported by SELECT; every message below it existed (or was expunged) then.
    public var uidNext: UInt32?
    /// The number of messages (`EXISTS` minus later `EXPUNGE`s).
    public var messageCount: UInt32 = 0
    /// Set when the mailbox grew since the flag was last cleared.
    public var hasNewMail = false

    public init() {}

    /// Takes note of an untagged response (other events are ignored).
    public mutating func observe(_ event: ResponseEvent) {
        guard case .untagged(let untagged) = event else { return }
        switch untagged {
        case .exists(let count):
            if count > messageCount { hasNewMail = true }
            messageCount = count
        case .expunge:
            if messageCount > 0 { messageCount -= 1 }
        case .ok(let text):
            observe(code: text.code)
        default:
            break
        }
    }

    /// Takes note of a response code (SELECT's `[UIDVALIDITY n]` and `[UIDNEXT n]`).
    public mutating func observe(code: ResponseCode?) {
        switch code {
        case .uidValidity(let value)?: uidValidity = value
        case .uidNext(let value)?: uidNext = value
        default: break
        }
    }
}
