/// The `proxy` option: `PROTOCOL://[USER:PASSWORD@]PROXYHOST[:PROXYPORT]` (interimap(1)), where
/// PROTOCOL is `socks5` (the target host name is resolved locally and an address is sent to
/// the proxy) or `socks5h` (the name is sent to the proxy, which resolves it). Only SOCKS
/// version 5 exists here (RFC 1928), with optional username/password authentication (RFC 1929).
public struct SOCKS5Proxy: Equatable, Sendable, CustomStringConvertible {
    /// The proxy's host as `SocketStream.connect` takes it (IPv6 literals in brackets).
    public var host: String
    /// Default 1080.
    public var port: UInt16
    /// RFC 1929 credentials, percent-decoded; nil for no authentication.
    public var username: String?
    public var password: String?
    /// `socks5h`: the proxy resolves the target host name.
    public var resolvesTargetRemotely: Bool

    /// The IANA port of SOCKS.
    public static let defaultPort: UInt16 = 1080

    public init(host: String, port: UInt16 = SOCKS5Proxy.defaultPort, username: String? = nil,
                password: String? = nil, resolvesTargetRemotely: Bool = true) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.resolvesTargetRemotely = resolvesTargetRemotely
    }

    /// Parses the `proxy` option. Errors name the value and what is wrong with it.
    public init(url: String) throws {
        func invalid(_ why: String) -> TransportError {
            .configuration("proxy '\(SOCKS5Proxy.redacted(url))': \(why)")
        }
        guard let schemeEnd = url.range(of: "://") else {
            throw invalid("expected socks5://[USER:PASSWORD@]HOST[:PORT] or socks5h://...")
        }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        switch scheme {
        case "socks5": resolvesTargetRemotely = false
        case "socks5h": resolvesTargetRemotely = true
        default: throw invalid("unsupported protocol '\(scheme)' (only socks5 and socks5h)")
        }
        var rest = Substring(url[schemeEnd.upperBound...])
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.contains("/") else { throw invalid("unexpected path") }

        if let at = rest.lastIndex(of: "@") {
            let userinfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            guard let colon = userinfo.firstIndex(of: ":") else {
                throw invalid("credentials must be USER:PASSWORD")
            }
            guard let user = SOCKS5Proxy.percentDecode(userinfo[..<colon]),
                  let pass = SOCKS5Proxy.percentDecode(userinfo[userinfo.index(after: colon)...]) else {
                throw invalid("bad percent-encoding in the credentials")
            }
            // RFC 1929 §2: ULEN and PLEN are one octet each.
            guard user.utf8.count <= 255, pass.utf8.count <= 255 else {
                throw invalid("user name and password are limited to 255 bytes each")
            }
            username = user
            password = pass
        } else {
            username = nil
            password = nil
        }

        let hostPart: Substring
        let portPart: Substring?
        switch HostAddress.split(rest) {
        case .failure(.unterminatedBracket): throw invalid("unterminated '[' in host")
        case .failure(.textAfterBracket): throw invalid("unexpected text after ']'")
        case .success(let parts): (hostPart, portPart) = parts
        }
        if hostPart.hasPrefix("[") {
            guard (try? HostAddress(parsing: String(hostPart)))?.bracketed == true else {
                throw invalid("'\(hostPart)' is not an IP literal")
            }
        } else if hostPart.contains(":") {
            throw invalid("IPv6 addresses must be written in brackets")
        }
        guard !hostPart.isEmpty else { throw invalid("missing host") }
        host = String(hostPart)
        if let portPart {
            guard let value = UInt16(portPart), value > 0 else { throw invalid("bad port '\(portPart)'") }
            port = value
        } else {
            port = SOCKS5Proxy.defaultPort
        }
    }

    /// The URL without the password (for logs).
    public var description: String {
        let scheme = resolvesTargetRemotely ? "socks5h" : "socks5"
        let user = username.map { "\($0):***@" } ?? ""
        return "\(scheme)://\(user)\(host):\(port)"
    }

    /// Connects to the proxy, then through it to `targetHost`:`targetPort` (the connection's
    /// host option: a name, a bare IP or a bracketed IP literal). The returned stream carries
    /// the connection to the target; `keepAlive` applies to the socket to the proxy.
    public func connect(to targetHost: String, port targetPort: UInt16, keepAlive: Bool = false,
                        timeout: Double? = nil) throws -> SocketStream {
        let target = try HostAddress(parsing: targetHost)
        var destinations: [SOCKS5Handshake.Destination]
        if let ip = target.ip {
            destinations = [.ip(ip)]
        } else if resolvesTargetRemotely {
            guard target.name.utf8.count <= 255 else {
                throw TransportError.socks("host name '\(target.name)' is longer than 255 bytes")
            }
            destinations = [.domain(target.name)]
        } else {
            destinations = try SocketStream.resolve(target, port: targetPort).compactMap {
                SOCKS5Handshake.Destination(family: $0.family, sockaddr: $0.address)
            }
            guard !destinations.isEmpty else {
                throw TransportError.resolve(host: target.name, message: "no IPv4 or IPv6 address")
            }
        }
        var lastError: Error = TransportError.socks("no destination")
        for destination in destinations {
            let stream = try SocketStream.connect(host: host, port: port, keepAlive: keepAlive, timeout: timeout)
            do {
                try SOCKS5Handshake(proxy: self, destination: destination, port: targetPort,
                                    targetDescription: "\(target):\(targetPort)").run(over: stream)
                return stream
            } catch let error as TransportError {
                stream.close()
                lastError = error
                // Another address of a locally resolved name may work where this one did not.
                guard case .socks = error else { throw error }
            }
        }
        throw lastError
    }

    /// RFC 3986 percent-decoding; nil on a malformed escape or invalid UTF-8.
    static func percentDecode(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let hi = iterator.next(), let lo = iterator.next(),
                      let value = SPKIFingerprint.decodeHex(String(decoding: [hi, lo], as: UTF8.self)) else { return nil }
                bytes.append(contentsOf: value)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// The URL with its password masked, for error messages.
    static func redacted(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://"), let at = url.lastIndex(of: "@"), at > schemeEnd.upperBound else {
            return url
        }
        let userinfo = url[schemeEnd.upperBound..<at]
        guard let colon = userinfo.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + String(url[at...])
    }
}
