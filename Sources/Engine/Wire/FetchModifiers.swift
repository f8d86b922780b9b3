/// Modifiers of FETCH / UID FETCH (RFC 7162 §3.1.4.1 CHANGEDSINCE, §3.2.6 VANISHED).
public struct FetchModifiers: Sendable, Hashable {
    /// Only messages whose mod-sequence is greater than this.
    public var changedSince: UInt64?
    /// Also report expunged UIDs of the set as `VANISHED (EARLIER)` (UID FETCH with
    /// CHANGEDSINCE only, after ENABLE QRESYNC).
    public var vanished: Bool

    public init(changedSince: UInt64? = nil, vanished: Bool = false) {
        self.changedSince = changedSince
        self.vanished = vanished
    }

    public static let none = FetchModifiers()

    public var isEmpty: Bool { changedSince == nil && !vanished }
}
