import Foundation

/// Encodes commands to bytes, and describes them for logs.
///
/// Literals follow `literalMode`: synchronising (the command is split into segments, see
/// `EncodedCommand`), LITERAL+ (`{n+}`, one segment, RFC 7888) or LITERAL- (`{n+}` up to 4096
/// bytes, synchronising above).
public struct CommandEncoder: Sendable {
    public enum LiteralMode: Sendable, Hashable {
        case synchronizing
        case literalPlus
        case literalMinus
    }

    public var literalMode: LiteralMode

    public init(literalMode: LiteralMode = .synchronizing) {
        self.literalMode = literalMode
    }

    /// The literal mode a server's capabilities allow (`LITERAL+` preferred over `LITERAL-`).
    public init(capabilities: CapabilitySet) {
        if capabilities.contains(.literalPlus) {
            literalMode = .literalPlus
        } else if capabilities.contains(.literalMinus) {
            literalMode = .literalMinus
        } else {
            literalMode = .synchronizing
        }
    }

    /// `tag SP command CRLF`, split at synchronising literals.
    public func encode(_ command: Command, tag: String) -> EncodedCommand {
        var w = CommandWriter(purpose: .wire(literalMode))
        w.raw(tag)
        w.sp()
        CommandEncoder.write(command, to: &w)
        return w.finish()
    }

    /// A one-line description for debug logs: literal data elided as `{n}…`; with
    /// `redactingSecrets`, LOGIN's password and AUTHENTICATE's initial response are replaced by
    /// `[REDACTED]`.
    public static func logDescription(_ command: Command, tag: String, redactingSecrets: Bool = true) -> String {
        var w = CommandWriter(purpose: .log(redactSecrets: redactingSecrets))
        w.raw(tag)
        w.sp()
        write(command, to: &w)
        return String(decoding: w.finish().bytes, as: UTF8.self)
    }

    /// The line that ends IDLE (RFC 2177 §3).
    public static let idleDone: [UInt8] = Array("DONE\r\n".utf8)

    /// A client response to a SASL challenge: base64 and CRLF (RFC 3501 §6.2.2).
    public static func authenticationResponse(_ data: [UInt8]) -> [UInt8] {
        Array(Data(data).base64EncodedString().utf8) + [WireSyntax.cr, WireSyntax.lf]
    }

    /// Cancels an AUTHENTICATE exchange (RFC 3501 §6.2.2).
    public static let authenticationCancel: [UInt8] = Array("*\r\n".utf8)

    // MARK: grammar

