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
        let headerEnd = Self.headerEnd(body)
        let header = String(decoding: body[..<headerEnd], as: UTF8.self)
        for line in header.components(separatedBy: "\r\n") {
            let lower = line.lowercased()
            if lower.hasPrefix("message-id:"), let open = line.firstIndex(of: "<"), let at = line.range(of: "@scenario.example>") {
                return String(line[line.index(after: open)..<at.lowerBound]) + "~"
            }
        }
        for line in header.components(separatedBy: "\r\n") where line.lowercased().hasPrefix("subject:") {
            return "[" + line.dropFirst(8).trimmingCharacters(in: .whitespaces) + "]"
        }
        return "[\(body.count) bytes]"
    }

    private static func headerEnd(_ body: [UInt8]) -> Int {
        var i = 0
        while i + 3 < body.count {
            if body[i] == 13 && body[i + 1] == 10 && body[i + 2] == 13 && body[i + 3] == 10 { return i }
            i += 1
        }
        return min(body.count, 2000)
    }

    /// UIDs of the messages with `label` in `mailbox`.
    func uids(of label: String, in mailbox: MailboxSnapshot) -> [UInt32] {
        guard let body = bodies[label] else { return [] }
        return mailbox.messages.filter { $0.body == body }.map(\.uid)
    }
}
