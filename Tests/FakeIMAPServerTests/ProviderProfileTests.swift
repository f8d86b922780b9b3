import Engine
@testable import FakeIMAPServer
import Foundation
import TestSupport
import XCTest

/// Each provider profile: the capabilities it advertises are the ones it honours, and each
/// reported quirk shows where that server shows it.
final class ProviderProfileTests: FakeServerTestCase {
    func serve(_ name: String, _ change: (inout FakeIMAPServerConfiguration) -> Void = { _ in }) throws -> FakeIMAPServer {
        var config = FakeIMAPServerConfiguration()
        config.apply(try XCTUnwrap(ProviderProfile.named(name)))
        change(&config)
        return FakeIMAPServer(store: store, configuration: config, faults: faults)
    }

    func testEveryProfileAdvertisesItsListAndIsFoundByName() throws {
        XCTAssertEqual(ProviderProfile.all.map(\.name), ["gmail", "outlook", "yahoo", "icloud", "proton", "courier", "dovecot"])
        for profile in ProviderProfile.all {
            XCTAssertEqual(ProviderProfile.named(profile.name.uppercased()), profile)
            let c = IMAPTestClient(stream: try serve(profile.name).connect())
            let greeting = try c.readResponse()
            XCTAssertEqual(greeting.text, "* PREAUTH [CAPABILITY \(profile.capabilities.joined(separator: " "))] Logged in as fake", profile.name)
            c.stream.close()
        }
        XCTAssertNil(ProviderProfile.named("hotmail"))
        let gmail = Set(ProviderProfile.gmail.capabilities)
        XCTAssertTrue(gmail.isSuperset(of: ["CONDSTORE", "LIST-STATUS", "LITERAL-", "UIDPLUS", "MOVE", "ESEARCH"]))
        XCTAssertTrue(gmail.isDisjoint(with: ["QRESYNC", "NOTIFY", "MULTIAPPEND", "LITERAL+"]))
        XCTAssertTrue(Set(ProviderProfile.outlook.capabilities).isDisjoint(with: ["CONDSTORE", "QRESYNC", "LIST-STATUS", "NOTIFY", "ENABLE", "MULTIAPPEND"]))
        XCTAssertTrue(Set(ProviderProfile.icloud.capabilities).isDisjoint(with: ["LIST-EXTENDED", "LIST-STATUS", "NOTIFY"]))
        XCTAssertEqual(ProviderProfile.proton.capabilities, ["IMAP4rev1", "IDLE", "MOVE", "UIDPLUS"])
        XCTAssertEqual(ProviderProfile.courier.capabilities.filter { ["UIDPLUS", "IDLE", "CONDSTORE", "QRESYNC"].contains($0) }, ["UIDPLUS", "IDLE"])
    }