    static func write(_ command: Command, to w: inout CommandWriter) {
        switch command {
        case .capability: w.raw("CAPABILITY")
        case .noop: w.raw("NOOP")
        case .logout: w.raw("LOGOUT")
        case .startTLS: w.raw("STARTTLS")
        case .login(let user, let password):
            w.raw("LOGIN ")
            w.astring(user)
            w.sp()
            w.secret { $0.astring(password) }
        case .authenticate(let mechanism, let initial):
            w.raw("AUTHENTICATE ")
            w.raw(mechanism)
            if let initial {
                w.sp()
                // RFC 4959 §3: an empty initial response is sent as "=".
                w.secret { $0.raw(initial.isEmpty ? "=" : Data(initial).base64EncodedString()) }
            }
        case .enable(let caps):
            w.raw("ENABLE ")
            w.joined(caps) { $0.raw($1) }
        case .select(let name, let params):
            w.raw("SELECT ")
            writeSelect(name, params, &w)
        case .examine(let name, let params):
            w.raw("EXAMINE ")
            writeSelect(name, params, &w)
        case .unselect: w.raw("UNSELECT")
        case .close: w.raw("CLOSE")
        case .list(let reference, let patterns, let selection, let returns):
            w.raw("LIST ")
            if !selection.isEmpty {
                w.parenthesized(selection) { $0.raw($1.description) }
                w.sp()
            }
            w.string(reference.wireBytes)
            w.sp()
            // RFC 5258 §3: several patterns are a parenthesised list.
            if patterns.count == 1 {
                w.listMailbox(patterns[0].wireBytes)
            } else {
                w.parenthesized(patterns) { $0.listMailbox($1.wireBytes) }
            }
            if !returns.isEmpty {
                w.raw(" RETURN ")
                w.parenthesized(returns) { w, option in
                    switch option {
                    case .children: w.raw("CHILDREN")
                    case .subscribed: w.raw("SUBSCRIBED")
                    case .specialUse: w.raw("SPECIAL-USE")
                    case .other(let s): w.raw(s)
                    case .status(let items):
                        w.raw("STATUS ")
                        w.parenthesized(items) { $0.raw($1.description) }
                    }
                }
            }
        case .lsub(let reference, let pattern):
            w.raw("LSUB ")
            w.string(reference.wireBytes)
            w.sp()
            w.listMailbox(pattern.wireBytes)
        case .status(let name, let items):
            w.raw("STATUS ")
            w.mailbox(name)
            w.sp()
            w.parenthesized(items) { $0.raw($1.description) }
        case .namespace: w.raw("NAMESPACE")
        case .fetch(let set, let items, let modifiers):
            w.raw("FETCH ")
            writeFetch(set, items, modifiers, &w)
        case .uidFetch(let set, let items, let modifiers):
            w.raw("UID FETCH ")
            writeFetch(set, items, modifiers, &w)
        case .store(let set, let unchangedSince, let op, let flags):
            w.raw("STORE ")
            writeStore(set, unchangedSince, op, flags, &w)
        case .uidStore(let set, let unchangedSince, let op, let flags):
            w.raw("UID STORE ")
            writeStore(set, unchangedSince, op, flags, &w)
        case .expunge: w.raw("EXPUNGE")
        case .uidExpunge(let set):
            w.raw("UID EXPUNGE ")
            w.sequenceSet(set)
        case .append(let name, let messages):
            w.raw("APPEND ")
            w.mailbox(name)
            for m in messages {
                if !m.flags.isEmpty {
                    w.sp()
                    w.flags(m.flags)
                }
                if let date = m.internalDate {
                    w.sp()
                    w.string(date.description)
                }
                w.sp()
                w.literal(m.body)
            }
        case .search(let key):
            w.raw("SEARCH ")
            writeSearch(key, topLevel: true, &w)
        case .uidSearch(let key):
            w.raw("UID SEARCH ")
            writeSearch(key, topLevel: true, &w)
        case .create(let name):
            w.raw("CREATE ")
            w.mailbox(name)
        case .delete(let name):
            w.raw("DELETE ")
            w.mailbox(name)
        case .rename(let from, let to):
            w.raw("RENAME ")
            w.mailbox(from)
            w.sp()
            w.mailbox(to)
        case .subscribe(let name):
            w.raw("SUBSCRIBE ")
            w.mailbox(name)
        case .unsubscribe(let name):
            w.raw("UNSUBSCRIBE ")
            w.mailbox(name)
        case .idle: w.raw("IDLE")
        case .notifyNone: w.raw("NOTIFY NONE")
        case .notifySet(let status, let groups):
            w.raw(status ? "NOTIFY SET STATUS " : "NOTIFY SET ")
            w.joined(groups) { w, g in writeNotifyGroup(g, &w) }
        case .compressDeflate: w.raw("COMPRESS DEFLATE")
        case .id(let params):
            w.raw("ID ")
            if let params {
                w.parenthesized(params) { w, p in
                    w.string(p.key)
                    w.sp()
                    if let v = p.value { w.string(v) } else { w.raw("NIL") }
                }
            } else {
                w.raw("NIL")
            }
        }
    }

    private static func writeSelect(_ name: MailboxName, _ params: [SelectParameter], _ w: inout CommandWriter) {
        w.mailbox(name)
        guard !params.isEmpty else { return }
        w.sp()
        w.parenthesized(params) { w, p in
            switch p {
            case .condStore: w.raw("CONDSTORE")
            case .qresync(let q):
                w.raw("QRESYNC (\(q.uidValidity) \(q.modSeq)")
                if let known = q.knownUIDs, !known.isEmpty {
                    w.sp()
                    w.sequenceSet(known)
                    if let m = q.sequenceMatch, !m.sequenceNumbers.isEmpty, !m.uids.isEmpty {
                        w.raw(" (\(m.sequenceNumbers) \(m.uids))")
                    }
                }
                w.raw(")")
            }
        }
    }

    private static func writeFetch(_ set: SequenceSet, _ items: [FetchItem], _ modifiers: FetchModifiers, _ w: inout CommandWriter) {
        w.sequenceSet(set)
        w.sp()
        w.parenthesized(items) { $0.raw($1.description) }
        guard !modifiers.isEmpty else { return }
        var parts: [String] = []
        if let c = modifiers.changedSince { parts.append("CHANGEDSINCE \(c)") }
        if modifiers.vanished { parts.append("VANISHED") }
        w.raw(" (" + parts.joined(separator: " ") + ")")
    }

    private static func writeStore(_ set: SequenceSet, _ unchangedSince: UInt64?, _ op: StoreOperation, _ flags: [Flag],
                                   _ w: inout CommandWriter) {
        w.sequenceSet(set)
        if let u = unchangedSince { w.raw(" (UNCHANGEDSINCE \(u))") }
        w.sp()
        w.raw(op.description)
        w.sp()
        w.flags(flags)
    }

