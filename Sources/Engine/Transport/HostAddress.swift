#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `host` option of a connection: a name to resolve, or an IP literal.
///
/// interimap(1): "The value can optionally be enclosed in square brackets to force its
/// interpretation as an IP literal (hence skip name resolution)". An unbracketed address such as
/// `192.0.2.1` is an IP literal too (it matters for SNI and certificate matching, which treat
/// IP literals differently from names).
public struct HostAddress: Equatable, Sendable, CustomStringConvertible {
    /// A parsed IP address in network byte order.
    public enum IP: Equatable, Sendable {
        /// 4 bytes.
        case v4([UInt8])
        /// 16 bytes.
        case v6([UInt8])
    }

    /// The host without brackets: what name resolution, SNI and certificate checks see.
    public let name: String
    /// Set when `name` is an IPv4 or IPv6 literal.
    public let ip: IP?
    /// Whether the value was written in square brackets (no name resolution at all).
    public let bracketed: Bool

    /// Parses the `host` option. Throws when a bracketed value is not an IP literal.
    public init(parsing host: String) throws {
        if host.hasPrefix("[") && host.hasSuffix("]") && host.count >= 2 {
            let inner = String(host.dropFirst().dropLast())
            guard let ip = HostAddress.parseIP(inner) else {
                throw TransportError.configuration("host '\(host)': not an IPv4 or IPv6 literal")
            }
            self.name = inner
            self.ip = ip
            self.bracketed = true
        } else {
            guard !host.isEmpty else { throw TransportError.configuration("host: empty value") }
            self.name = host
            self.ip = HostAddress.parseIP(host)
            self.bracketed = false
        }
    }

    /// True for IP literals (bracketed or not).
    public var isIPLiteral: Bool { ip != nil }

    /// `name` in the form that goes before `:port` in messages ("[::1]" for IPv6).
    public var description: String {
        if case .v6 = ip { return "[\(name)]" }
        return name
    }

    /// Why a `HOST[:PORT]` value could not be split.
    public enum SplitError: Error, Equatable, Sendable {
        /// `[` with no `]`.
        case unterminatedBracket
        /// Something other than `:PORT` after the `]`.
        case textAfterBracket
    }

    /// Splits `HOST[:PORT]` where HOST is a name, a bare IPv4 address, or an IP literal in square
    /// brackets (`[2001:db8::1]:993`): the one splitter of every such value (the `proxy` option,
    /// `deliver-method`, the fake servers' listen addresses). The host keeps its brackets, for
    /// `init(parsing:)`; an unbracketed host is cut at the last colon, so a bare IPv6 address
    /// comes back as a host with colons in it, which each caller rejects in its own words.
    public static func split(_ text: Substring) -> Result<(host: Substring, port: Substring?), SplitError> {
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return .failure(.unterminatedBracket) }
            let after = text[text.index(after: close)...]
            if after.isEmpty { return .success((text[...close], nil)) }
            guard after.hasPrefix(":") else { return .failure(.textAfterBracket) }
            return .success((text[...close], after.dropFirst()))
        }
        guard let colon = text.lastIndex(of: ":") else { return .success((text, nil)) }
        return .success((text[..<colon], text[text.index(after: colon)...]))
    }

    /// inet_pton for both families; nil when `text` is not an address literal.
    static func parseIP(_ text: String) -> IP? {
        var v4 = [UInt8](repeating: 0, count: 4)
        if inet_pton(AF_INET, text, &v4) == 1 { return .v4(v4) }
        var v6 = [UInt8](repeating: 0, count: 16)
        if inet_pton(AF_INET6, text, &v6) == 1 { return .v6(v6) }
        return nil
    }
}
