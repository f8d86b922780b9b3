import XCTest
@testable import Engine

/// Each connection option: its default, good values, and a bad value with its message.
final class ConnectionOptionsTests: XCTestCase {
    /// `[local]` starts on line 4, so the option under test is on line 5.
    private let prelude = "[remote]\ntype=tunnel\ncommand=true\n[local]\n"

    private func local(_ line: String) throws -> ConnectionOptions {
        try parseInterimap(prelude + line + "\n").local.connection
    }

    private func assertBad(_ line: String, _ message: String, file: StaticString = #filePath, lineNumber: UInt = #line) {
        XCTAssertConfigError(try local(line), "config:5: " + message, file: file, line: lineNumber)
    }

    func testDefaults() throws {
        let config = try parseInterimap("[local]\n[remote]\n")
        let local = config.local.connection
        XCTAssertEqual(local.type, .imaps)
        XCTAssertEqual(local.host, "localhost")
        XCTAssertEqual(local.effectivePort, 993)
        XCTAssertNil(local.proxy)
        XCTAssertNil(local.command)
        XCTAssertTrue(local.startTLS)
        XCTAssertEqual(local.authMechanisms, [.plain, .login])
        XCTAssertNil(local.username)
        XCTAssertNil(local.password)
        XCTAssertFalse(local.compress, "interimap(1): compress defaults to NO for [local]")
        XCTAssertTrue(config.remote.connection.compress, "interimap(1): compress defaults to YES for [remote]")
        XCTAssertFalse(local.nullStderr)
        XCTAssertNil(local.sslProtocols)
        XCTAssertNil(local.sslProtocolMin)
        XCTAssertNil(local.sslProtocolMax)
        XCTAssertNil(local.sslCipherList)
        XCTAssertNil(local.sslCipherSuites)
        XCTAssertEqual(local.sslFingerprints, [])
        XCTAssertTrue(local.sslVerify)
        XCTAssertNil(local.sslCAFile)
        XCTAssertNil(local.sslCAPath)
        XCTAssertNil(local.sslHostname)
        XCTAssertEqual(local.serverNameIndication, "localhost")
        XCTAssertTrue(config.warnings.isEmpty)
    }

    func testType() throws {
        XCTAssertEqual(try local("type=imap").type, .imap)
        XCTAssertEqual(try local("type=imap").effectivePort, 143)
        XCTAssertEqual(try local("type=imaps").effectivePort, 993)
        XCTAssertEqual(try local("type=tunnel\ncommand=dovecot").command, "dovecot")
        assertBad("type=imapz", "type: unknown value 'imapz' (expected imap, imaps or tunnel)")
        assertBad("type=IMAP", "type: unknown value 'IMAP' (expected imap, imaps or tunnel)")
        assertBad("type=", "type: empty value")
    }

    func testTunnelNeedsCommand() {
        assertBad("type=tunnel", "command: missing in [local]: type=tunnel needs a command")
        XCTAssertConfigError(try parseInterimap("type=tunnel\n[local]\ncommand=x\n[remote]\n"),
                             "config:1: command: missing in [remote]: type=tunnel needs a command")
    }

    func testHost() throws {
        XCTAssertEqual(try local("host=imap.example.org").host, "imap.example.org")
        let literal = try local("host=[::1]")
        XCTAssertEqual(literal.host, "[::1]")
        XCTAssertEqual(literal.hostName, "::1")
        XCTAssertTrue(literal.hostIsIPLiteral)
        XCTAssertNil(literal.serverNameIndication, "no SNI for an IP literal")
        XCTAssertTrue(try local("host=[192.0.2.1]").hostIsIPLiteral)
        XCTAssertTrue(try local("host=192.0.2.1").hostIsIPLiteral)
        XCTAssertFalse(try local("host=example.org").hostIsIPLiteral)
        assertBad("host=[example.org]", "host: '[example.org]' is not an IP literal (expected [IPv4 or IPv6 address])")
        assertBad("host=[::1", "host: '[::1' is not an IP literal (expected [IPv4 or IPv6 address])")
        assertBad("host=foo bar", "host: invalid host name 'foo bar'")
        assertBad("host=", "host: empty value")
    }

    func testPort() throws {
        XCTAssertEqual(try local("port=1").port, 1)
        XCTAssertEqual(try local("port=65535").port, 65535)
        XCTAssertEqual(try local("type=imap\nport=1143").port, 1143)
        for bad in ["0", "65536", "99999", "abc", "-1", "1.5", "+5"] {
            assertBad("port=\(bad)", "port: invalid port '\(bad)' (expected a number from 1 to 65535)")
        }
    }

