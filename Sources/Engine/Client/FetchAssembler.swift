/// Puts the streamed events of FETCH responses back together, one message at a time: small
/// attributes as they come, and the body (if any) appended chunk by chunk, so the largest thing in
/// memory is one message, never a mailbox.
public struct FetchAssembler: Sendable {
    private var current: FetchResponse?
    private var body: [UInt8] = []
    private var bodySection: BodySection?
    private var bodyOrigin: UInt32?

    public init() {}

    /// Feeds one event; returns the FETCH response it completes, if any. Events that are not
    /// part of a FETCH return nil and are left to the caller.
    public mutating func feed(_ event: ResponseEvent) -> FetchResponse? {
        switch event {
        case .fetchStart(let n):
            current = FetchResponse(sequenceNumber: n)
        case .fetchAttribute(let attribute):
            current?.attributes.append(attribute)
        case .fetchBodyStart(let section, let origin, let size):
            // The origin is kept: a partial `BODY[]<0>` must not pass for the complete body.
            bodySection = section
            bodyOrigin = origin
            body.removeAll(keepingCapacity: true)
            body.reserveCapacity(size)
        case .fetchBodyChunk(let bytes):
            body.append(contentsOf: bytes)
        case .fetchBodyEnd:
            if let section = bodySection { current?.bodies.append(FetchedBody(section: section, origin: bodyOrigin, bytes: body)) }
            bodySection = nil
            bodyOrigin = nil
            body = []
        case .fetchEnd:
            defer { current = nil }
            return current
        default:
            break
        }
        return nil
    }

    /// Whether `event` belongs to a FETCH response.
    public static func isFetchEvent(_ event: ResponseEvent) -> Bool {
        switch event {
        case .fetchStart, .fetchAttribute, .fetchBodyStart, .fetchBodyChunk, .fetchBodyEnd, .fetchEnd: return true
        default: return false
        }
    }
}
