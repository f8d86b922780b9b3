/// How far a pull cycle got, reported after each message delivered, for a progress display
/// (which belongs to whoever prints it: pullimap never writes one into its log).
///
/// The `UID FETCH` streams, so the total is only known once it ended: until then `fetched…`
/// count what arrived so far and `fetchComplete` is false.
public struct PullProgress: Sendable, Equatable {
    /// The section pulled.
    public var section: String
    /// Messages delivered (or skipped with `--no-delivery`) in this cycle, and their octets.
    public var deliveredMessages: Int
    public var deliveredOctets: Int
    /// Messages and octets the `UID FETCH` returned so far.
    public var fetchedMessages: Int
    public var fetchedOctets: Int
    /// Whether the `UID FETCH` completed (the fetched counts are the totals).
    public var fetchComplete: Bool

    public init(section: String, deliveredMessages: Int = 0, deliveredOctets: Int = 0, fetchedMessages: Int = 0,
                fetchedOctets: Int = 0, fetchComplete: Bool = false) {
        self.section = section
        self.deliveredMessages = deliveredMessages
        self.deliveredOctets = deliveredOctets
        self.fetchedMessages = fetchedMessages
        self.fetchedOctets = fetchedOctets
        self.fetchComplete = fetchComplete
    }
}

/// Receives ``PullProgress`` reports, on the thread that delivers.
public typealias PullProgressObserver = (PullProgress) -> Void
