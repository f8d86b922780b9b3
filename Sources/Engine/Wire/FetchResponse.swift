/// A whole FETCH response collected in memory (`ResponseParser.nextResponse()`), for small
/// messages and for tests; large bodies should be consumed as streamed events instead.
public struct FetchResponse: Sendable, Hashable {
    public var sequenceNumber: UInt32
    /// The small attributes, in the order sent.
    public var attributes: [FetchAttribute]
    /// The body items, in the order sent.
    public var bodies: [FetchedBody]

    public init(sequenceNumber: UInt32, attributes: [FetchAttribute] = [], bodies: [FetchedBody] = []) {
        self.sequenceNumber = sequenceNumber
        self.attributes = attributes
        self.bodies = bodies
    }

    public var uid: UInt32? {
        for case .uid(let v) in attributes { return v }
        return nil
    }

    public var flags: [Flag]? {
        for case .flags(let v) in attributes { return v }
        return nil
    }

    public var modSeq: UInt64? {
        for case .modSeq(let v) in attributes { return v }
        return nil
    }

    public var internalDate: InternalDate? {
        for case .internalDate(let v) in attributes { return v }
        return nil
    }

    public var rfc822Size: UInt32? {
        for case .rfc822Size(let v) in attributes { return v }
        return nil
    }

    public var envelope: Envelope? {
        for case .envelope(let v) in attributes { return v }
        return nil
    }

    /// The data of the body item for `section` (complete, not partial), if it was sent.
    public func body(_ section: BodySection = .complete) -> [UInt8]? {
        bodies.first(where: { $0.section == section && $0.origin == nil })?.bytes
    }
}