    func testProxy() throws {
        XCTAssertEqual(try local("proxy=socks5://127.0.0.1:1080").proxy, "socks5://127.0.0.1:1080")
        XCTAssertEqual(try local("proxy=socks5h://u:p@proxy").proxy, "socks5h://u:p@proxy")
        assertBad("proxy=http://proxy:3128",
                  "proxy: unsupported proxy 'http://proxy:3128' (expected socks5://[USER:PASSWORD@]HOST[:PORT] or socks5h://...)")
        assertBad("proxy=socks5://",
                  "proxy: unsupported proxy 'socks5://' (expected socks5://[USER:PASSWORD@]HOST[:PORT] or socks5h://...)")
        assertBad("proxy=", "proxy: empty value")
        assertBad("proxy=socks5://host:99999", "proxy: 'socks5://host:99999': bad port '99999'")
    }

    func testBooleansAreYesOrNoCaseInsensitively() throws {
        for key in ["STARTTLS", "compress", "null-stderr", "SSL_verify"] {
            for (text, expected) in [("YES", true), ("yes", true), ("Yes", true), ("NO", false), ("no", false), ("No", false)] {
                let options = try local("\(key)=\(text)")
                let value: Bool
                switch key {
                case "STARTTLS": value = options.startTLS
                case "compress": value = options.compress
                case "null-stderr": value = options.nullStderr
                default: value = options.sslVerify
                }
                XCTAssertEqual(value, expected, "\(key)=\(text)")
            }
            // The reference refuses these too.
            for bad in ["1", "0", "true", "false", "on", "maybe"] {
                assertBad("\(key)=\(bad)", "\(key): invalid value '\(bad)' (expected YES or NO)")
            }
            assertBad("\(key)=", "\(key): empty value")
        }
    }

    func testAuth() throws {
        XCTAssertEqual(try local("auth=LOGIN").authMechanisms, [.login])
        XCTAssertEqual(try local("auth=login  plain").authMechanisms, [.login, .plain])
        XCTAssertEqual(try local("auth=xoauth2 OAUTHBEARER scram-sha-256 SCRAM-SHA-1").authMechanisms,
                       [.xoauth2, .oauthBearer, .scramSHA256, .scramSHA1])
        // Names we do not implement are skipped, as the reference skips them.
        XCTAssertEqual(try local("auth=CRAM-MD5 PLAIN").authMechanisms, [.plain])
        XCTAssertEqual(try local("auth=GSSAPI").authMechanisms, [])
        assertBad("auth=", "auth: empty value")
    }

    func testPasswordEval() throws {
        XCTAssertEqual(try local("passwordeval=pass show mail/imap | head -n1").passwordCommand, "pass show mail/imap | head -n1")
        XCTAssertNil(try local("password=x").passwordCommand)
        assertBad("passwordeval=", "passwordeval: empty value")
        XCTAssertConfigError(try local("password=x\npasswordeval=echo x"),
                             "config:6: passwordeval: password and passwordeval are both set in [local]; keep one")
        // From the default section too, for both sections.
        let both = try parseInterimap("passwordeval=cat token\n[local]\ntype=tunnel\ncommand=true\n[remote]\n")
        XCTAssertEqual(both.remote.connection.passwordCommand, "cat token")
        XCTAssertEqual(try parsePullimap("[acct]\npasswordeval=oama access me@example.com\n").connection.passwordCommand,
                       "oama access me@example.com")
    }

    func testCredentials() throws {
        let options = try local("username=bob\npassword= p=ss word ")
        XCTAssertEqual(options.username, "bob")
        XCTAssertEqual(options.password, "p=ss word")
        assertBad("username=", "username: empty value")
        assertBad("password=", "password: empty value")
    }

    func testCommand() throws {
        XCTAssertEqual(try local("type=tunnel\ncommand=ssh host 'dovecot exec imap'").command, "ssh host 'dovecot exec imap'")
        assertBad("command=", "command: empty value")
    }

    func testSSLProtocolsIsDeprecated() throws {
        let config = try parseInterimap(prelude + "SSL_protocols=!SSLv2 !SSLv3\n")
        XCTAssertEqual(config.local.connection.sslProtocols,
                       [TLSProtocolToggle(version: .sslv2, enabled: false), TLSProtocolToggle(version: .sslv3, enabled: false)])
        XCTAssertEqual(config.warnings.map(\.description),
                       ["config:5: SSL_protocols: deprecated, use SSL_protocol_min and/or SSL_protocol_max"])
        assertBad("SSL_protocols=TLSv1.2 foo",
                  "SSL_protocols: unknown protocol 'foo' (expected SSLv2, SSLv3, TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3, optionally prefixed with !)")
    }

