import Engine
import Foundation

/// The on-disk form of a fake store, version 1: one JSON object.
///
/// ```
/// { "format": "fake-imapd-state", "version": 1, "delimiter": "/",
///   "nextUIDValidity": 7, "nextMailboxID": 4, "subscriptions": ["INBOX"],
///   "mailboxes": [ { "id": 1, "name": "INBOX", "attributes": [], "uidValidity": 1,
///                    "uidNext": 3, "highestModSeq": 5, "noModSeq": false,
///                    "keywords": ["$Junk"], "firstRecentUID": 3,
///                    "messages": [ { "uid": 1, "modSeq": 2, "flags": ["\\Seen"],
///                                    "internalDate": 1700000000, "timeZoneOffset": 3600,
///                                    "body": "<base64>" } ],
///                    "expunged": [ { "uid": 2, "modSeq": 5 } ] } ] }
/// ```
/// Mailbox names are Unicode; `internalDate` is seconds since the Unix epoch.
struct StateDocument: Codable {
    static let formatName = "fake-imapd-state"
    static let currentVersion = 1

    struct Message: Codable {
        var uid: UInt32
        var modSeq: UInt64
        var flags: [String]
        var internalDate: Int64
        var timeZoneOffset: Int
        var body: Data
    }

    struct Expunged: Codable {
        var uid: UInt32
        var modSeq: UInt64
    }

    struct Mailbox: Codable {
        var id: UInt64
        var name: String
        var attributes: [String]
        var uidValidity: UInt32
        var uidNext: UInt32
        var highestModSeq: UInt64
        var noModSeq: Bool
        var keywords: [String]
        var firstRecentUID: UInt32
        var messages: [Message]
        var expunged: [Expunged]
    }

    var format: String
    var version: Int
    var delimiter: String
    var nextUIDValidity: UInt32
    var nextMailboxID: UInt64
    var subscriptions: [String]
    var mailboxes: [Mailbox]

    enum DecodeError: Error, CustomStringConvertible {
        case notAStateFile(String)
        case unsupportedVersion(Int)
        case invalid(String)
        var description: String {
            switch self {
            case .notAStateFile(let why): return "not a fake-imapd state file: \(why)"
            case .unsupportedVersion(let v): return "fake-imapd state file version \(v) is not supported (expected \(StateDocument.currentVersion))"
            case .invalid(let why): return "invalid fake-imapd state file: \(why)"
            }
        }
    }

    init(state: StoreState) {
        format = Self.formatName
        version = Self.currentVersion
        delimiter = String(state.delimiter)
        nextUIDValidity = state.nextUIDValidity
        nextMailboxID = state.nextMailboxID
        subscriptions = state.subscriptions.sorted()
        mailboxes = state.sortedMailboxes.map { box in
            Mailbox(id: box.id, name: box.name, attributes: box.attributes, uidValidity: box.uidValidity,
                    uidNext: box.uidNext, highestModSeq: box.highestModSeq, noModSeq: box.noModSeq,
                    keywords: box.keywords, firstRecentUID: box.firstRecentUID,
                    messages: box.messages.map { m in
                        Message(uid: m.uid, modSeq: m.modSeq, flags: m.flags.map(\.rawValue).sorted(),
                                internalDate: Int64(m.internalDate.timeIntervalSince1970.rounded(.down)),
                                timeZoneOffset: m.timeZoneOffset, body: Data(m.body))
                    },
                    expunged: box.expunged.map { Expunged(uid: $0.uid, modSeq: $0.modSeq) })
        }
    }

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(self)
    }

    static func decode(_ data: Data) throws -> StateDocument {
        let doc: StateDocument
        do { doc = try JSONDecoder().decode(StateDocument.self, from: data) } catch {
            throw DecodeError.notAStateFile(String(describing: error))
        }
        guard doc.format == formatName else { throw DecodeError.notAStateFile("format is '\(doc.format)'") }
        guard doc.version == currentVersion else { throw DecodeError.unsupportedVersion(doc.version) }
        return doc
    }

    func storeState() throws -> StoreState {
        guard delimiter.count == 1, let d = delimiter.first else { throw DecodeError.invalid("delimiter '\(delimiter)' is not one character") }
        var s = StoreState(delimiter: d, firstUIDValidity: nextUIDValidity)
        s.mailboxes = [:]
        s.nextUIDValidity = nextUIDValidity
        s.nextMailboxID = nextMailboxID
        s.subscriptions = Set(subscriptions)
        for m in mailboxes {
            var box = FakeMailbox(id: m.id, name: m.name, uidValidity: m.uidValidity)
            box.attributes = m.attributes
            box.uidNext = m.uidNext
            box.highestModSeq = m.highestModSeq
            box.noModSeq = m.noModSeq
            box.keywords = m.keywords
            box.firstRecentUID = m.firstRecentUID
            box.messages = m.messages.sorted { $0.uid < $1.uid }.map { msg in
                FakeMessage(uid: msg.uid, modSeq: msg.modSeq, flags: Set(msg.flags.map(Flag.init)),
                            internalDate: Date(timeIntervalSince1970: TimeInterval(msg.internalDate)),
                            timeZoneOffset: msg.timeZoneOffset, body: [UInt8](msg.body))
            }
            box.expunged = m.expunged.map { ExpungedUID(uid: $0.uid, modSeq: $0.modSeq) }
            guard s.mailboxes[box.id] == nil else { throw DecodeError.invalid("mailbox id \(box.id) appears twice") }
            if let last = box.messages.last, last.uid >= box.uidNext { throw DecodeError.invalid("mailbox '\(m.name)': UID \(last.uid) is not below UIDNEXT \(box.uidNext)") }
            // The message lists are searched by UID: each UID once. UIDNEXT must leave room to append.
            if zip(box.messages, box.messages.dropFirst()).contains(where: { $0.uid == $1.uid }) {
                throw DecodeError.invalid("mailbox '\(m.name)': a UID appears twice")
            }
            guard box.uidNext >= 1, box.uidNext < UInt32.max else { throw DecodeError.invalid("mailbox '\(m.name)': UIDNEXT \(box.uidNext) out of range") }
            s.mailboxes[box.id] = box
            s.nextMailboxID = max(s.nextMailboxID, box.id + 1)
        }
        if s.mailbox(named: "INBOX") == nil { try s.createMailbox("INBOX") }
        return s
    }
}