    private static func writeSearch(_ key: SearchKey, topLevel: Bool, _ w: inout CommandWriter) {
        switch key {
        case .all: w.raw("ALL")
        case .uid(let set):
            w.raw("UID ")
            w.sequenceSet(set)
        case .before(let d): w.raw("BEFORE \(d)")
        case .since(let d): w.raw("SINCE \(d)")
        case .on(let d): w.raw("ON \(d)")
        case .seen: w.raw("SEEN")
        case .unseen: w.raw("UNSEEN")
        case .deleted: w.raw("DELETED")
        case .undeleted: w.raw("UNDELETED")
        case .flagged: w.raw("FLAGGED")
        case .modSeq(let n): w.raw("MODSEQ \(n)")
        case .not(let k):
            w.raw("NOT ")
            writeSearch(k, topLevel: false, &w)
        case .or(let a, let b):
            w.raw("OR ")
            writeSearch(a, topLevel: false, &w)
            w.sp()
            writeSearch(b, topLevel: false, &w)
        case .and(let keys):
            if keys.isEmpty {
                w.raw("ALL")
            } else if topLevel || keys.count == 1 {
                w.joined(keys) { writeSearch($1, topLevel: false, &$0) }
            } else {
                w.parenthesized(keys) { writeSearch($1, topLevel: false, &$0) }
            }
        case .raw(let s): w.raw(s)
        }
    }

    private static func writeNotifyGroup(_ group: NotifyEventGroup, _ w: inout CommandWriter) {
        w.raw("(")
        switch group.filter {
        case .selected: w.raw("SELECTED")
        case .selectedDelayed: w.raw("SELECTED-DELAYED")
        case .personal: w.raw("PERSONAL")
        case .inboxes: w.raw("INBOXES")
        case .subscribed: w.raw("SUBSCRIBED")
        case .subtree(let names):
            w.raw("SUBTREE ")
            writeMailboxes(names, &w)
        case .mailboxes(let names):
            w.raw("MAILBOXES ")
            writeMailboxes(names, &w)
        }
        w.sp()
        if group.events.isEmpty {
            w.raw("NONE")
        } else {
            w.parenthesized(group.events) { w, e in
                switch e {
                case .messageNew(let items):
                    w.raw("MessageNew")
                    if !items.isEmpty {
                        w.sp()
                        w.parenthesized(items) { $0.raw($1.description) }
                    }
                case .messageExpunge: w.raw("MessageExpunge")
                case .flagChange: w.raw("FlagChange")
                case .annotationChange: w.raw("AnnotationChange")
                case .mailboxName: w.raw("MailboxName")
                case .subscriptionChange: w.raw("SubscriptionChange")
                case .mailboxMetadataChange: w.raw("MailboxMetadataChange")
                case .serverMetadataChange: w.raw("ServerMetadataChange")
                }
            }
        }
        w.raw(")")
    }

    /// `one-or-more-mailbox` (RFC 5465 §8).
    private static func writeMailboxes(_ names: [MailboxName], _ w: inout CommandWriter) {
        if names.count == 1 {
            w.mailbox(names[0])
        } else {
            w.parenthesized(names) { $0.mailbox($1) }
        }
    }
}

extension Command {
    /// The command for debug logs, credentials replaced by `[REDACTED]` and literals elided.
    public func redactedDescription(tag: String) -> String {
        CommandEncoder.logDescription(self, tag: tag, redactingSecrets: true)
    }
}

// MARK: APPEND written in pieces

extension CommandEncoder {
    /// Whether messages can be appended as they arrive: their literals must not wait for the
    /// server's continuation request, so the server must offer LITERAL+ (RFC 7888 §3).
    public var canStreamLiterals: Bool { literalMode == .literalPlus }

    /// `tag APPEND mailbox`: the start of an APPEND whose messages follow one by one.
    public func appendPrefix(tag: String, mailbox: MailboxName) -> [UInt8] {
        var w = CommandWriter(purpose: .wire(.literalPlus))
        w.raw(tag + " APPEND ")
        w.mailbox(mailbox)
        return w.current
    }

    /// ` (flags) "date" {size+}` CRLF: one message's part before its bytes, which follow as they
    /// come (RFC 3502 §6.3.11: MULTIAPPEND repeats this for every message).
    public func appendMessageHeader(flags: [Flag], internalDate: InternalDate?, size: Int) -> [UInt8] {
        var w = CommandWriter(purpose: .wire(.literalPlus))
        if !flags.isEmpty { w.sp(); w.flags(flags) }
        if let internalDate { w.sp(); w.string(internalDate.description) }
        w.raw(" {\(size)+}\r\n")
        return w.current
    }
}
