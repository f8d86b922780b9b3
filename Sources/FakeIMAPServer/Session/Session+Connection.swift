import Engine
import Foundation

/// Connection-level commands: CAPABILITY, LOGOUT, ID, LOGIN, AUTHENTICATE (RFC 3501 §6.1–6.2,
/// RFC 4959 SASL-IR), ENABLE (RFC 5161), NAMESPACE (RFC 2342), COMPRESS (RFC 4978).
extension IMAPSession {
    func capability() throws -> Completion {
        try sendUntagged("CAPABILITY " + currentCapabilities.joined(separator: " "))
        return Completion("Capability completed.")
    }

    func logout() throws -> Completion {
        try sendLine("* BYE Logging out")
        state = .logout
        return Completion("Logout completed.")
    }

    func id(_ args: inout Arguments) throws -> Completion {
        _ = try args.next()
        try sendUntagged("ID (\"name\" \"fake-imapd\")")
        return Completion("ID completed.")
    }

    private func authenticated(as name: String) -> Completion {
        state = .authenticated
        user = name
        return Completion("Logged in", code: "CAPABILITY " + capabilities.joined(separator: " "))
    }

    private func checkCredentials(_ name: String, _ password: String) throws -> Completion {
        guard case let .credentials(u, p) = server.configuration.authentication, u == name, p == password else {
            throw CommandFailure.no("Authentication failed.", code: "AUTHENTICATIONFAILED")
        }
        return authenticated(as: name)
    }

    func login(_ args: inout Arguments) throws -> Completion {
        let name = try args.astring()
        let password = try args.astring()
        try args.end()
        return try checkCredentials(name, password)
    }

    /// Reads one SASL response line after a `+` challenge; `*` aborts (RFC 3501 §6.2.2).
    private func saslResponse(challenge: String) throws -> [UInt8] {
        try sendLine("+ " + challenge)
        try output.flush()
        guard let line = try input.readLine(maxLength: 64 * 1024) else { throw SessionEnd.finished }
        if line == [UInt8(ascii: "*")] { throw CommandFailure.bad("Authentication aborted by client.") }
        return try decodeBase64(line)
    }

    private func decodeBase64(_ bytes: [UInt8]) throws -> [UInt8] {
        if bytes == [UInt8(ascii: "=")] { return [] }  // RFC 4959: empty initial response
        guard let data = Data(base64Encoded: Data(bytes)) else { throw CommandFailure.bad("Invalid base64 data in continued response") }
        return [UInt8](data)
    }

    func authenticate(_ args: inout Arguments) throws -> Completion {
        let mechanism = try args.atom().uppercased()
        var initial: [UInt8]?
        if !args.isEmpty {
            guard hasCapability("SASL-IR") else { throw args.bad("Extra arguments.") }
            initial = try decodeBase64(Array(try args.astring().utf8))
        }
        try args.end()
        guard server.configuration.authMechanisms.map({ $0.uppercased() }).contains(mechanism) else {
            throw CommandFailure.no("Unsupported authentication mechanism.")
        }
        switch mechanism {
        case "PLAIN":
            // RFC 4616: authzid NUL authcid NUL passwd.
            let message = try initial ?? saslResponse(challenge: "")
            let parts = message.split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { throw CommandFailure.no("Authentication failed.", code: "AUTHENTICATIONFAILED") }
            let authz = String(decoding: parts[0], as: UTF8.self), authc = String(decoding: parts[1], as: UTF8.self)
            if !authz.isEmpty && authz != authc { throw CommandFailure.no("Authentication failed.", code: "AUTHENTICATIONFAILED") }
            return try checkCredentials(authc, String(decoding: parts[2], as: UTF8.self))
        case "LOGIN":
            let name = try initial ?? saslResponse(challenge: Data("Username:".utf8).base64EncodedString())
            let password = try saslResponse(challenge: Data("Password:".utf8).base64EncodedString())
            return try checkCredentials(String(decoding: name, as: UTF8.self), String(decoding: password, as: UTF8.self))
        default:
            throw CommandFailure.no("Unsupported authentication mechanism.")
        }
    }

    /// RFC 5161; QRESYNC implies CONDSTORE (RFC 7162 §3.2.3). Unknown extensions are ignored.
    func enable(_ args: inout Arguments) throws -> Completion {
        if args.isEmpty { throw args.bad("Missing arguments") }
        var newly: [String] = []
        while !args.isEmpty {
            let ext = try args.atom().uppercased()
            switch ext {
            case "CONDSTORE" where hasCapability("CONDSTORE"):
                if !condStoreEnabled { condStoreEnabled = true; newly.append("CONDSTORE") }
            case "QRESYNC" where hasCapability("QRESYNC"):
                if !qresyncEnabled { qresyncEnabled = true; condStoreEnabled = true; newly.append("QRESYNC") }
            default: break
            }
        }
        try sendUntagged("ENABLED" + newly.map { " " + $0 }.joined())
        return Completion("Enabled.")
    }

    func namespace() throws -> Completion {
        var b = ResponseBuilder("* NAMESPACE ((\"\" ")
        b.string(String(store.delimiter))
        b.text(")) NIL NIL\r\n")
        try sendUntaggedBytes(b.bytes)
        return Completion("Namespace completed.")
    }

    /// RFC 4978: the tagged OK is the last uncompressed response.
    func compress(_ args: inout Arguments) throws -> Completion {
        let method = try args.atom().uppercased()
        try args.end()
        guard method == "DEFLATE" else { throw CommandFailure.no("Unsupported compression mechanism.") }
        if compressionActive { throw CommandFailure.no("Compression already enabled.", code: "COMPRESSIONACTIVE") }
        compressionActive = true
        pendingCompression = true
        return Completion("Begin compression.")
    }
}
