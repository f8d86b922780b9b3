import Engine
import FakeIMAPServer
import FakeLMTP
import Foundation
import XCTest

/// `--idle` in-process: new mail during IDLE is pulled without reconnecting, an IDLE is re-issued
/// when it times out, and `purge-after = N` searches again every 12 hours.
final class IdleTests: XCTestCase {
    func testNewMailDuringIdleIsPulledOnTheSameConnection() throws {
        let account = try InProcessAccount(self)
        try account.add(1...2)
        account.settings.idleTimeout = 30
        let commands = account.countCommands()
        let store = account.store
        // Once the client idles, another client appends a message.
        account.faults.beforeCommand { info, _ in
            if info.name == "IDLE" && info.session == 1 {
                DispatchQueue.global().asyncAfter(deadline: .now() + 0.2) { _ = try? store.append(to: "INBOX", testMessage(3)) }
            }
            return nil
        }
        let started = Date()
        try account.pull(maximumCycles: 2)
        XCTAssertLessThan(Date().timeIntervalSince(started), 10, "woken by EXISTS, not by the 30 s timeout")
        XCTAssertEqual(account.counts, [1: 1, 2: 1, 3: 1])
        XCTAssertEqual(account.server.sessionsStarted, 1, "no reconnection")
        XCTAssertEqual(commands.count("IDLE"), 1)
        XCTAssertEqual(account.unseenUIDs, [])
        XCTAssertEqual(try account.statefileContents(), PullStatefileContents(state: PullMailboxState(uidValidity: 4242, uidNext: 4)))
        XCTAssertEqual(account.receiver.connectionCount, 2, "one channel per cycle, each ended with QUIT")
    }

    func testIdleWithoutTheIDLECapabilityStopsBeforeDelivering() throws {
        var configuration = FakeIMAPServerConfiguration()
        configuration.capabilities.removeAll { $0 == "IDLE" }
        let account = try InProcessAccount(self, configuration: configuration)
        try account.add(1...2)
        account.settings.idleTimeout = 30
        XCTAssertThrowsError(try account.pull(maximumCycles: 2)) { error in
            XCTAssertEqual(error as? PullError, .missingCapability(section: "acct", capability: "IDLE", purpose: "--idle (RFC 2177)"))
        }
        XCTAssertEqual(account.receiver.connectionCount, 0, "nothing delivered")
        XCTAssertEqual(account.unseenUIDs, [1, 2])
    }

    func testIdleIsReissuedWhenItTimesOut() throws {
        let account = try InProcessAccount(self)
        account.settings.idleTimeout = 0.2
        let commands = account.countCommands()
        let started = Date()
        try account.pull(maximumCycles: 3)
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 0.4)
        XCTAssertEqual(commands.count("IDLE"), 2)
        XCTAssertEqual(account.receiver.connectionCount, 0)
    }

    func testPurgeSearchIsRepeatedEvery12HoursWhileIdling() throws {
        let account = try InProcessAccount(self)
        try account.add(1...1)
        account.settings.idleTimeout = 0.1
        account.settings.purge = PurgePolicy(days: 30)
        // A clock that moves 13 hours each time it is read: a search is due at every cycle.
        let clock = FakeClock(step: 13 * 3600)
        let commands = account.countCommands()
        try account.pull(maximumCycles: 3, now: clock.now)
        XCTAssertEqual(commands.count("UID SEARCH"), 3)

        // A clock that stands still: one search, at the first cycle.
        let frozen = FakeClock(step: 0)
        let again = account.countCommands()
        try account.pull(maximumCycles: 3, now: frozen.now)
        XCTAssertEqual(again.count("UID SEARCH"), 1)
    }
}

/// A clock for tests: each reading is `step` seconds after the previous one.
final class FakeClock: @unchecked Sendable {
    /// Protects `current`.
    private let lock = NSLock()
    private var current = Date()
    private let step: TimeInterval

    init(step: TimeInterval) { self.step = step }

    func now() -> Date {
        lock.withLock {
            current = current.addingTimeInterval(step)
            return current
        }
    }
}
