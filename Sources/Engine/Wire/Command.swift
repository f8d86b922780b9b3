/// A command the client sends (RFC 3501 §6 and the extensions the engine uses). The tag is
/// supplied when encoding (`CommandEncoder.encode(_:tag:)`); IDLE's `DONE` line, which has no
/// tag, is `CommandEncoder.idleDone`.
public enum Command: Sendable, Hashable {
    case capability
    case noop
    case logout
    case startTLS
    case login(username: String, password: String)
    /// `AUTHENTICATE mechanism [initial-response]`; the initial response (RFC 4959 SASL-IR) is
    /// base64-encoded by the encoder, an empty one written `=`.
    case authenticate(mechanism: String, initialResponse: [UInt8]?)
    /// RFC 5161.
    case enable([String])
    case select(MailboxName, parameters: [SelectParameter] = [])
    case examine(MailboxName, parameters: [SelectParameter] = [])
    /// RFC 3691.
    case unselect
    case close
    /// RFC 5258 LIST: `LIST [(selection)] reference pattern(s) [RETURN (options)]`.
    case list(reference: MailboxName, patterns: [MailboxName], selectionOptions: [ListSelectionOption] = [],
              returnOptions: [ListReturnOption] = [])
    case lsub(reference: MailboxName, pattern: MailboxName)
    case status(MailboxName, items: [StatusItem])
    /// RFC 2342.
    case namespace
    case fetch(SequenceSet, items: [FetchItem], modifiers: FetchModifiers = .none)
    case uidFetch(SequenceSet, items: [FetchItem], modifiers: FetchModifiers = .none)
    /// `STORE set [(UNCHANGEDSINCE n)] op (flags)` (RFC 7162 §3.1.3).
    case store(SequenceSet, unchangedSince: UInt64? = nil, operation: StoreOperation, flags: [Flag])
    case uidStore(SequenceSet, unchangedSince: UInt64? = nil, operation: StoreOperation, flags: [Flag])
    case expunge
    /// RFC 4315 §2.1.
    case uidExpunge(SequenceSet)
    /// One message, or several for MULTIAPPEND (RFC 3502).
    case append(MailboxName, messages: [AppendMessage])
    case search(SearchKey)
    case uidSearch(SearchKey)
    case create(MailboxName)
    case delete(MailboxName)
    case rename(from: MailboxName, to: MailboxName)
    case subscribe(MailboxName)
    case unsubscribe(MailboxName)
    /// RFC 2177; end it with `CommandEncoder.idleDone`.
    case idle
    /// RFC 5465 `NOTIFY SET [STATUS] groups...`.
    case notifySet(status: Bool, groups: [NotifyEventGroup])
    case notifyNone
    /// RFC 4978 `COMPRESS DEFLATE`.
    case compressDeflate
    /// RFC 2971; nil sends `ID NIL`.
    case id([IDParameter]?)
}
