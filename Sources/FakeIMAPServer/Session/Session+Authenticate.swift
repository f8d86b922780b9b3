import Engine
import Foundation

/// LOGIN (RFC 3501 §6.2.3) and AUTHENTICATE (RFC 3501 §6.2.2, RFC 4959 SASL-IR) against the
/// configured accounts, with the mechanisms PLAIN (RFC 4616), LOGIN, XOAUTH2, OAUTHBEARER
/// (RFC 7628) and SCRAM-SHA-1/SCRAM-SHA-256 (RFC 5802, RFC 7677).
extension ServerSession {
    /// Mechanisms that send the password as it is: not offered and refused under LOGINDISABLED.
    static let plaintextMechanisms: Set<String> = ["PLAIN", "LOGIN"]

    /// The SASL mechanisms advertised before authentication.
    var offeredMechanisms: [String] {
        let all = server.configuration.authMechanisms.map { $0.uppercased() }
        guard server.configuration.loginDisabled else { return all }
        return all.filter { !Self.plaintextMechanisms.contains($0) }
    }

    private var accounts: [FakeAccount] { server.configuration.authentication.accounts }

    private static var failed: CommandFailure { .no("Authentication failed.", code: "AUTHENTICATIONFAILED") }

    /// dovecot's answer to plaintext authentication on a connection that forbids it.
    private static var privacyRequired: CommandFailure {
        .no("Plaintext authentication disallowed on non-secure (SSL/TLS) connections.", code: "PRIVACYREQUIRED")
    }

    private func authenticated(as name: String) -> Completion {
        state = .authenticated
        user = name
        return Completion("Logged in", code: "CAPABILITY " + capabilities.joined(separator: " "))
    }

    private func checkPassword(_ name: String, _ password: String) throws -> Completion {
        guard accounts.contains(where: { $0.user == name && $0.password != nil && $0.password == password }) else { throw Self.failed }
        return authenticated(as: name)
    }

    func login(_ args: inout Arguments) throws -> Completion {
        let name = try args.astring()
        let password = try args.astring()
        try args.end()
        if server.configuration.loginDisabled { throw Self.privacyRequired }
        return try checkPassword(name, password)
    }

