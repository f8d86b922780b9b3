import Engine

/// Where a provider profile's quirks and limits change what a session sends (see
/// `ProviderProfile` and its files for each quirk and where it was reported).
extension ServerSession {
    func has(_ quirk: ServerQuirk) -> Bool { server.configuration.quirks.contains(quirk) }

    /// The untagged `OK [HIGHESTMODSEQ n] ...` of SELECT and of expunges (RFC 7162 §3.1.2.1),
    /// or Gmail's form without text.
    func highestModSeqResponse(_ modSeq: UInt64) -> String {
        has(.highestModSeqWithoutText) ? "OK [HIGHESTMODSEQ \(modSeq)]" : "OK [HIGHESTMODSEQ \(modSeq)] Highest"
    }

    /// The UID list of a VANISHED response: a sequence set (RFC 7162 §3.2.10), or for the
    /// malformed-VANISHED quirk each UID on its own, separated by spaces.
    func vanishedUIDs(_ set: SequenceSet) -> String {
        guard has(.malformedVanished) else { return set.description }
        return set.ranges.flatMap { $0.map { "\($0)" } }.joined(separator: " ")
    }

    /// Whether this APPEND's OK carries APPENDUID (UIDPLUS, RFC 4315 §3), counting it.
    func appendUIDGiven() -> Bool {
        appendsCompleted += 1
        guard hasCapability(.uidPlus) else { return false }
        return !(has(.appendUIDSometimesMissing) && appendsCompleted % 2 == 0)
    }

    /// RFC 9738: a command processes at most MESSAGELIMIT messages. A UID command goes on with
    /// the lowest UIDs and completes `OK [LIMIT]`; one addressed by sequence numbers is refused
    /// `NO [LIMIT]` (the client cannot tell which messages were left out).
    func limitMessages(_ uids: [UInt32], byUID: Bool) throws -> [UInt32] {
        guard let limit = server.configuration.messageLimit, uids.count > limit else { return uids }
        guard byUID else {
            throw CommandFailure.no("Too many messages: at most \(limit) in one command (MESSAGELIMIT).", code: "LIMIT")
        }
        messageLimitReached = true
        return Array(uids.sorted().prefix(limit))
    }
}
