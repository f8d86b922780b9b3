import Foundation

/// The `deliver-method` option of pullimap(1): "`PROTOCOL:[ADDRESS]:PORT` where to deliver
/// messages. Both SMTP and LMTP servers are supported" (default `smtp:[127.0.0.1]:25`).
///
/// The reference implementation accepts only an IP address in brackets and a numeric port; so do
/// we, and in addition a host name without brackets (`lmtp:mail.example:24`), which is resolved
/// at delivery time. Unix socket paths are refused by the reference and here.
public struct DeliveryMethod: Equatable, Sendable, CustomStringConvertible {
    /// SMTP (RFC 5321) or LMTP (RFC 2033).
    public enum TransferProtocol: String, CaseIterable, Equatable, Sendable {
        case smtp
        case lmtp
    }

    /// Where the SMTP/LMTP server is.
    public enum Address: Equatable, Sendable {
        /// An IPv4 or IPv6 address (written in brackets).
        case ipLiteral(String)
        /// A host name to resolve.
        case hostname(String)

        /// The address or name without brackets.
        public var host: String {
            switch self {
            case .ipLiteral(let address), .hostname(let address): return address
            }
        }
    }

    public var transferProtocol: TransferProtocol
    public var address: Address
    public var port: Int

    public init(transferProtocol: TransferProtocol, address: Address, port: Int) {
        self.transferProtocol = transferProtocol
        self.address = address
        self.port = port
    }

    /// The default, `smtp:[127.0.0.1]:25`.
    public static let `default` = DeliveryMethod(transferProtocol: .smtp, address: .ipLiteral("127.0.0.1"), port: 25)

    /// Parses `PROTOCOL:[ADDRESS]:PORT` (or `PROTOCOL:HOSTNAME:PORT`); returns a reason when malformed.
    public init(parsing text: String) throws(DeliveryMethodError) {
        let expected = "(expected smtp:[ADDRESS]:PORT or lmtp:[ADDRESS]:PORT)"
        guard let colon = text.firstIndex(of: ":"),
              let transferProtocol = TransferProtocol(rawValue: String(text[..<colon])) else {
            throw DeliveryMethodError(reason: "unknown protocol in \(quoted(text)) \(expected)")
        }
        let rest = text[text.index(after: colon)...]
        let hostPart: Substring
        let portPart: Substring
        switch HostAddress.split(rest) {
        case .success(let parts):
            guard let port = parts.port else {
                throw DeliveryMethodError(reason: "missing port in \(quoted(text)) \(expected)")
            }
            (hostPart, portPart) = (parts.host, port)
        case .failure(.textAfterBracket):
            throw DeliveryMethodError(reason: "missing port in \(quoted(text)) \(expected)")
        case .failure(.unterminatedBracket):
            throw DeliveryMethodError(reason: "bad address \(quoted(String(rest))) in \(quoted(text)) \(expected)")
        }
        guard let port = ConnectionOptionParser.parsePort(String(portPart)) else {
            throw DeliveryMethodError(reason: "bad port \(quoted(String(portPart))) in \(quoted(text)) (expected a number from 1 to 65535)")
        }
        let address: Address
        if hostPart.hasPrefix("[") {
            guard let literal = try? HostAddress(parsing: String(hostPart)), literal.bracketed else {
                throw DeliveryMethodError(reason: "\(quoted(String(hostPart.dropFirst().dropLast()))) in \(quoted(text)) is not an IPv4 or IPv6 address")
            }
            address = .ipLiteral(literal.name)
        } else if IPAddressSyntax.isHostname(String(hostPart)), !hostPart.contains(":") {
            address = IPAddressSyntax.isIPAddress(String(hostPart)) ? .ipLiteral(String(hostPart)) : .hostname(String(hostPart))
        } else {
            throw DeliveryMethodError(reason: "bad address \(quoted(String(hostPart))) in \(quoted(text)) \(expected)")
        }
        self.init(transferProtocol: transferProtocol, address: address, port: port)
    }

    public var description: String {
        switch address {
        case .ipLiteral(let ip): return "\(transferProtocol.rawValue):[\(ip)]:\(port)"
        case .hostname(let name): return "\(transferProtocol.rawValue):\(name):\(port)"
        }
    }
}

/// A malformed `deliver-method` value.
public struct DeliveryMethodError: Error, Equatable, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}

/// Syntax checks for host names and IP address literals.
enum IPAddressSyntax {
    /// Whether `text` is a numeric IPv4 or IPv6 address (the transport's parser).
    static func isIPAddress(_ text: String) -> Bool { HostAddress.parseIP(text) != nil }

    /// Whether `text` looks like a host name or a bare address: ASCII letters, digits, `.`, `-`,
    /// `_` and `:` (bare IPv6), non-empty.
    static func isHostname(_ text: String) -> Bool {
        !text.isEmpty && text.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
                || ("0"..."9").contains(scalar) || ".-_:".unicodeScalars.contains(scalar))
        }
    }
}