    func testGmailCondStoreWithoutQResyncAndItsTextlessHighestModSeq() throws {
        _ = try store.append(to: "INBOX", message("one"))
        let c = try connect(try serve("gmail"))
        XCTAssertEqual(try c.command("ENABLE QRESYNC").untagged("ENABLED").first?.text, "* ENABLED")
        let select = try c.command("SELECT INBOX (CONDSTORE)")
        XCTAssertEqual(select.status, "OK")
        XCTAssertTrue(select.untagged.contains { $0.text.range(of: #"^\* OK \[HIGHESTMODSEQ \d+\]$"#, options: .regularExpression) != nil },
                      select.untagged.map(\.text).joined(separator: "\n"))
        XCTAssertEqual(try c.command("UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1)").status, "OK")
        XCTAssertEqual(try c.command("UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)").status, "BAD")
        XCTAssertEqual(try c.command("SELECT INBOX (QRESYNC (1 1))").status, "BAD")
        XCTAssertEqual(try c.command("NOTIFY SET (selected MessageNew)").status, "BAD")
        let esearch = try c.command("UID SEARCH RETURN (MIN MAX COUNT ALL) ALL")
        XCTAssertEqual(esearch.untagged("ESEARCH").first?.text, "* ESEARCH (TAG \"\(esearch.tagged.tag)\") UID MIN 1 MAX 1 COUNT 1 ALL 1")
    }

    func testGmailRefusesMultiAppendAndLargeNonSynchronizingLiterals() throws {
        let c = try connect(try serve("gmail"))
        let small = message("small"), large = message("large") + Array(repeating: UInt8(ascii: "x"), count: 5000) + [13, 10]
        XCTAssertEqual(try c.command([.text("APPEND INBOX "), .literalPlus(small)]).status, "OK")
        let refused = try c.command([.text("APPEND INBOX "), .literalPlus(large)])
        XCTAssertEqual(refused.status, "BAD")
        XCTAssertEqual(refused.code, "TOOBIG")
        XCTAssertEqual(try c.command([.text("APPEND INBOX "), .literal(large)]).status, "OK")
        XCTAssertEqual(try c.command([.text("APPEND INBOX "), .literal(small), .text(" "), .literal(small)]).status, "BAD")
        XCTAssertEqual(store.mailbox("INBOX")?.messages.count, 2)
        // The session is still in step after the refused literal.
        XCTAssertEqual(try c.command("NOOP").status, "OK")
    }

    func testGmailRefusesTheSixteenthConnection() throws {
        let gmail = try serve("gmail")
        var open: [IMAPTestClient] = []
        for _ in 1...15 { open.append(try connect(gmail)) }
        let c = IMAPTestClient(stream: gmail.connect())
        XCTAssertEqual(try c.readResponse().text, "* BYE [ALERT] Too many simultaneous connections. (Failure)")
        open.removeLast().stream.close()
        // Closing one frees its slot (once its session has ended).
        var greeting = ""
        for _ in 1...50 {
            let again = IMAPTestClient(stream: gmail.connect())
            greeting = try again.readResponse().text
            if greeting.hasPrefix("* PREAUTH") { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        XCTAssertTrue(greeting.hasPrefix("* PREAUTH"), greeting)

        // With LOGIN, the sixteenth gets a greeting and its login is refused.
        let withLogin = try serve("gmail") { $0.authentication = .credentials(user: "u", password: "p"); $0.connectionLimit = 1 }
        let first = try connect(withLogin)
        XCTAssertEqual(try first.command("LOGIN u p").status, "OK")
        let second = try connect(withLogin)
        let login = try second.command("LOGIN u p")
        XCTAssertEqual(login.status, "NO")
        XCTAssertEqual(login.code, "ALERT")
    }

    func testOutlookStatusTrailingSpaceAndMissingExtensions() throws {
        let c = try connect(try serve("outlook"))
        let status = try c.command("STATUS INBOX (MESSAGES UIDNEXT)")
        XCTAssertEqual(status.untagged("STATUS").first?.text, "* STATUS INBOX (MESSAGES 0 UIDNEXT 1) ")
        XCTAssertEqual(try c.command("STATUS INBOX (HIGHESTMODSEQ)").status, "BAD")
        XCTAssertEqual(try c.command("ENABLE CONDSTORE").status, "BAD")
        XCTAssertEqual(try c.command("LIST \"\" \"*\" RETURN (STATUS (MESSAGES))").status, "BAD")
        XCTAssertEqual(try c.command("LIST (SUBSCRIBED) \"\" \"*\"").status, "BAD")
        XCTAssertEqual(try c.command("LIST \"\" (INBOX Work)").status, "BAD")
        XCTAssertEqual(try c.command("LIST \"\" \"*\"").status, "OK")
        XCTAssertEqual(try c.command("LSUB \"\" \"*\"").status, "OK")
        _ = try c.command("SELECT INBOX")
        XCTAssertEqual(try c.command("UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1)").status, "BAD")
        XCTAssertEqual(try c.command("UID FETCH 1:* (MODSEQ)").status, "BAD")
        XCTAssertEqual(try c.command("UID SEARCH RETURN (ALL) ALL").status, "BAD")
    }

    func testYahooHighestModSeqWithoutCondStoreAndMessageLimit() throws {
        for i in 1...5 { _ = try store.append(to: "INBOX", message("m\(i)")) }
        let c = try connect(try serve("yahoo") { $0.messageLimit = 3 })
        let select = try c.command("SELECT INBOX")
        XCTAssertTrue(select.untagged.contains { $0.text.hasPrefix("* OK [HIGHESTMODSEQ ") })
        XCTAssertEqual(try c.command("UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1)").status, "BAD")
        XCTAssertEqual(try c.command("ENABLE CONDSTORE").status, "BAD")
        let limited = try c.command("UID FETCH 1:* (FLAGS)")
        XCTAssertEqual(uids(limited), [1, 2, 3])
        XCTAssertEqual(limited.status, "OK")
        XCTAssertEqual(limited.code, "LIMIT")
        XCTAssertEqual(uids(try c.command("UID FETCH 4:* (FLAGS)")), [4, 5])
        let bySequence = try c.command("FETCH 1:* (FLAGS)")
        XCTAssertEqual(bySequence.status, "NO")
        XCTAssertEqual(bySequence.code, "LIMIT")
        XCTAssertEqual(try c.command("UID SEARCH ALL").untagged("SEARCH").first?.text, "* SEARCH 1 2 3")
        XCTAssertNil(try c.command("UID FETCH 1:2 (FLAGS)").code)
    }

    func testICloudOmitsEnabledAndSendsMalformedVanished() throws {
        for i in 1...4 { _ = try store.append(to: "INBOX", message("m\(i)")) }
        let c = try connect(try serve("icloud"))
        let enable = try c.command("ENABLE QRESYNC")
        XCTAssertEqual(enable.status, "OK")
        XCTAssertTrue(enable.untagged("ENABLED").isEmpty)
        _ = try c.command("SELECT INBOX")
        let modSeq = try XCTUnwrap(store.mailbox("INBOX")?.highestModSeq)
        let other = try connect(try serve("icloud"))
        _ = try other.command("SELECT INBOX")
        _ = try other.command("UID STORE 1,3 +FLAGS.SILENT (\\Deleted)")
        _ = try other.command("UID EXPUNGE 1,3")
        let noop = try c.command("NOOP")
        XCTAssertEqual(noop.untagged("VANISHED").first?.text, "* VANISHED 1 3")
        let earlier = try c.command("UID FETCH 1:* (FLAGS) (CHANGEDSINCE \(modSeq) VANISHED)")
        XCTAssertEqual(earlier.untagged("VANISHED").first?.text, "* VANISHED (EARLIER) 1 3")
        XCTAssertEqual(try c.command("LIST \"\" \"*\" RETURN (CHILDREN)").status, "BAD")
    }

    func testProtonLeavesOutEverySecondAppendUID() throws {
        let c = try connect(try serve("proton"))
        var codes: [String?] = []
        for i in 1...4 { codes.append(try c.command([.text("APPEND INBOX "), .literal(message("p\(i)"))]).code) }
        XCTAssertEqual(codes.map { $0 != nil }, [true, false, true, false])
        XCTAssertTrue(codes[0]?.hasPrefix("APPENDUID ") ?? false)
        XCTAssertEqual(try c.command([.text("APPEND INBOX "), .literalPlus(message("p5"))]).status, "BAD")
        XCTAssertEqual(try c.command("ENABLE CONDSTORE").status, "BAD")
        XCTAssertEqual(try c.command("NAMESPACE").status, "BAD")
        _ = try c.command("SELECT INBOX")
        XCTAssertEqual(try c.command("UNSELECT").status, "BAD")
        XCTAssertEqual(try c.command("UID MOVE 1 INBOX").status, "OK")
    }

    func testCourierIsPlainIMAP4rev1WithUIDPlusAndIdle() throws {
        _ = try store.append(to: "INBOX", message("c1"))
        let c = try connect(try serve("courier"))
        XCTAssertEqual(try c.command("ENABLE QRESYNC").status, "BAD")
        XCTAssertEqual(try c.command("SELECT INBOX (CONDSTORE)").status, "BAD")
        let select = try c.command("SELECT INBOX")
        XCTAssertFalse(select.untagged.contains { $0.text.contains("HIGHESTMODSEQ") })
        XCTAssertEqual(try c.command("UID STORE 1 +FLAGS.SILENT (\\Deleted)").status, "OK")
        XCTAssertEqual(try c.command("UID EXPUNGE 1").status, "OK")
        XCTAssertEqual(try c.command("UID MOVE 1 INBOX").status, "BAD")
    }
}
