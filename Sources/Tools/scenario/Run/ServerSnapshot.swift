import Engine
import Foundation

/// What a server holds at one moment, independent of the backend (fake store or dovecot):
/// what expectations are checked against.
struct ServerSnapshot {
    var delimiter: Character
    /// By Unicode name.
    var mailboxes: [String: MailboxSnapshot]
    var subscriptions: [String]

    var sortedNames: [String] {
        mailboxes.keys.sorted { a, b in a == "INBOX" ? b != "INBOX" : (b == "INBOX" ? false : a < b) }
    }

    /// The mailbox, accepting `INBOX` in any case (RFC 3501 §5.1).
    func mailbox(_ name: String) -> MailboxSnapshot? {
        mailboxes[name] ?? (name.uppercased() == "INBOX" ? mailboxes["INBOX"] : nil)
    }
}

struct MailboxSnapshot {
    var uidValidity: UInt32
    var uidNext: UInt32
    var highestModSeq: UInt64
    /// In UID order.
    var messages: [MessageSnapshot]
}

struct MessageSnapshot {
    var uid: UInt32
    /// Sorted, without `\Recent` (a session property, RFC 3501 §2.3.2).
    var flags: [String]
    /// Seconds since the epoch.
    var internalDate: Int64
    var body: [UInt8]
}

/// Names the messages found on servers: by the exact body of a labelled message of the scenario,
/// else by a `Message-ID: <LABEL@scenario.example>` header (a message changed on the way), else
/// by its Subject in brackets.
struct LabelIndex {
    private var labelByBody: [[UInt8]: String] = [:]
    let bodies: [String: [UInt8]]

    init(bodies: [String: [UInt8]]) {
        self.bodies = bodies
        // Labels given the same body: the first in sorted order names it, so reports are stable.
        for (label, body) in bodies.sorted(by: { $0.key < $1.key }) where labelByBody[body] == nil { labelByBody[body] = label }
    }

    func label(of body: [UInt8]) -> String {
        if let label = labelByBody[body] { return label }
        // The engine's header reader: this tool only names what it finds (no server role to
        // play independently, unlike the fake server's own header code).
        let fields = MessageHeader(message: body).fields
        for field in fields where field.name.lowercased() == "message-id" {
            if let open = field.value.firstIndex(of: "<"), let at = field.value.range(of: "@scenario.example>"), open < at.lowerBound {
                return String(field.value[field.value.index(after: open)..<at.lowerBound]) + "~"
            }
        }
        if let subject = fields.first(where: { $0.name.lowercased() == "subject" }) {
            return "[" + subject.value.trimmingCharacters(in: .whitespaces) + "]"
        }
        return "[\(body.count) bytes]"
    }

    /// UIDs of the messages with `label` in `mailbox`.
    func uids(of label: String, in mailbox: MailboxSnapshot) -> [UInt32] {
        guard let body = bodies[label] else { return [] }
        return mailbox.messages.filter { $0.body == body }.map(\.uid)
    }
}
