import Engine
import Foundation

/// One message as the fake server stores it: what RFC 3501 §2.3 calls the message attributes
/// that survive a session (UID, flags and keywords, INTERNALDATE, size through the body) plus the
/// per-message mod-sequence of RFC 7162 §3.1.1.
public struct FakeMessage: Sendable, Equatable {
    public var uid: UInt32
    /// Mod-sequence of the last change to this message's metadata (RFC 7162 §3.1.1).
    public var modSeq: UInt64
    /// Flags and keywords; never `\Recent`, which belongs to a session (RFC 3501 §2.3.2).
    public var flags: Set<Flag>
    public var internalDate: Date
    /// Zone given with INTERNALDATE at APPEND, in seconds east of UTC. Kept for SEARCH's
    /// calendar-day comparisons; FETCH reports INTERNALDATE in UTC, as dovecot's maildir does.
    public var timeZoneOffset: Int
    /// The RFC 5322 message, byte for byte.
    public var body: [UInt8]

    public init(uid: UInt32, modSeq: UInt64, flags: Set<Flag>, internalDate: Date, timeZoneOffset: Int = 0, body: [UInt8]) {
        self.uid = uid
        self.modSeq = modSeq
        self.flags = flags
        self.internalDate = internalDate
        self.timeZoneOffset = timeZoneOffset
        self.body = body
    }
}

/// A UID removed from a mailbox, with the mod-sequence of the removal, so that
/// `VANISHED (EARLIER)` (RFC 7162 §3.2.5.1, §3.2.6) reports exactly the expunges a client missed.
public struct ExpungedUID: Sendable, Equatable {
    public var uid: UInt32
    public var modSeq: UInt64
    public init(uid: UInt32, modSeq: UInt64) { self.uid = uid; self.modSeq = modSeq }
}
