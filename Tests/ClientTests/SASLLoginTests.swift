import FakeIMAPServer
import Foundation
import XCTest
@testable import Engine

/// OAUTHBEARER, XOAUTH2, SCRAM and LOGINDISABLED against the fake server's accounts.
final class SASLLoginTests: XCTestCase {
    typealias Lines = SessionLoginTests.Lines

    static let accounts: [FakeAccount] = [
        FakeAccount(user: "alice", password: "s3cret", tokens: [FakeAccessToken("tok-good"), FakeAccessToken("tok-old", validity: .expired),
                                                               FakeAccessToken("tok-narrow", validity: .insufficientScope)]),
    ]

    func configuration(_ mechanisms: [String], saslIR: Bool = true, loginDisabled: Bool = false) -> FakeIMAPServerConfiguration {
        var caps = FakeIMAPServerConfiguration.defaultCapabilities
        if !saslIR { caps.removeAll { $0 == "SASL-IR" } }
        var c = FakeIMAPServerConfiguration(authentication: .accounts(Self.accounts), capabilities: caps, authMechanisms: mechanisms)
        c.loginDisabled = loginDisabled
        c.oauthScope = "https://mail.example/imap"
        return c
    }

    @discardableResult
    func login(auth: [AuthMechanism], secret: String, server configuration: FakeIMAPServerConfiguration,
               debugLevel: Int = 1, lines: Lines = Lines()) throws -> IMAPSession {
        var o = ConnectionOptions()
        o.type = .tunnel; o.username = "alice"; o.password = secret; o.authMechanisms = auth; o.compress = false
        let server = FakeIMAPServer(configuration: configuration)
        let session = IMAPSession(stream: server.connect(), name: "remote", debugLog: { lines.add($0) }, revealSecrets: debugLevel > 1)
        try SessionLogin(options: o, name: "remote", debugLevel: debugLevel).login(session)
        return session
    }

    // MARK: OAuth

    func testOAuthMechanismsLogInWithAndWithoutSASLIR() throws {
        for mechanism in [AuthMechanism.xoauth2, .oauthBearer] {
            for saslIR in [true, false] {
                let lines = Lines()
                let session = try login(auth: [mechanism, .plain], secret: "tok-good",
                                        server: configuration(["PLAIN", mechanism.rawValue], saslIR: saslIR), lines: lines)
                XCTAssertTrue(session.isAuthenticated)
                XCTAssertTrue(lines.text.contains("AUTHENTICATE \(mechanism.rawValue)"), lines.text)
                XCTAssertFalse(lines.text.contains("tok-good"), lines.text)
                XCTAssertFalse(lines.text.contains(Data("tok-good".utf8).base64EncodedString().prefix(8)), lines.text)
                try session.execute(.noop)
            }
        }
    }

    func testDebugTwiceShowsTheToken() throws {
        let lines = Lines()
        try login(auth: [.xoauth2], secret: "tok-good", server: configuration(["XOAUTH2"]), debugLevel: 2, lines: lines)
        let message = Data("user=alice\u{1}auth=Bearer tok-good\u{1}\u{1}".utf8).base64EncodedString()
        XCTAssertTrue(lines.text.contains("AUTHENTICATE XOAUTH2 \(message)"), lines.text)
    }

    func testExpiredTokenGivesTheJSONStatusAndScope() throws {
        for mechanism in [AuthMechanism.xoauth2, .oauthBearer] {
            for saslIR in [true, false] {
                let lines = Lines()
                XCTAssertThrowsError(try login(auth: [mechanism], secret: "tok-old", server: configuration([mechanism.rawValue], saslIR: saslIR),
                                               lines: lines)) { error in
                    guard case let .tokenRefused(_, name, status, scope, _)? = error as? AuthenticationError else { return XCTFail("\(error)") }
                    XCTAssertEqual(name, mechanism.rawValue)
                    XCTAssertEqual(status, "invalid_token")
                    XCTAssertEqual(scope, "https://mail.example/imap")
                    XCTAssertEqual((error as? ExitStatusProviding)?.exitStatus, .permissionDenied)
                    XCTAssertTrue(String(describing: error).hasPrefix("remote: AUTHENTICATE \(mechanism.rawValue) failed: token refused with status invalid_token, scope https://mail.example/imap"), "\(error)")
                }
                // The dummy response of RFC 7628 §3.2.3 was sent (the fake refuses anything else with BAD).
                XCTAssertTrue(lines.all.contains { $0.hasPrefix("S: + ") && $0.count > 10 }, lines.text)
            }
        }
    }

