import COpenSSL

/// How OpenSSL names the protocol versions of `SSL_protocol_min`, `SSL_protocol_max` and
/// `SSL_protocols` (interimap(1)); the type itself is the configuration's.
extension TLSProtocolVersion {

    /// Parses a version name; `option` names the setting in the error for an unknown value.
    public init(parsing text: String, option: String = "SSL_protocol_min") throws {
        guard let version = TLSProtocolVersion.boundable.first(where: {
            $0.rawValue.caseInsensitiveCompare(text) == .orderedSame
        }) else {
            let known = TLSProtocolVersion.boundable.map(\.rawValue).joined(separator: ", ")
            throw TransportError.configuration("\(option): unknown protocol version '\(text)' (known: \(known))")
        }
        self = version
    }

    /// OpenSSL's version number (SSL3_VERSION, TLS1_VERSION, ...).
    var openSSLVersion: Int32 {
        switch self {
        case .sslv2, .sslv3: return SSL3_VERSION
        case .tlsv1: return TLS1_VERSION
        case .tlsv1_1: return TLS1_1_VERSION
        case .tlsv1_2: return TLS1_2_VERSION
        case .tlsv1_3: return TLS1_3_VERSION
        }
    }

    /// OpenSSL's SSL_OP_NO_* option that disables this version.
    var openSSLDisableOption: UInt64 {
        switch self {
        case .sslv2: return 0  // no longer implemented by OpenSSL: nothing to disable
        case .sslv3: return interimap_SSL_OP_NO_SSLv3()
        case .tlsv1: return interimap_SSL_OP_NO_TLSv1()
        case .tlsv1_1: return interimap_SSL_OP_NO_TLSv1_1()
        case .tlsv1_2: return interimap_SSL_OP_NO_TLSv1_2()
        case .tlsv1_3: return interimap_SSL_OP_NO_TLSv1_3()
        }
    }

}

/// The deprecated `SSL_protocols` option: a space-separated list of versions to enable, or to
/// disable when prefixed with `!`. "Enabling a protocol is a short-hand for disabling all other
/// protocols" (interimap(1)): when any version is named without `!`, only the named ones stay
/// enabled; the `!` entries are then removed from that set.
public struct TLSProtocolSelection: Equatable, Sendable {
    /// The versions OpenSSL must not negotiate (SSL_OP_NO_*).
    public let disabled: Set<TLSProtocolVersion>

    /// The selection the configuration's `SSL_protocols` toggles describe.
    public init(toggles: [TLSProtocolToggle]) {
        var enabled: Set<TLSProtocolVersion> = []
        var removed: Set<TLSProtocolVersion> = []
        var namedSSLv2 = false
        for toggle in toggles {
            if toggle.version == .sslv2 { if toggle.enabled { namedSSLv2 = true }; continue }
            if toggle.enabled { enabled.insert(toggle.version) } else { removed.insert(toggle.version) }
        }
        let all = Set(TLSProtocolVersion.boundable)
        disabled = all.subtracting((enabled.isEmpty && !namedSSLv2 ? all : enabled).subtracting(removed))
    }

    /// Parses e.g. `!SSLv2 !SSLv3` or `TLSv1.2 TLSv1.3`. SSLv2 is accepted as a name (OpenSSL
    /// no longer implements it, so there is nothing to disable).
    public init(parsing value: String) throws {
        var enabled: Set<TLSProtocolVersion> = []
        var removed: Set<TLSProtocolVersion> = []
        var namedSSLv2 = false
        for token in value.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
            let negated = token.hasPrefix("!")
            let name = String(negated ? token.dropFirst() : token[...])
            if name.caseInsensitiveCompare("SSLv2") == .orderedSame {
                if !negated { namedSSLv2 = true }
                continue
            }
            let version = try TLSProtocolVersion(parsing: name, option: "SSL_protocols")
            if negated { removed.insert(version) } else { enabled.insert(version) }
        }
        let all = Set(TLSProtocolVersion.boundable)
        let kept = (enabled.isEmpty && !namedSSLv2 ? all : enabled).subtracting(removed)
        disabled = all.subtracting(kept)
    }
}
