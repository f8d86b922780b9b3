import Foundation

/// The message operations of ``IMAPMailStore``: UID FETCH, UID STORE, UID EXPUNGE, APPEND.
extension IMAPMailStore {
    /// The longest UID set one command carries, in bytes of its wire form. A set of scattered
    /// UIDs can be long; servers limit command lines (RFC 7162 §4 suggests clients keep them under
    /// 8192 octets).
    static let uidSetBytesPerCommand = 4000

    /// `UID FETCH set (items)`; `take` gets its FETCH responses and whether their UID is one the
    /// set asked for, and says which it claims: an answer it does not claim is taken for a report
    /// of a change, as any other.
    private func fetch(_ set: SequenceSet, items: [FetchItem], modifiers: FetchModifiers = .none,
                       taking take: @escaping (UInt32, FetchResponse, Bool) throws -> Bool) throws -> [Pending<Void>] {
        try set.chunked(maxLength: Self.uidSetBytesPerCommand).map { chunk in
            try command(.uidFetch(chunk, items: items, modifiers: modifiers), name: "UID FETCH") { answer in
                guard case .fetch(let response) = answer, let uid = response.uid else { return false }
                return try take(uid, response, chunk.admits(uid))
            }
        }
    }

    /// MODSEQ, which a server below CONDSTORE does not know (RFC 7162 §3.1.5).
    private var modSeqItems: [FetchItem] { level == .plain ? [] : [.modSeq] }

    func fetchFlags(_ uids: SequenceSet, changedSince: UInt64?) throws -> Pending<[UInt32: [Flag]]> {
        let result = Box<[UInt32: [Flag]]>([:])
        // A FLAGS answer outside the set is another client's change reported meanwhile.
        let pendings = try fetch(uids, items: [.uid, .flags] + modSeqItems,
                                 modifiers: FetchModifiers(changedSince: changedSince)) { uid, response, asked in
            guard asked, let flags = response.flags else { return false }
            result.value[uid] = flags
            // The flags asked for are handled by whoever asked: their MODSEQ is covered.
            if let modSeq = response.modSeq { self.selected?.observe(uid: uid, flags: nil, modSeq: modSeq) }
            return true
        }
        return Pending { for p in pendings { try p.wait() }; return result.value }
    }

    func fetchKeys(_ uids: SequenceSet) throws -> Pending<[UInt32: MessageKey]> {
        let result = Box<[UInt32: MessageKey]>([:])
        // `n:*` names the highest message even below `n` (RFC 3501 §6.4.8): answered, not kept.
        let pendings = try fetch(uids, items: [.uid, .rfc822Size, .internalDate]) { uid, response, asked in
            guard let size = response.rfc822Size, let date = response.internalDate else { return false }
            if asked { result.value[uid] = MessageKey(size: UInt64(size), date: Int64(date.date.timeIntervalSince1970)) }
            return true
        }
        return Pending { for p in pendings { try p.wait() }; return result.value }
    }

    /// The bodies are hashed as their pieces arrive (the FETCH of ``fetchMessages(_:)``): a
    /// message is never whole in memory, whatever its size.
    func fetchDigests(_ uids: SequenceSet) throws -> Pending<[UInt32: [UInt8]]> {
        let cursors = try uids.chunked(maxLength: Self.uidSetBytesPerCommand).map { try fetchMessages($0) }
        return Pending {
            var result: [UInt32: [UInt8]] = [:]
            for cursor in cursors {
                while let message = try cursor.next() {
                    let hasher = MessageDigest.Hasher()
                    while let chunk = try message.body.nextChunk() { hasher.update(chunk) }
                    result[message.uid] = hasher.finish()
                }
            }
            return result
        }
    }

    func fetchMessages(_ uids: SequenceSet) throws -> MessageCursor {
        let view = selected
        func start(_ set: SequenceSet) throws -> (tag: String, streamer: StreamedFetch) {
            let streamer = StreamedFetch(wanted: set)
            streamer.isPlausible = { uid in view?.admitsMessage(uid) ?? true }
            let tag = try send(.uidFetch(set, items: [.uid] + modSeqItems + [.flags, .internalDate, .body(section: .complete, peek: true)]),
                               streamer: streamer)
            return (tag, streamer)
        }
        var attempt = try start(uids)
        var retried = false
        var done = false
        return MessageCursor {
            while attempt.streamer.ready.isEmpty && !done {
                if self.isCompleted(attempt.tag) {
                    try self.wait(attempt.tag, command: "UID FETCH")
                    // A message answered without all it was asked for is not copied; asked once
                    // more, then the run stops: its UID must never be passed over.
                    let missing = attempt.streamer.missing
                    if missing.isEmpty {
                        done = true
                    } else if !retried {
                        retried = true
                        attempt = try start(missing)
                    } else {
                        throw self.failure(.protocolViolation("UID FETCH twice left out part of the message with UID \(missing.first ?? 0)"
                            + " (UID, FLAGS, INTERNALDATE and BODY[] were asked for)"))
                    }
                } else {
                    try self.readOne()
                }
            }
            guard !attempt.streamer.ready.isEmpty else { return nil }
            let message = attempt.streamer.ready.removeFirst()
            let pieces = message.pieces
            let tag = attempt.tag
            // The body's pieces are read from the connection as the copy asks for them: the
            // server's data waits in the socket meanwhile (back-pressure).
            let body = MessageBody(size: message.size) {
                while pieces.pieces.isEmpty && !pieces.ended {
                    if self.isCompleted(tag) { throw self.failure(.protocolViolation("UID FETCH completed in the middle of a message body")) }
                    try self.readOne()
                }
                return pieces.pieces.isEmpty ? nil : pieces.pieces.removeFirst()
            }
            return StoredMessage(uid: message.uid, flags: message.flags, internalDate: message.date, body: body)
        }
    }

