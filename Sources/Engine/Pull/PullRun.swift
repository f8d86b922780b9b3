import Foundation

/// A whole pull on one account: SELECT and the UIDVALIDITY check, a cycle, the purge, and with
/// `--idle` the IDLE loop (pullimap(1), Control flow). The statefile must be open (and locked)
/// before, the session authenticated.
public final class PullRun {
    public let settings: PullSettings
    public let connection: PullConnection
    public let statefile: PullStatefile
    public let channel: DeliveryChannel
    public let log: PullLog
    /// The progress line's counts (messages delivered of how many), if one is shown.
    public var progress: PullProgress?
    private let now: () -> Date
    private var lastPurge: Date?
    private var started = false
    /// Called after each cycle that completed (`--idle` resets its reconnection backoff).
    public var cycleCompleted: (() -> Void)?

    public init(settings: PullSettings, connection: PullConnection, statefile: PullStatefile, channel: DeliveryChannel,
                log: PullLog, now: @escaping () -> Date = Date.init) {
        self.settings = settings
        self.connection = connection
        self.statefile = statefile
        self.channel = channel
        self.log = log
        self.now = now
    }

    /// Selects the mailbox and checks it against the statefile: a UIDVALIDITY other than the
    /// recorded one stops everything before any delivery (the UIDs the statefile holds would
    /// name other messages, RFC 3501 §2.3.1.1). A new (empty) statefile gets the mailbox's
    /// UIDVALIDITY and UIDNEXT 1, so the first run delivers every message in the mailbox.
    public func start() throws {
        let selected = try connection.select()
        log.mailboxSelected()
        guard let uidValidity = selected.uidValidity else {
            throw PullError.noUIDValidity(section: settings.section, mailbox: settings.mailbox)
        }
        let contents = try statefile.read()
        if let state = contents.state {
            guard state.uidValidity == uidValidity else {
                throw PullError.uidValidityChanged(section: settings.section, mailbox: settings.mailbox, statefile: statefile.path,
                                                   recorded: state.uidValidity, server: uidValidity)
            }
        } else {
            try statefile.setState(PullMailboxState(uidValidity: uidValidity, uidNext: 1))
        }
        started = true
    }

    /// One cycle (steps 1 to 5), then the purge if one is due.
    @discardableResult
    public func cycle(skipFetchIfUnchanged: Bool = false) throws -> PullCycleReport {
        if !started { try start() }
        _ = connection.takeNewMail()
        var pullCycle = PullCycle(connection: connection, statefile: statefile, channel: channel, recipient: settings.recipient,
                                  noDelivery: settings.noDelivery, log: log)
        pullCycle.progress = progress
        let report = try pullCycle.run(skipFetchIfUnchanged: skipFetchIfUnchanged)
        let time = now()
        if settings.purge.isDue(lastPurge: lastPurge, now: time) {
            try settings.purge.purge(connection, uidNext: report.uidNext, now: time, log: log)
            lastPurge = time
        }
        cycleCompleted?()
        return report
    }

    /// Runs the first cycle and, with `--idle`, keeps idling and pulling (step 6) until an error
    /// (or, for tests, `maximumCycles` cycles).
    public func run(maximumCycles: Int? = nil) throws {
        // --idle needs IDLE: refuse before delivering anything rather than after a first cycle.
        if settings.idleTimeout != nil && !connection.session.capabilities.contains(.idle) {
            throw PullError.missingCapability(section: settings.section, capability: "IDLE", purpose: "--idle (RFC 2177)")
        }
        try start()
        try cycle(skipFetchIfUnchanged: true)
        guard let idleTimeout = settings.idleTimeout else { return }
        var cycles = 1
        let idle = IdleLoop(connection: connection, log: log)
        while maximumCycles.map({ cycles < $0 }) ?? true {
            var timeout = idleTimeout
            if let untilPurge = settings.purge.delay(lastPurge: lastPurge, now: now()) { timeout = min(timeout, untilPurge) }
            // After a timeout too: the UID FETCH is cheap when nothing arrived, and it covers a
            // server that failed to announce a message; a due purge runs with the cycle.
            _ = try idle.waitForNewMail(timeout: timeout)
            try cycle()
            cycles += 1
        }
    }
}
