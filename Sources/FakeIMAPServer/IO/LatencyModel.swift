import Foundation

/// A slow link, for benchmarks: every chunk the client sends reaches the server `perRoundTrip`
/// seconds after it was sent (the whole round trip is charged on the way in, so pipelined
/// commands pay it once, as on a real link), and the server's output trickles at `perByte`
/// seconds per byte (bandwidth).
public struct LatencyModel: Sendable, Equatable {
    public var perRoundTrip: TimeInterval
    public var perByte: TimeInterval

    public init(perRoundTrip: TimeInterval = 0, perByte: TimeInterval = 0) {
        self.perRoundTrip = perRoundTrip
        self.perByte = perByte
    }

    public static let none = LatencyModel()
    public var isNone: Bool { perRoundTrip <= 0 && perByte <= 0 }
}
