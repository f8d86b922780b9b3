/// A protocol version for `SSL_protocol_min`, `SSL_protocol_max` and `SSL_protocols`, spelled
/// as OpenSSL and the man page spell it.
public enum TLSProtocolVersion: String, CaseIterable, Comparable, Equatable, Sendable {
    case sslv2 = "SSLv2"
    case sslv3 = "SSLv3"
    case tlsv1 = "TLSv1"
    case tlsv1_1 = "TLSv1.1"
    case tlsv1_2 = "TLSv1.2"
    case tlsv1_3 = "TLSv1.3"

    /// The versions accepted by `SSL_protocol_min`/`SSL_protocol_max` (SSLv2 has no OpenSSL
    /// version constant any more).
    public static let boundable: [TLSProtocolVersion] = [.sslv3, .tlsv1, .tlsv1_1, .tlsv1_2, .tlsv1_3]

    public static func < (lhs: TLSProtocolVersion, rhs: TLSProtocolVersion) -> Bool {
        allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
    }
}

/// One item of the deprecated `SSL_protocols` list: a version to enable, or (written with a
/// leading `!`) to disable.
public struct TLSProtocolToggle: Equatable, Sendable {
    public var version: TLSProtocolVersion
    public var enabled: Bool

    public init(version: TLSProtocolVersion, enabled: Bool) {
        self.version = version
        self.enabled = enabled
    }
}
