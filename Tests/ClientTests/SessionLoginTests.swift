import FakeIMAPServer
import Foundation
import XCTest
@testable import Engine

/// The login sequence (greeting, CAPABILITY, STARTTLS policy, SASL, LOGIN, COMPRESS) against the
/// fake server over an in-memory stream.
final class SessionLoginTests: XCTestCase {
    final class Lines: @unchecked Sendable {
        let lock = NSLock(); var all: [String] = []
        func add(_ s: String) { lock.lock(); all.append(s); lock.unlock() }
        var text: String { lock.lock(); defer { lock.unlock() }; return all.joined(separator: "\n") }
    }

    func options(type: ConnectionType = .tunnel, user: String? = "alice", password: String? = "s3cret",
                 auth: [AuthMechanism] = AuthMechanism.defaultPreference, compress: Bool = false) -> ConnectionOptions {
        var o = ConnectionOptions()
        o.type = type; o.username = user; o.password = password; o.authMechanisms = auth; o.compress = compress
        return o
    }

    func login(_ options: ConnectionOptions, server configuration: FakeIMAPServerConfiguration,
               lines: Lines = Lines()) throws -> IMAPSession {
        let server = FakeIMAPServer(configuration: configuration)
        let session = IMAPSession(stream: server.connect(), name: "test", debugLog: { lines.add($0) })
        try SessionLogin(options: options, name: "test", debugLevel: 1).login(session)
        return session
    }

    func testPlainWithInitialResponseWhenSASLIRIsAdvertised() throws {
        let lines = Lines()
        let session = try login(options(), server: .init(authentication: .credentials(user: "alice", password: "s3cret")), lines: lines)
        XCTAssertTrue(session.isAuthenticated)
        XCTAssertTrue(session.capabilities.contains(.qresync), "capabilities after login: \(session.capabilities)")
        XCTAssertTrue(lines.text.contains(" AUTHENTICATE PLAIN [REDACTED]"), lines.text)
        XCTAssertFalse(lines.text.contains("s3cret"))
        try session.execute(.noop)
    }

    func testPlainWithoutSASLIRAnswersTheContinuation() throws {
        var caps = FakeIMAPServerConfiguration.defaultCapabilities
        caps.removeAll { $0 == "SASL-IR" }
        let session = try login(options(), server: .init(authentication: .credentials(user: "alice", password: "s3cret"), capabilities: caps))
        XCTAssertTrue(session.isAuthenticated)
    }

    func testAuthLoginSendsTheLoginCommandEvenWhenTheSASLMechanismIsOffered() throws {
        // The reference sends the IMAP LOGIN command for `auth = LOGIN`, not AUTHENTICATE LOGIN.
        let lines = Lines()
        _ = try login(options(auth: [.login, .plain]), server: .init(authentication: .credentials(user: "alice", password: "s3cret")), lines: lines)
        XCTAssertTrue(lines.text.contains(" LOGIN alice [REDACTED]"), lines.text)
        XCTAssertFalse(lines.text.contains("AUTHENTICATE"), lines.text)
    }

    func testLoginCommandWhenPlainIsNotOffered() throws {
        let lines = Lines()
        _ = try login(options(), server: .init(authentication: .credentials(user: "alice", password: "s3cret"), authMechanisms: []), lines: lines)
        XCTAssertTrue(lines.text.contains(" LOGIN alice [REDACTED]"), lines.text)
    }

    func testNoConfiguredMechanismOfferedIsRefusedBeforeCredentials() throws {
        let lines = Lines()
        XCTAssertThrowsError(try login(options(auth: [.plain]), server: .init(authentication: .credentials(user: "alice", password: "s3cret"),
                                                                             authMechanisms: ["LOGIN"]), lines: lines)) { error in
            XCTAssertEqual(String(describing: error),
                           "test: Failed to choose an authentication mechanism (auth = PLAIN; server offers LOGIN)")
        }
        XCTAssertFalse(lines.all.contains { $0.hasPrefix("C: ") && $0.contains("s3cret") }, lines.text)
        XCTAssertFalse(lines.all.contains { $0.contains("AUTHENTICATE") || $0.contains(" LOGIN ") }, lines.text)
    }

