/// How much a server helps interimap find what changed since the last run, from most to least.
/// Chosen per server from its capabilities (``supported(by:)``), and capped by the `sync-level`
/// option of its section; the two servers of a pair may use different levels.
public enum SyncLevel: String, Sendable, CaseIterable, Comparable {
    /// IMAP4rev1 (RFC 3501) only: every run reads the UIDs and flags of each mailbox and compares
    /// the flags with those the database remembers, as mbsync does.
    case plain
    /// CONDSTORE (RFC 7162 §3.1) without QRESYNC: flag changes by `CHANGEDSINCE`, expunges by
    /// comparing the mapped UIDs with the UIDs the server still has.
    case condstore
    /// QRESYNC (RFC 7162 §3.2), the reference implementation's only mode: the server reports flag
    /// changes and expunges since the recorded HIGHESTMODSEQ.
    case qresync

    private var rank: Int {
        switch self {
        case .plain: return 0
        case .condstore: return 1
        case .qresync: return 2
        }
    }

    public static func < (a: SyncLevel, b: SyncLevel) -> Bool { a.rank < b.rank }

    /// The highest level a server's capabilities allow. QRESYNC must be turned on with ENABLE
    /// (RFC 7162 §3.2.3), so a server that offers it without ENABLE gets CONDSTORE, which a
    /// SELECT parameter turns on (RFC 7162 §3.1.8); QRESYNC implies CONDSTORE (RFC 7162 §3.2).
    /// A HIGHESTMODSEQ in a response without CONDSTORE in the list counts for nothing.
    public static func supported(by capabilities: CapabilitySet) -> SyncLevel {
        if capabilities.contains(.qresync) && capabilities.contains(.enable) { return .qresync }
        if capabilities.contains(.condStore) || capabilities.contains(.qresync) { return .condstore }
        return .plain
    }

    /// How log lines name it.
    public var displayName: String {
        switch self {
        case .plain: return "plain IMAP4rev1"
        case .condstore: return "CONDSTORE"
        case .qresync: return "QRESYNC"
        }
    }
}
