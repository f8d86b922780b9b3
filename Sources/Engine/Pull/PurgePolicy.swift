import Foundation

/// `purge-after` (pullimap(1)): remove messages from the server once they are delivered.
///
/// - `0`: right after each cycle, every message below the statefile's UIDNEXT (all of them were
///   delivered) gets `\Deleted` and is expunged.
/// - `N` days: `UID SEARCH UID 1:UIDNEXT-1 BEFORE <N days ago>` lists the delivered messages whose
///   INTERNALDATE is older (RFC 3501 §6.4.4: BEFORE compares the date only, ignoring time and
///   zone, hence "at best 24h accurate"), which are then deleted; with `--idle` this is repeated
///   every 12 hours.
///
/// Only UIDs below UIDNEXT are ever candidates, so a message that was not delivered yet is never
/// purged. The expunge is `UID EXPUNGE` (RFC 4315 §2.1) so that messages another client flagged
/// `\Deleted` stay; a server without UIDPLUS gets a plain EXPUNGE.
public struct PurgePolicy: Sendable, Equatable {
    /// `purge-after` in days; nil: never purge.
    public var days: Int?
    /// How often a `purge-after = N` search is repeated while idling.
    public static let searchInterval: TimeInterval = 12 * 3600

    public init(days: Int?) { self.days = days }

    /// Whether a purge is due now, the last one having run at `lastPurge` (nil: never).
    public func isDue(lastPurge: Date?, now: Date) -> Bool {
        guard let days else { return false }
        if days == 0 { return true }
        guard let lastPurge else { return true }
        return now.timeIntervalSince(lastPurge) >= Self.searchInterval
    }

    /// The time until the next purge is due (nil: no purge to schedule).
    public func delay(lastPurge: Date?, now: Date) -> TimeInterval? {
        guard let days, days > 0 else { return nil }
        guard let lastPurge else { return 0 }
        return max(0, Self.searchInterval - now.timeIntervalSince(lastPurge))
    }

    /// The SEARCH date `days` days before `now`, in the local calendar.
    public static func cutoff(days: Int, now: Date, timeZone: TimeZone = .current) -> SearchDate {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let then = calendar.date(byAdding: .day, value: -days, to: now) ?? now
        return SearchDate(date: then, timeZone: timeZone)
    }

    /// Purges on `connection` the delivered messages (UIDs below `uidNext`) this policy says to
    /// remove; returns the UIDs removed.
    @discardableResult
    public func purge(_ connection: PullConnection, uidNext: UInt32, now: Date, log: PullLog) throws -> SequenceSet {
        guard let days, uidNext > 1 else { return SequenceSet() }
        // Nothing to remove from an empty mailbox: spare the round trips on every idle wake-up.
        guard connection.mailbox.messageCount > 0 else { return SequenceSet() }
        let delivered = SequenceSet(ranges: [1...(uidNext - 1)])
        let doomed: SequenceSet
        if days == 0 {
            doomed = delivered
        } else {
            var found = SequenceSet()
            try connection.execute(.uidSearch(.and([.uid(delivered), .before(Self.cutoff(days: days, now: now))]))) { event in
                if case .untagged(.search(let response)) = event { found.formUnion(SequenceSet(response.numbers)) }
                if case .untagged(.esearch(let response)) = event, let all = response.all { found.formUnion(all) }
            }
            doomed = found.intersection(delivered)
        }
        guard !doomed.isEmpty else { return doomed }
        let chunks = doomed.chunked(maxLength: PullConnection.uidSetBytesPerCommand)
        let uidPlus = connection.session.capabilities.contains(.uidPlus)
        // The STOREs are pipelined; the expunge waits for them, as a server may run pipelined
        // commands concurrently (RFC 3501 §5.5) and the expunge depends on the `\Deleted` flags.
        var tags: [String] = []
        for set in chunks {
            tags.append(try connection.send(.uidStore(set, operation: StoreOperation(.add, silent: true), flags: [.deleted])))
        }
        for tag in tags { try connection.wait(tag, command: "UID STORE") }
        tags = []
        if uidPlus {
            for set in chunks { tags.append(try connection.send(.uidExpunge(set))) }
        } else {
            tags.append(try connection.send(.expunge))
        }
        for tag in tags { try connection.wait(tag, command: uidPlus ? "UID EXPUNGE" : "EXPUNGE") }
        log.info("Removing \(doomed.count) UID(s) \(doomed)")
        return doomed
    }
}
