import Foundation

/// APPEND on ``IMAPMailStore``: MULTIAPPEND (RFC 3502) batches, APPENDUID (RFC 4315 §3).
extension IMAPMailStore {
    func beginAppend(to mailbox: [UInt8]) throws -> any MessageAppender {
        IMAPAppender(store: self, mailbox: mailbox, wire: MailboxName(wire: try wireName(mailbox)))
    }

    /// The UIDs of a completed APPEND, from its APPENDUID response code, or else found by the
    /// messages' `keys` (``searchAppendedUIDs(_:mailbox:)``).
    func appendedUIDs(_ tag: String, mailbox: [UInt8], keys: [AppendedMessageKey]) throws -> AppendedUIDs {
        let response = try wait(tag, command: "APPEND")
        guard case .appendUID(let validity, let uids)? = response.code else {
            return try searchAppendedUIDs(keys, mailbox: mailbox)
        }
        return AppendedUIDs(uidValidity: validity, uids: Array(uids.numbers))
    }
}

/// One APPEND command on an IMAP server. With LITERAL+ (RFC 7888) every message goes out as it
/// is read from the source, piece by piece, the command staying open until ``finish()``: memory
/// holds a piece of a message, never a message. Without it each literal must wait for the
/// server's `+` (RFC 3501 §7.5), so the batch is collected and sent whole at the end.
final class IMAPAppender: MessageAppender {
    private let store: IMAPMailStore
    private let mailbox: [UInt8]
    private let wire: MailboxName
    private let streams: Bool
    private var tag: String?
    private var collected: [AppendMessage] = []
    /// What recognises each message if the server does not answer with APPENDUID.
    private var keys: [AppendedMessageKey] = []
    private(set) var count = 0
    private(set) var byteCount = 0

    init(store: IMAPMailStore, mailbox: [UInt8], wire: MailboxName) {
        self.store = store
        self.mailbox = mailbox
        self.wire = wire
        self.streams = store.session.encoder.canStreamLiterals
    }

    func add(flags: [Flag], internalDate: InternalDate?, body: MessageBody) throws {
        count += 1
        byteCount += body.size
        guard streams else {
            let bytes = try body.readAll()
            collected.append(AppendMessage(flags: flags, internalDate: internalDate, body: bytes))
            keys.append(AppendedMessageKey(size: body.size, internalDate: internalDate, header: Array(bytes.prefix(AppendedMessageKey.headerPrefixLimit))))
            return
        }
        let session = store.session
        let encoder = session.encoder
        let tag = try self.tag ?? store.failing {
            try session.beginCommand(logAs: "APPEND \(wire.wireString) (messages follow)") { encoder.appendPrefix(tag: $0, mailbox: wire) }
        }
        if self.tag == nil { self.tag = tag; store.register(tag) }
        try store.failing {
            try session.continueCommand(tag: tag, encoder.appendMessageHeader(flags: flags, internalDate: internalDate, size: body.size))
            var sent = 0
            var header: [UInt8] = []
            while let chunk = try body.nextChunk() {
                sent += chunk.count
                if header.count < AppendedMessageKey.headerPrefixLimit { header += chunk.prefix(AppendedMessageKey.headerPrefixLimit - header.count) }
                // The literal's length was announced: a source that sends more or less bytes
                // than it announced would corrupt the command.
                guard sent <= body.size else { throw IMAPClientError.protocolViolation("message body longer than its announced \(body.size) octets") }
                try session.continueCommand(tag: tag, chunk)
            }
            guard sent == body.size else { throw IMAPClientError.protocolViolation("message body of \(sent) octets, \(body.size) announced") }
            keys.append(AppendedMessageKey(size: body.size, internalDate: internalDate, header: header))
        }
    }

    func finish() throws -> Pending<AppendedUIDs> {
        let mailbox = self.mailbox, keys = self.keys
        if let tag {
            try store.failing { try store.session.continueCommand(tag: tag, Array("\r\n".utf8)) }
            return Pending { [store] in try store.appendedUIDs(tag, mailbox: mailbox, keys: keys) }
        }
        guard !collected.isEmpty else { return Pending(value: AppendedUIDs(uidValidity: 0, uids: [])) }
        let tag = try store.send(.append(wire, messages: collected))
        collected = []
        return Pending { [store] in try store.appendedUIDs(tag, mailbox: mailbox, keys: keys) }
    }
}
