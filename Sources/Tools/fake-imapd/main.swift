import ArgumentParser
import FakeIMAPServer
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// fake-imapd: the fake IMAP server on stdin/stdout (for `type = tunnel`), or on a loopback TCP
/// port, with its store optionally kept in a state file.
struct FakeIMAPD: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fake-imapd",
        abstract: "A scriptable fake IMAP server speaking on stdin/stdout (or TCP with --listen).",
        discussion: """
            With --state FILE the mail store is loaded from FILE at start (created if missing) and \
            saved atomically after every state-changing command; several fake-imapd processes \
            may share one state file (they take turns, one command at a time).
            """)

    @Option(name: .long, help: "State file holding the mail store (JSON).")
    var state: String?

    @Option(name: .long, help: "Hierarchy delimiter for a new store.")
    var delimiter: String = "/"

    @Option(name: .long, help: "First UIDVALIDITY for a new store (default: the current time).")
    var firstUidvalidity: UInt32?

    @Option(name: .long, help: ArgumentHelp("Play a provider: its capabilities, quirks and limits (\(ProviderProfile.all.map(\.name).joined(separator: ", "))); --capabilities and the options below override.", valueName: "NAME"))
    var profile: String?

    @Option(name: .long, help: ArgumentHelp("Refuse a connection beyond N simultaneous ones (counted across the processes of one --state).", valueName: "N"))
    var connectionLimit: Int?

    @Option(name: .long, help: ArgumentHelp("RFC 9738 MESSAGELIMIT: process at most N messages in one command.", valueName: "N"))
    var messageLimit: Int?

    @Option(name: .long, help: "Space-separated capability list replacing the default set.")
    var capabilities: String?

    @Option(name: .long, help: "Capability to add (repeatable).")
    var addCapability: [String] = []

    @Option(name: .long, help: "Capability to withhold (repeatable).")
    var withholdCapability: [String] = []

    @Option(name: .long, help: "User name: PREAUTH as this user, or LOGIN with --password.")
    var user: String = "fake"

    @Option(name: .long, help: "Password: require LOGIN/AUTHENTICATE instead of PREAUTH.")
    var password: String?

    @Option(name: .long, help: ArgumentHelp("Another account that may log in (repeatable).", valueName: "USER:PASSWORD"))
    var account: [String] = []

    @Option(name: .long, help: ArgumentHelp("An OAuth access token for XOAUTH2/OAUTHBEARER (repeatable); STATE is valid (default), expired or insufficient-scope.", valueName: "USER:TOKEN[:STATE]"))
    var token: [String] = []

    @Option(name: .long, help: "SASL mechanisms offered before login (AUTH=...), space-separated (default: PLAIN LOGIN).")
    var authMechanisms: String?

    @Flag(name: .long, help: "Advertise LOGINDISABLED and refuse LOGIN, PLAIN and the LOGIN mechanism.")
    var loginDisabled = false

    @Option(name: .long, help: "The scope named in OAuth error responses.")
    var oauthScope: String?

    @Option(name: .long, help: "PBKDF2 iterations asked of SCRAM clients.")
    var scramIterations: Int = 4096

    @Flag(name: .long, help: "Send a wrong SCRAM server signature (a server that does not know the password).")
    var scramWrongSignature = false

    @Option(name: .long, help: "Simulated round-trip time in seconds.")
    var latency: Double = 0

    @Option(name: .long, help: "Simulated transfer time per byte sent, in seconds.")
    var latencyPerByte: Double = 0

    @Option(name: .long, help: "Serve TCP on this loopback address (e.g. 127.0.0.1:1143 or [::1]:1143) instead of stdio.")
    var listen: String?

    @Option(name: .long, help: ArgumentHelp("Drop the connection after N untagged responses of COMMAND (e.g. 'UID FETCH:3'; repeatable).", valueName: "COMMAND:N"))
    var dropAfter: [String] = []

    @Option(name: .long, help: ArgumentHelp("Drop the connection once N messages of an APPEND have been received.", valueName: "N"))
    var dropAppendAfter: Int?

    @Option(name: .long, help: ArgumentHelp("Send the FETCH responses of COMMAND ('UID FETCH' or 'FETCH') in reverse order.", valueName: "COMMAND"))
    var reorderFetch: [String] = []

    @Option(name: .long, help: ArgumentHelp("Answer COMMAND with NO or BAD (e.g. 'CREATE:NO'; repeatable).", valueName: "COMMAND:STATUS"))
    var fail: [String] = []

    /// Splits `WORDS:VALUE` at its last colon.
    static func split(_ spec: String, option: String) throws -> (String, String) {
        guard let colon = spec.lastIndex(of: ":"), colon != spec.startIndex else {
            throw ValidationError("--\(option) expects COMMAND:VALUE, got '\(spec)'")
        }
        return (String(spec[..<colon]), String(spec[spec.index(after: colon)...]))
    }

    /// PREAUTH, or the accounts of --user/--password, --account and --token.
    func authentication() throws -> FakeIMAPServerConfiguration.Authentication {
        var accounts: [FakeAccount] = []
        func index(_ name: String) -> Int {
            if let i = accounts.firstIndex(where: { $0.user == name }) { return i }
            accounts.append(FakeAccount(user: name))
            return accounts.count - 1
        }
        if let password { accounts.append(FakeAccount(user: user, password: password)) }
        for spec in account {
            guard let colon = spec.firstIndex(of: ":") else { throw ValidationError("--account expects USER:PASSWORD, got '\(spec)'") }
            accounts[index(String(spec[..<colon]))].password = String(spec[spec.index(after: colon)...])
        }
        for spec in token {
            let parts = spec.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2 || parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ValidationError("--token expects USER:TOKEN[:STATE], got '\(spec)'")
            }
            var validity = FakeAccessToken.Validity.valid
            if parts.count == 3 {
                guard let v = FakeAccessToken.Validity(rawValue: parts[2]) else {
                    throw ValidationError("--token: state must be valid, expired or insufficient-scope, got '\(parts[2])'")
                }
                validity = v
            }
            accounts[index(parts[0])].tokens.append(FakeAccessToken(parts[1], validity: validity))
        }
        return accounts.isEmpty ? .preauth(user: user) : .accounts(accounts)
    }

    func validate() throws {
        if scramIterations < 1 { throw ValidationError("--scram-iterations must be at least 1") }
        guard delimiter.count == 1 else { throw ValidationError("--delimiter must be one character, got '\(delimiter)'") }
        if let profile, ProviderProfile.named(profile) == nil {
            throw ValidationError("--profile: unknown provider '\(profile)' (expected \(ProviderProfile.all.map(\.name).joined(separator: ", ")))")
        }
        if let n = connectionLimit, n < 1 { throw ValidationError("--connection-limit must be at least 1") }
        if let n = messageLimit, n < 1 { throw ValidationError("--message-limit must be at least 1") }
        if latency < 0 || latencyPerByte < 0 { throw ValidationError("--latency and --latency-per-byte must not be negative") }
    }

    func run() throws {
        signal(SIGPIPE, SIG_IGN)
        var config = FakeIMAPServerConfiguration()
        if let profile = profile.flatMap(ProviderProfile.named) { config.apply(profile) }
        if let connectionLimit { config.connectionLimit = connectionLimit }
        if let messageLimit { config.messageLimit = messageLimit }
        if let capabilities { config.capabilities = capabilities.split(separator: " ").map(String.init) }
        config.authentication = try authentication()
        if let authMechanisms { config.authMechanisms = authMechanisms.split(separator: " ").map(String.init) }
        config.loginDisabled = loginDisabled
        if let oauthScope { config.oauthScope = oauthScope }
        config.scramIterations = scramIterations
        config.scramWrongServerSignature = scramWrongSignature
        config.latency = LatencyModel(perRoundTrip: latency, perByte: latencyPerByte)
        let faults = FaultScript()
        for c in addCapability { faults.addCapability(c) }
        for c in withholdCapability { faults.withholdCapability(c) }
        for spec in dropAfter {
            let (command, n) = try Self.split(spec, option: "drop-after")
            guard let count = Int(n), count >= 0 else { throw ValidationError("--drop-after: '\(n)' is not a count") }
            faults.dropConnection(during: command, afterUntagged: count)
        }
        if let n = dropAppendAfter { faults.dropConnection(duringAppendAfterMessages: n) }
        for command in reorderFetch { faults.reorderFetchResponses(of: command, .reversed) }
        for spec in fail {
            let (command, status) = try Self.split(spec, option: "fail")
            guard ["NO", "BAD"].contains(status.uppercased()) else { throw ValidationError("--fail: status must be NO or BAD, got '\(status)'") }
            faults.fail(command, status: status, times: .max)
        }
        let delim = delimiter.first ?? "/"
        let firstValidity = firstUidvalidity ?? UInt32(truncatingIfNeeded: Int(Date().timeIntervalSince1970))
        let server: FakeIMAPServer
        if let state {
            let file = FakeIMAPStateFile(path: state, delimiter: delim, firstUIDValidity: firstValidity)
            server = try FakeIMAPServer(stateFile: file, configuration: config, faults: faults)
            if server.store.delimiter != delim && delimiter != "/" {
                throw ValidationError("--delimiter '\(delimiter)' differs from the state file's '\(server.store.delimiter)'")
            }
        } else {
            server = FakeIMAPServer(store: FakeIMAPStore(delimiter: delim, firstUIDValidity: firstValidity), configuration: config, faults: faults)
        }
        if let listen {
            let listener = try FakeIMAPListener(server: server, address: listen)
            FileHandle.standardError.write(Data("fake-imapd: listening on port \(listener.port)\n".utf8))
            listener.run()
        } else {
            server.serve(on: FileDescriptorStream(readFD: 0, writeFD: 1))
        }
    }
}

FakeIMAPD.main()
