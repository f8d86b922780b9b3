import Foundation

/// `pullimap --status-only`: how many messages wait for delivery in a section's mailbox and
/// their total size, without delivering anything or writing the statefile.
///
/// The mailbox is opened with EXAMINE (read-only, RFC 3501 §6.3.2: nothing changes, not even
/// `\Recent`), the statefile is read without its lock (a running `--idle` holds it), and one
/// `UID FETCH UIDNEXT:4294967295 (RFC822.SIZE)` lists the waiting messages; the UIDs an
/// interrupted run delivered already (the statefile's tail) are not counted.
public struct PullStatusReport: Sendable, Equatable {
    public var messages: Int
    public var octets: Int

    public init(messages: Int, octets: Int) {
        self.messages = messages
        self.octets = octets
    }

    /// Queries the mailbox of `connection` against the statefile at `statefilePath`.
    public static func query(_ connection: PullConnection, statefilePath: String, section: String) throws -> PullStatusReport {
        _ = try connection.execute(.examine(MailboxName(connection.mailboxName)))
        let mailbox = connection.mailbox
        guard let uidValidity = mailbox.uidValidity else {
            throw PullError.noUIDValidity(section: section, mailbox: connection.mailboxName)
        }
        var fromUID: UInt32 = 1
        var stalled = SequenceSet()
        if let contents = try PullStatefile.peek(path: statefilePath), let state = contents.state {
            guard state.uidValidity == uidValidity else {
                throw PullError.uidValidityChanged(section: section, mailbox: connection.mailboxName, statefile: statefilePath,
                                                   recorded: state.uidValidity, server: uidValidity)
            }
            fromUID = max(state.uidNext, 1)
            stalled = SequenceSet(contents.stalledUIDs)
        }
        var report = PullStatusReport(messages: 0, octets: 0)
        guard mailbox.messageCount > 0 else { return report }
        var seen = SequenceSet()
        // FETCH responses arrive as streamed parts (bodies could be large): assembled first.
        var assembler = FetchAssembler()
        try connection.execute(.uidFetch(SequenceSet(ranges: [fromUID...UInt32.max]), items: [.uid, .rfc822Size])) { event in
            guard let response = assembler.feed(event), let uid = response.uid, uid >= fromUID,
                  !stalled.contains(uid), !seen.contains(uid) else { return }
            seen.insert(uid)
            report.messages += 1
            for case .rfc822Size(let size) in response.attributes { report.octets += Int(size) }
        }
        return report
    }

    /// `acct(INBOX): 3 messages waiting, 12.06K (12345 bytes)`.
    public func line(section: String, mailbox: String) -> String {
        let noun = messages == 1 ? "message" : "messages"
        return "\(section)(\(mailbox)): \(messages) \(noun) waiting, \(InterimapSynchronization.bytes(octets)) (\(octets) bytes)"
    }
}