    /// Sends a challenge and reads the client's response line; `*` aborts (RFC 3501 §6.2.2).
    private func saslResponse(challenge: [UInt8]) throws -> [UInt8] {
        try sendLine(challenge.isEmpty ? "+ " : "+ " + Data(challenge).base64EncodedString())
        try output.flush()
        guard let line = try input.readLine(maxLength: 64 * 1024) else { throw SessionEnd.finished }
        if line == [UInt8(ascii: "*")] { throw CommandFailure.bad("Authentication aborted by client.") }
        if line.isEmpty { return [] }
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
            guard hasCapability(.saslIR) else { throw args.bad("Extra arguments.") }
            initial = try decodeBase64(Array(try args.astring().utf8))
        }
        try args.end()
        if server.configuration.loginDisabled && Self.plaintextMechanisms.contains(mechanism) { throw Self.privacyRequired }
        guard offeredMechanisms.contains(mechanism) else {
            throw CommandFailure.no("Unsupported authentication mechanism.")
        }
        // Client-first mechanisms: without SASL-IR the server starts with an empty challenge.
        func first() throws -> [UInt8] { try initial ?? saslResponse(challenge: []) }
        switch mechanism {
        case "PLAIN":
            let parts = try first().split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { throw Self.failed }
            let authz = String(decoding: parts[0], as: UTF8.self), authc = String(decoding: parts[1], as: UTF8.self)
            if !authz.isEmpty && authz != authc { throw Self.failed }
            return try checkPassword(authc, String(decoding: parts[2], as: UTF8.self))
        case "LOGIN":
            let name = try initial ?? saslResponse(challenge: Array("Username:".utf8))
            let password = try saslResponse(challenge: Array("Password:".utf8))
            return try checkPassword(String(decoding: name, as: UTF8.self), String(decoding: password, as: UTF8.self))
        case "XOAUTH2", "OAUTHBEARER":
            return try oauth(mechanism, message: first())
        case "SCRAM-SHA-1", "SCRAM-SHA-256":
            return try scram(mechanism == "SCRAM-SHA-1" ? .sha1 : .sha256, clientFirst: first())
        default:
            throw CommandFailure.no("Unsupported authentication mechanism.")
        }
    }

    // MARK: OAuth

    /// XOAUTH2 (`user=U^Aauth=Bearer T^A^A`) or OAUTHBEARER (`n,a=U,^A...auth=Bearer T^A^A`,
    /// RFC 7628 §3.1). A refused token gets the error JSON challenge, then NO once the client
    /// sent the dummy response (RFC 7628 §3.2.3).
    private func oauth(_ mechanism: String, message: [UInt8]) throws -> Completion {
        let text = String(decoding: message, as: UTF8.self)
        var fields = text.split(separator: "\u{1}", omittingEmptySubsequences: true).map(String.init)
        var name: String?
        if mechanism == "OAUTHBEARER" {
            guard let header = fields.first, header.hasPrefix("n,") || header.hasPrefix("y,") else { throw Self.failed }
            fields.removeFirst()
            for attribute in header.split(separator: ",").dropFirst() where attribute.hasPrefix("a=") {
                name = SCRAMMessage.unescapedName(String(attribute.dropFirst(2)))
            }
        } else {
            guard let userField = fields.first, userField.hasPrefix("user=") else { throw Self.failed }
            name = String(userField.dropFirst(5))
        }
        guard let auth = fields.first(where: { $0.hasPrefix("auth=") }) else { throw Self.failed }
        let scheme = auth.dropFirst(5).prefix(7)
        guard scheme.lowercased() == "bearer " else { throw Self.failed }
        let token = String(auth.dropFirst(12))
        let owner = accounts.first { account in (name == nil || account.user == name) && account.tokens.contains { $0.value == token } }
        let validity = owner?.tokens.first { $0.value == token }?.validity
        if let owner, validity == .valid { return authenticated(as: owner.user) }
        let status = validity == .insufficientScope ? "insufficient_scope" : "invalid_token"
        let json = "{\"status\":\"\(status)\",\"schemes\":\"bearer\",\"scope\":\"\(server.configuration.oauthScope)\"}"
        let dummy = try saslResponse(challenge: Array(json.utf8))
        if mechanism == "OAUTHBEARER" && dummy != [1] {
            throw CommandFailure.bad("Expected the dummy response %x01 after an error (RFC 7628 §3.2.3).")
        }
        throw Self.failed
    }

    // MARK: SCRAM

    /// The server side of RFC 5802 §5: checks the client's proof against the account's password
    /// and proves it knows it too (unless configured to lie).
    private func scram(_ hash: SCRAMPrimitives.Hash, clientFirst: [UInt8]) throws -> Completion {
        let primitives = SCRAMPrimitives(hash: hash)
        let first = String(decoding: clientFirst, as: UTF8.self)
        guard first.hasPrefix("n,,") else { throw Self.failed }  // no channel binding, no authzid
        let bare = String(first.dropFirst(3))
        guard let attrs = SCRAMMessage.attributes(bare), attrs.count >= 2, attrs[0].name == "n", attrs[1].name == "r",
              let name = SCRAMMessage.unescapedName(attrs[0].value) else { throw Self.failed }
        let clientNonce = attrs[1].value
        let salt = try SCRAMPrimitives.randomBytes(16)
        let nonce = clientNonce + Data(try SCRAMPrimitives.randomBytes(18)).base64EncodedString()
        let iterations = server.configuration.scramIterations
        let serverFirst = "r=\(nonce),s=\(Data(salt).base64EncodedString()),i=\(iterations)"
        let final = String(decoding: try saslResponse(challenge: Array(serverFirst.utf8)), as: UTF8.self)
        guard let proofStart = final.range(of: ",p=") else { throw Self.failed }
        let withoutProof = String(final[..<proofStart.lowerBound])
        guard withoutProof == "c=biws,r=\(nonce)",
              let proof = Data(base64Encoded: String(final[proofStart.upperBound...])).map(Array.init) else { throw Self.failed }
        guard let account = accounts.first(where: { $0.user == name }), let password = account.password else { throw Self.failed }
        let authMessage = Array((bare + "," + serverFirst + "," + withoutProof).utf8)
        let salted = try primitives.hi(Array(password.utf8), salt: salt, iterations: iterations)
        let storedKey = try primitives.h(primitives.hmac(key: salted, Array("Client Key".utf8)))
        let clientSignature = try primitives.hmac(key: storedKey, authMessage)
        guard proof.count == clientSignature.count else { throw Self.failed }
        let clientKey = zip(proof, clientSignature).map { $0 ^ $1 }
        guard try primitives.h(clientKey) == storedKey else { throw Self.failed }
        var serverSignature = try primitives.hmac(key: primitives.hmac(key: salted, Array("Server Key".utf8)), authMessage)
        if server.configuration.scramWrongServerSignature { serverSignature[0] ^= 0xFF }
        let last = try saslResponse(challenge: Array("v=\(Data(serverSignature).base64EncodedString())".utf8))
        guard last.isEmpty else { throw Self.failed }
        return authenticated(as: name)
    }
}
