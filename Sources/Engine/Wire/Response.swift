/// One complete server response, as returned by `ResponseParser.nextResponse()`.
public enum Response: Sendable, Hashable {
    case tagged(TaggedResponse)
    case untagged(UntaggedResponse)
    case continuation(ContinuationRequest)
}