    func existingUIDs(_ uids: SequenceSet) throws -> Pending<SequenceSet> {
        let found = Box(SequenceSet())
        guard session.capabilities.contains(.esearch) else {
            // A FETCH of UIDs alone, read as it arrives: a plain UID SEARCH answers with every
            // number on one line.
            let pendings = try fetch(uids, items: [.uid]) { uid, response, asked in
                if asked { found.value.insert(uid) }
                // One with FLAGS is also another client's change, reported as any other.
                return response.flags == nil
            }
            return Pending { for p in pendings { try p.wait() }; return found.value }
        }
        // RFC 4731 §3.1: RETURN (ALL) answers with one compact set, `1:500,502:900`.
        let pendings = try uids.chunked(maxLength: Self.uidSetBytesPerCommand).map { chunk in
            try command(.uidSearch(.and([.raw("RETURN (ALL)"), .uid(chunk)])), name: "UID SEARCH") { answer in
                guard case .untagged(.esearch(let response)) = answer else { return false }
                if let all = response.all { found.value.formUnion(all) }
                return true
            }
        }
        return Pending { for p in pendings { try p.wait() }; return found.value }
    }

    func setFlags(_ flags: [Flag], on uids: SequenceSet) throws -> Pending<Void> {
        try store(uids, StoreOperation(.replace, silent: true), flags)
    }

    func markDeleted(_ uids: SequenceSet) throws -> Pending<Void> {
        try store(uids, StoreOperation(.add, silent: true), [.deleted])
    }

    /// `UID STORE`, chunked. Reports about these UIDs that arrive before it completes are the
    /// echo of this change (RFC 7162 §3.1.3 sends them even for .SILENT), not news to propagate.
    fileprivate func store(_ uids: SequenceSet, _ operation: StoreOperation, _ flags: [Flag]) throws -> Pending<Void> {
        guard !uids.isEmpty else { return .none }
        let mailbox = selected
        mailbox?.ownStores.formUnion(uids)
        let pendings = try uids.chunked(maxLength: Self.uidSetBytesPerCommand).map {
            try command(.uidStore($0, operation: operation, flags: flags), name: "UID STORE")
        }
        return Pending {
            for p in pendings { try p.wait() }
            // Our change is complete: later reports about these UIDs are news.
            if let mailbox { mailbox.ownStores = mailbox.ownStores.subtracting(uids) }
        }
    }

    func expunge(_ uids: SequenceSet) throws -> Pending<Void> {
        guard !uids.isEmpty else { return .none }
        guard session.capabilities.contains(.uidPlus) else { return try expungeWithoutUIDPlus(uids) }
        let pendings = try uids.chunked(maxLength: Self.uidSetBytesPerCommand).map { try command(.uidExpunge($0), name: "UID EXPUNGE") }
        return Pending { for p in pendings { try p.wait() } }
    }
}

extension IMAPMailStore {
    /// EXPUNGE removes every `\Deleted` message (RFC 3501 §6.4.3), not only `uids` (RFC 4315 §1):
    /// the other messages marked so lose the flag for the time of the EXPUNGE, then get it back.
    fileprivate func expungeWithoutUIDPlus(_ uids: SequenceSet) throws -> Pending<Void> {
        let deleted = Box(SequenceSet())
        let search = try command(.uidSearch(.deleted), name: "UID SEARCH") { answer in
            guard case .untagged(.search(let response)) = answer else { return false }
            deleted.value.formUnion(SequenceSet(response.numbers))
            return true
        }
        return Pending {
            try search.wait()
            let others = deleted.value.subtracting(uids)
            // One after the other: a server may run pipelined commands at once (RFC 3501 §5.5).
            try self.store(others, StoreOperation(.remove, silent: true), [.deleted]).wait()
            try self.command(.expunge, name: "EXPUNGE").wait()
            try self.store(others, StoreOperation(.add, silent: true), [.deleted]).wait()
        }
    }
}

/// A value that closures filled in as responses arrive and a pending result hands over.
final class Box<T> {
    var value: T
    init(_ value: T) { self.value = value }
}