    func testProtocolBounds() throws {
        let options = try local("SSL_protocol_min=TLSv1.2\nSSL_protocol_max=TLSv1.3")
        XCTAssertEqual(options.sslProtocolMin, .tlsv1_2)
        XCTAssertEqual(options.sslProtocolMax, .tlsv1_3)
        assertBad("SSL_protocol_min=TLSv1.4",
                  "SSL_protocol_min: unknown protocol version 'TLSv1.4' (expected SSLv3, TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3)")
        assertBad("SSL_protocol_max=SSLv2",
                  "SSL_protocol_max: unknown protocol version 'SSLv2' (expected SSLv3, TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3)")
        XCTAssertConfigError(try local("SSL_protocol_min=TLSv1.3\nSSL_protocol_max=TLSv1.2"),
                             "config:6: SSL_protocol_max: 'TLSv1.2' is below SSL_protocol_min=TLSv1.3")
    }

    func testCipherListBothSpellings() throws {
        XCTAssertEqual(try local("SSL_cipherlist=HIGH:!aNULL").sslCipherList, "HIGH:!aNULL")
        XCTAssertEqual(try local("SSL_cipher_list=HIGH").sslCipherList, "HIGH")
        XCTAssertEqual(try local("SSL_cipher_list=A\nSSL_cipherlist=B").sslCipherList, "B")
        assertBad("SSL_cipherlist=", "SSL_cipherlist: empty value")
        XCTAssertEqual(try local("SSL_ciphersuites=TLS_AES_256_GCM_SHA384").sslCipherSuites, "TLS_AES_256_GCM_SHA384")
        XCTAssertEqual(try local("SSL_ciphersuites=").sslCipherSuites, "", "empty disables the TLSv1.3 suites")
    }

    func testFingerprints() throws {
        let sha256 = String(repeating: "ab", count: 32)
        let sha1 = String(repeating: "01", count: 20)
        let options = try local("SSL_fingerprint=\(sha256.uppercased()) sha1$\(sha1)")
        XCTAssertEqual(options.sslFingerprints, [
            SPKIFingerprint(algorithm: "sha256", digest: Array(repeating: 0xAB, count: 32)),
            SPKIFingerprint(algorithm: "sha1", digest: Array(repeating: 0x01, count: 20)),
        ])
        XCTAssertEqual(options.sslFingerprints[0].description, "sha256$" + sha256)
        assertBad("SSL_fingerprint=zz", "SSL_fingerprint: 'zz' is not [ALGO$]DIGEST_HEX (hexadecimal digits)")
        assertBad("SSL_fingerprint=sha256$AB:CD", "SSL_fingerprint: 'sha256$AB:CD': sha256 digests have 64 hex digits, not 4")
        assertBad("SSL_fingerprint=abcd", "SSL_fingerprint: 'abcd': sha256 digests have 64 hex digits, not 4")
        assertBad("SSL_fingerprint=nope$abcd", "SSL_fingerprint: 'nope$abcd': unknown digest algorithm 'nope'")
        assertBad("SSL_fingerprint=", "SSL_fingerprint: empty value")
    }

    func testCertificateLocations() throws {
        let options = try local("SSL_CAfile=/etc/ssl/ca.pem\nSSL_CApath=/etc/ssl/certs")
        XCTAssertEqual(options.sslCAFile, "/etc/ssl/ca.pem")
        XCTAssertEqual(options.sslCAPath, "/etc/ssl/certs")
        assertBad("SSL_CAfile=", "SSL_CAfile: empty value")
        assertBad("SSL_CApath=", "SSL_CApath: empty value")
    }

    func testSSLHostnameDistinguishesUnsetFromEmpty() throws {
        let explicit = try local("host=imap.example.org\nSSL_hostname=mail.example.org")
        XCTAssertEqual(explicit.sslHostname, "mail.example.org")
        XCTAssertEqual(explicit.serverNameIndication, "mail.example.org")
        let disabled = try local("host=imap.example.org\nSSL_hostname=")
        XCTAssertEqual(disabled.sslHostname, "")
        XCTAssertNil(disabled.serverNameIndication)
        let unset = try local("host=imap.example.org")
        XCTAssertNil(unset.sslHostname)
        XCTAssertEqual(unset.serverNameIndication, "imap.example.org")
    }

    func testOptionNamesAreCaseSensitive() {
        assertBad("TYPE=imap", "TYPE: unknown option in [local]")
        assertBad("starttls=YES", "starttls: unknown option in [local]")
    }
}