    func testDebugTwiceShowsThePlainResponse() throws {
        for saslIR in [true, false] {
            var caps = FakeIMAPServerConfiguration.defaultCapabilities
            if !saslIR { caps.removeAll { $0 == "SASL-IR" } }
            let lines = Lines()
            let server = FakeIMAPServer(configuration: .init(authentication: .credentials(user: "alice", password: "s3cret"), capabilities: caps))
            let session = IMAPSession(stream: server.connect(), name: "test", debugLog: { lines.add($0) }, revealSecrets: true)
            try SessionLogin(options: options(), name: "test", debugLevel: 2).login(session)
            let encoded = Data("\0alice\0s3cret".utf8).base64EncodedString()
            XCTAssertTrue(lines.all.contains { $0.hasPrefix("C: ") && $0.contains(encoded) }, "SASL-IR \(saslIR): \(lines.text)")
            XCTAssertFalse(lines.text.contains("REDACTED"), lines.text)
        }
    }

    func testWrongPasswordIsRefusedWithTheServerText() throws {
        XCTAssertThrowsError(try login(options(password: "nope"), server: .init(authentication: .credentials(user: "alice", password: "s3cret")))) { error in
            guard case .commandFailed(let command, _)? = error as? IMAPClientError else { return XCTFail("\(error)") }
            XCTAssertEqual(command, "AUTHENTICATE")
            XCTAssertEqual((error as? IMAPClientError)?.exitStatus, .permissionDenied)
        }
    }

    func testMissingCredentialsAreAConfigurationProblem() throws {
        XCTAssertThrowsError(try login(options(user: nil), server: .init(authentication: .credentials(user: "alice", password: "s3cret")))) { error in
            guard case .authenticationImpossible? = error as? IMAPClientError else { return XCTFail("\(error)") }
        }
    }

    func testPreauthSkipsAuthentication() throws {
        let lines = Lines()
        let session = try login(options(user: nil, password: nil), server: .init(), lines: lines)
        XCTAssertTrue(session.isAuthenticated)
        XCTAssertFalse(lines.all.contains { $0.hasPrefix("C: ") && ($0.contains("AUTHENTICATE") || $0.contains("LOGIN")) }, lines.text)
    }

    func testStartTLSRequiredButNotAdvertisedAbortsBeforeCredentials() throws {
        let lines = Lines()
        XCTAssertThrowsError(try login(options(type: .imap), server: .init(authentication: .credentials(user: "alice", password: "s3cret")), lines: lines)) { error in
            XCTAssertEqual(error as? IMAPClientError, .startTLSUnavailable)
        }
        XCTAssertFalse(lines.all.contains { $0.hasPrefix("C: ") && ($0.contains("AUTHENTICATE") || $0.contains("LOGIN")) },
                       "no credentials sent: \(lines.text)")
    }

    func testCompressDeflateIsNegotiatedAfterAuthentication() throws {
        let lines = Lines()
        let session = try login(options(compress: true), server: .init(authentication: .credentials(user: "alice", password: "s3cret")), lines: lines)
        XCTAssertTrue(lines.text.contains("COMPRESS DEFLATE"), lines.text)
        XCTAssertTrue(session.stream is DeflateStream)
        // The session still works through the compressed stream.
        var statuses = 0
        try session.execute(.list(reference: MailboxName(wire: ""), patterns: [MailboxName(wire: "*")],
                                  returnOptions: [.status([.uidNext])])) { event in
            if case .untagged(.status) = event { statuses += 1 }
        }
        XCTAssertEqual(statuses, 1)
    }
}
