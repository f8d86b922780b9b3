import Engine
import Foundation

/// The contents of an IMAP store, read through the engine's own client, in a form two servers can
/// be compared in: mailbox names in the database form (NUL for the delimiter), and for each
/// mailbox the multiset of its messages as (flags, body), UIDs left out.
public struct MailStoreSnapshot: Equatable, CustomStringConvertible {
    public struct Message: Hashable, Comparable, CustomStringConvertible {
        public var flags: [String]
        public var body: [UInt8]
        public static func < (a: Message, b: Message) -> Bool {
            a.body.lexicographicallyPrecedes(b.body) || (a.body == b.body && a.flags.lexicographicallyPrecedes(b.flags))
        }
        public var description: String {
            let subject = String(decoding: body.prefix(60), as: UTF8.self).replacingOccurrences(of: "\r\n", with: " | ")
            return "(\(flags.joined(separator: " "))) \(subject)"
        }
    }

    /// Database-form name (`a\0b`) as a string → sorted messages.
    public var mailboxes: [String: [Message]]
    public var subscribed: Set<String>

    public var description: String {
        mailboxes.keys.sorted().map { name in
            let shown = name.replacingOccurrences(of: "\0", with: "/")
            return "\(shown)\(subscribed.contains(name) ? " [subscribed]" : ""):\n" + (mailboxes[name] ?? []).map { "    \($0)" }.joined(separator: "\n")
        }.joined(separator: "\n")
    }

    /// Total number of messages.
    public var messageCount: Int { mailboxes.values.reduce(0) { $0 + $1.count } }

    /// Whether some mailbox holds the same message (body) twice.
    public var duplicates: [String] {
        var out: [String] = []
        for (name, messages) in mailboxes {
            var seen = Set<[UInt8]>()
            for m in messages where !seen.insert(m.body).inserted { out.append("\(name): \(m)") }
        }
        return out
    }

    /// Reads every selectable mailbox of the store behind `stream` (greeting not yet read).
    public static func read(_ stream: ByteStream) throws -> MailStoreSnapshot {
        let session = IMAPSession(stream: stream, name: "snapshot")
        defer { session.logout() }
        _ = try session.readGreeting()
        var listings: [MailboxListing] = []
        try session.execute(.list(reference: MailboxName(wire: ""), patterns: [MailboxName(wire: "*")], returnOptions: [.subscribed])) { event in
            if case .untagged(.list(let l)) = event { listings.append(l) }
        }
        var result = MailStoreSnapshot(mailboxes: [:], subscribed: [])
        for listing in listings where !listing.attributes.contains(.nonExistent) && !listing.attributes.contains(.noSelect) {
            let key = String(decoding: try MailboxHierarchy.databaseName(listing.name.wireString, delimiter: listing.delimiter), as: UTF8.self)
            if listing.attributes.contains(.subscribed) { result.subscribed.insert(key) }
            try session.execute(.examine(listing.name))
            var messages: [Message] = []
            var assembler = FetchAssembler()
            try session.execute(.uidFetch(SequenceSet.from(1), items: [.uid, .flags, .body(section: .complete, peek: true)])) { event in
                if let fetch = assembler.feed(event) {
                    let flags = (fetch.flags ?? []).filter { $0 != .recent }.map(\.rawValue).sorted()
                    messages.append(Message(flags: flags, body: fetch.body() ?? []))
                }
            }
            result.mailboxes[key] = messages.sorted()
        }
        return result
    }
}
