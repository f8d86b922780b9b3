/// Why a pull stopped, with the section and mailbox it concerns, so the one-line report tells
/// the user which account to look at.
public enum PullError: Error, Equatable, Sendable, CustomStringConvertible, ExitStatusProviding {
    /// The server's UIDVALIDITY is not the one the statefile recorded: the UIDs the statefile
    /// speaks of may now name other messages (RFC 3501 §2.3.1.1), so nothing is delivered.
    case uidValidityChanged(section: String, mailbox: String, statefile: String, recorded: UInt32, server: UInt32)
    /// SELECT did not report UIDVALIDITY: the mailbox has no persistent UIDs, which pullimap(1)
    /// requires ("Support for persistent message Unique Identifiers (UID) is required").
    case noUIDValidity(section: String, mailbox: String)
    /// A FETCH response to the UID FETCH lacks the UID or the body it asked for.
    case incompleteFetch(section: String, mailbox: String, detail: String)
    /// The server lacks an extension the requested mode needs (IDLE for `--idle`).
    case missingCapability(section: String, capability: String, purpose: String)
    /// A message could not be delivered; the statefile keeps every UID delivered before it, and
    /// the message is tried again on the next run.
    case delivery(section: String, mailbox: String, uid: UInt32, underlying: MailDeliveryError)

    public var exitStatus: ExitStatus {
        switch self {
        case .uidValidityChanged, .noUIDValidity: return .dataError
        case .incompleteFetch: return .protocolError
        case .missingCapability: return .unavailable
        case .delivery(_, _, _, let underlying): return underlying.exitStatus
        }
    }

    /// The log line's component and mailbox, and the message after `ERROR: ` (the reference's
    /// wording first, so that log watchers keep matching).
    public var logLine: (component: String, mailbox: String, message: String) {
        switch self {
        case let .uidValidityChanged(section, mailbox, statefile, recorded, server):
            return (section, "", "UIDVALIDITY changed! (\(recorded) != \(server)) The UIDs recorded in statefile \(statefile) "
                    + "no longer name the same messages of \(mailbox); nothing was delivered "
                    + "(remove the statefile to start over, or run once with --no-delivery)")
        case let .noUIDValidity(section, mailbox), let .incompleteFetch(section, mailbox, _), let .delivery(section, mailbox, _, _):
            let text = description
            let prefix = "\(section)(\(mailbox)): "
            return (section, mailbox, text.hasPrefix(prefix) ? String(text.dropFirst(prefix.count)) : text)
        case let .missingCapability(section, _, _):
            let text = description
            return (section, "", text.hasPrefix("\(section): ") ? String(text.dropFirst(section.count + 2)) : text)
        }
    }

    public var description: String {
        switch self {
        case let .uidValidityChanged(section, _, _, _, _):
            return "\(section): \(logLine.message)"
        case let .noUIDValidity(section, mailbox):
            return "\(section)(\(mailbox)): the server did not report UIDVALIDITY on SELECT (persistent UIDs are required)"
        case let .incompleteFetch(section, mailbox, detail):
            return "\(section)(\(mailbox)): malformed UID FETCH response: \(detail)"
        case let .missingCapability(section, capability, purpose):
            return "\(section): the server does not advertise \(capability), needed for \(purpose)"
        case let .delivery(section, mailbox, uid, underlying):
            let outcome = underlying.isTransient ? "will be retried on the next run" : "not delivered"
            return "\(section)(\(mailbox)): UID \(uid) \(outcome): \(underlying)"
        }
    }
}