    func testTokenWithoutTheMailScope() throws {
        XCTAssertThrowsError(try login(auth: [.oauthBearer], secret: "tok-narrow", server: configuration(["OAUTHBEARER"]))) { error in
            guard case let .tokenRefused(_, _, status, _, _)? = error as? AuthenticationError else { return XCTFail("\(error)") }
            XCTAssertEqual(status, "insufficient_scope")
        }
    }

    func testOAuthBearerMessageFollowsRFC7628() {
        let client = OAuthSASLClient(mechanism: .oauthBearer, server: "remote", username: "a,b=c", token: "T", host: "imap.example.com", port: 993)
        XCTAssertEqual(String(decoding: client.initialResponse(), as: UTF8.self),
                       "n,a=a=2Cb=3Dc,\u{1}host=imap.example.com\u{1}port=993\u{1}auth=Bearer T\u{1}\u{1}")
        XCTAssertEqual(OAuthSASLClient.parseError(Array(#"{"status":"invalid_token","scope":"x y"}"#.utf8)).status, "invalid_token")
        XCTAssertNil(OAuthSASLClient.parseError(Array("not json".utf8)).status)
        XCTAssertEqual(OAuthSASLClient.parseError(Array(#"{"status":"a\nb"}"#.utf8)).status, "ab", "no control characters reach the error line")
    }

    // MARK: SCRAM

    func testSCRAMLogsIn() throws {
        for mechanism in [AuthMechanism.scramSHA256, .scramSHA1] {
            for saslIR in [true, false] {
                let lines = Lines()
                let session = try login(auth: [mechanism], secret: "s3cret", server: configuration([mechanism.rawValue], saslIR: saslIR), lines: lines)
                XCTAssertTrue(session.isAuthenticated)
                XCTAssertTrue(lines.text.contains("AUTHENTICATE \(mechanism.rawValue) [REDACTED]") || lines.text.contains("C: [REDACTED]"), lines.text)
                XCTAssertFalse(lines.all.contains { $0.hasPrefix("C: ") && $0.contains("cD0") }, "proof redacted: \(lines.text)")
            }
        }
    }

    func testSCRAMWrongPassword() throws {
        XCTAssertThrowsError(try login(auth: [.scramSHA256], secret: "nope", server: configuration(["SCRAM-SHA-256"]))) { error in
            XCTAssertEqual((error as? ExitStatusProviding)?.exitStatus, .permissionDenied, "\(error)")
        }
    }

    func testSCRAMServerThatDoesNotKnowThePasswordIsRefused() throws {
        var c = configuration(["SCRAM-SHA-256"])
        c.scramWrongServerSignature = true
        XCTAssertThrowsError(try login(auth: [.scramSHA256], secret: "s3cret", server: c)) { error in
            guard case .serverNotAuthenticated? = error as? AuthenticationError else { return XCTFail("\(error)") }
        }
    }

    /// RFC 7677 §3 and RFC 5802 §5 example exchanges.
    func testSCRAMTestVectors() throws {
        let vectors: [(AuthMechanism, String, String, String, String)] = [
            (.scramSHA256, "rOprNGfwEbeRWgbNEkqO",
             "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
             "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
             "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="),
            (.scramSHA1, "fyko+d2lbbFgONRv9qkxdawL",
             "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
             "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
             "v=rmF9pqV8S7suAoZWja4dJRkFsKQ="),
        ]
        for (mechanism, nonce, serverFirst, clientFinal, serverFinal) in vectors {
            var client = try SCRAMSASLClient(mechanism: mechanism, server: "remote", username: "user", password: "pencil", clientNonce: nonce)
            XCTAssertEqual(String(decoding: client.initialResponse(), as: UTF8.self), "n,,n=user,r=\(nonce)")
            XCTAssertEqual(client.answer(Array(serverFirst.utf8)).map { String(decoding: $0, as: UTF8.self) }, clientFinal)
            XCTAssertEqual(client.answer(Array(serverFinal.utf8)), [])
            XCTAssertNil(client.clientSideFailure(afterSuccess: true))
        }
    }

    func testSCRAMRefusesHostileServerFirstMessages() throws {
        for bad in ["r=other,s=QSXCR+Q6sek8bf92,i=4096", "r=abc,s=QSXCR+Q6sek8bf92,i=4096", "r=abcX,s=QSXCR+Q6sek8bf92,i=0",
                    "r=abcX,s=QSXCR+Q6sek8bf92,i=99999999999", "m=ext,r=abcX,s=QSXCR+Q6sek8bf92,i=4096", "r=abcX,s=,i=4096", "garbage"] {
            var client = try SCRAMSASLClient(mechanism: .scramSHA256, server: "remote", username: "u", password: "p", clientNonce: "abc")
            _ = client.initialResponse()
            XCTAssertNil(client.answer(Array(bad.utf8)), bad)
            guard case .malformedChallenge? = client.clientSideFailure(afterSuccess: false) else { return XCTFail(bad) }
        }
        var client = try SCRAMSASLClient(mechanism: .scramSHA256, server: "remote", username: "u", password: "p", clientNonce: "abc")
        XCTAssertNotNil(client.clientSideFailure(afterSuccess: true), "an OK without the server's signature is not trusted")
        _ = client.initialResponse()
    }

    func testSASLprep() {
        XCTAssertEqual(SASLprep.prepare("pencil"), "pencil")
        XCTAssertEqual(SASLprep.prepare("I\u{00AD}X"), "IX")             // RFC 4013 §3 examples
        XCTAssertEqual(SASLprep.prepare("\u{00AA}"), "a")
        XCTAssertEqual(SASLprep.prepare("\u{2168}"), "IX")
        XCTAssertEqual(SASLprep.prepare("a\u{00A0}b"), "a b")
        XCTAssertNil(SASLprep.prepare("\u{0007}"))
    }

    func testAnUnknownMechanismIsSkippedEvenWhenTheServerOffersIt() throws {
        // `auth = CRAM-MD5 PLAIN`: the configuration keeps PLAIN only; the server offering
        // CRAM-MD5 first changes nothing.
        let file = try INIFile(text: "[local]\ntype=tunnel\ncommand=true\n[remote]\nauth = CRAM-MD5 PLAIN\n", path: "config")
        let environment = ConfigEnvironment(variables: ["HOME": "/home/u"], passwordDatabaseHome: "/home/u", effectiveUserName: "u")
        let options = try InterimapConfiguration(file: file, environment: environment).remote.connection
        let lines = Lines()
        try login(auth: options.authMechanisms, secret: "s3cret", server: configuration(["CRAM-MD5", "PLAIN"]), lines: lines)
        XCTAssertTrue(lines.text.contains("AUTHENTICATE PLAIN"), lines.text)
    }

    // MARK: LOGINDISABLED

    func testLoginDisabledSendsNoPlaintextCredentials() throws {
        for auth in [AuthMechanism.defaultPreference, [.login], [.plain]] {
            let lines = Lines()
            XCTAssertThrowsError(try login(auth: auth, secret: "s3cret", server: configuration(["PLAIN", "LOGIN", "SCRAM-SHA-256"], loginDisabled: true),
                                           lines: lines)) { error in
                XCTAssertEqual(error as? AuthenticationError, .loginsDisabled(server: "remote"))
                XCTAssertEqual(String(describing: error), "remote: Logins are disabled.")
            }
            XCTAssertFalse(lines.all.contains { $0.hasPrefix("C: ") }, "nothing sent: \(lines.text)")
        }
    }

    func testLoginDisabledUsesAMechanismThatKeepsThePasswordOffTheWire() throws {
        let lines = Lines()
        try login(auth: [.plain, .scramSHA256], secret: "s3cret", server: configuration(["SCRAM-SHA-256"], loginDisabled: true), lines: lines)
        XCTAssertTrue(lines.text.contains("AUTHENTICATE SCRAM-SHA-256"), lines.text)
        try login(auth: [.login, .xoauth2], secret: "tok-good", server: configuration(["XOAUTH2"], loginDisabled: true))
    }
}
