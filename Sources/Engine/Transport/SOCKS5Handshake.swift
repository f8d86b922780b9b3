#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One SOCKS5 CONNECT negotiation (RFC 1928) with optional username/password authentication
/// (RFC 1929), over a stream already connected to the proxy.
struct SOCKS5Handshake {
    /// DST.ADDR of the CONNECT request (RFC 1928 §4-5).
    enum Destination: Equatable {
        case ip(HostAddress.IP)
        case domain(String)

        /// From a resolved address: the bytes of a sockaddr_in or sockaddr_in6.
        init?(family: Int32, sockaddr: [UInt8]) {
            // sin_addr follows sin_family and sin_port; sin6_addr follows sin6_flowinfo.
            if family == AF_INET && sockaddr.count >= 8 {
                self = .ip(.v4(Array(sockaddr[4..<8])))
            } else if family == AF_INET6 && sockaddr.count >= 24 {
                self = .ip(.v6(Array(sockaddr[8..<24])))
            } else {
                return nil
            }
        }
    }

    let proxy: SOCKS5Proxy
    let destination: Destination
    let port: UInt16
    /// "host:port" of the target, for messages.
    let targetDescription: String

    private var via: String { "\(proxy.host):\(proxy.port)" }

    func run(over stream: ByteStream) throws {
        let reader = ExactReader(stream: stream, context: via)
        // RFC 1928 §3: version identifier/method selection.
        let methods: [UInt8] = proxy.username != nil ? [0x00, 0x02] : [0x00]
        try stream.write([0x05, UInt8(methods.count)] + methods)
        let choice = try reader.read(2)
        guard choice[0] == 0x05 else { throw fail("the proxy does not speak SOCKS version 5") }
        switch choice[1] {
        case 0x00:
            break
        case 0x02:
            guard let username = proxy.username, let password = proxy.password else {
                throw fail("the proxy asks for username/password authentication (RFC 1929) and none is configured")
            }
            try authenticate(username: username, password: password, over: stream, reader: reader)
        case 0xFF:
            throw fail(proxy.username == nil
                ? "the proxy requires authentication (no acceptable method)"
                : "the proxy accepts none of the offered authentication methods")
        default:
            throw fail("the proxy chose an authentication method that was not offered (\(choice[1]))")
        }

        // RFC 1928 §4: CONNECT request.
        var request: [UInt8] = [0x05, 0x01, 0x00]
        switch destination {
        case .ip(.v4(let bytes)): request += [0x01] + bytes
        case .ip(.v6(let bytes)): request += [0x04] + bytes
        case .domain(let name): request += [0x03, UInt8(name.utf8.count)] + Array(name.utf8)
        }
        request += [UInt8(port >> 8), UInt8(port & 0xff)]
        try stream.write(request)

        // RFC 1928 §6: reply.
        let reply = try reader.read(4)
        guard reply[0] == 0x05 else { throw fail("malformed reply (version \(reply[0]))") }
        guard reply[1] == 0x00 else {
            throw fail("cannot connect to \(targetDescription): \(SOCKS5Handshake.describeReply(reply[1]))")
        }
        switch reply[3] {
        case 0x01: _ = try reader.read(4 + 2)
        case 0x04: _ = try reader.read(16 + 2)
        case 0x03:
            let length = try reader.read(1)[0]
            _ = try reader.read(Int(length) + 2)
        default:
            throw fail("malformed reply (address type \(reply[3]))")
        }
    }

    /// RFC 1929 §2.
    private func authenticate(username: String, password: String, over stream: ByteStream, reader: ExactReader) throws {
        let user = Array(username.utf8), pass = Array(password.utf8)
        try stream.write([0x01, UInt8(user.count)] + user + [UInt8(pass.count)] + pass)
        let status = try reader.read(2)
        guard status[1] == 0x00 else {
            throw fail("username/password authentication failed for user '\(username)'")
        }
    }

    private func fail(_ message: String) -> TransportError {
        .socks("\(via): \(message)")
    }

    /// RFC 1928 §6 REP values.
    static func describeReply(_ code: UInt8) -> String {
        switch code {
        case 0x01: return "general SOCKS server failure"
        case 0x02: return "connection not allowed by ruleset"
        case 0x03: return "network unreachable"
        case 0x04: return "host unreachable"
        case 0x05: return "connection refused by destination host"
        case 0x06: return "TTL expired"
        case 0x07: return "command not supported"
        case 0x08: return "address type not supported"
        default: return "unknown reply code \(code)"
        }
    }
}

/// Reads exactly n bytes from a stream (proxy replies have fixed layouts).
struct ExactReader {
    let stream: ByteStream
    let context: String

    func read(_ count: Int) throws -> [UInt8] {
        var out: [UInt8] = []
        while out.count < count {
            let chunk = try stream.read(maxLength: count - out.count)
            if chunk.isEmpty { throw TransportError.socks("\(context): connection closed by the proxy") }
            out += chunk
        }
        return out
    }
}
