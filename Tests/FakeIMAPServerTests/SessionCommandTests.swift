import Engine
@testable import FakeIMAPServer
import Foundation
import TestSupport
import XCTest

/// One test per command family, against the in-process server.
final class SessionCommandTests: FakeServerTestCase {
    func testPreauthGreetingAdvertisesDefaultCapabilities() throws {
        let c = IMAPTestClient(stream: server.connect())
        let greeting = try c.readResponse()
        XCTAssertTrue(greeting.text.hasPrefix("* PREAUTH [CAPABILITY IMAP4rev1 "))
        for cap in ["LITERAL+", "SASL-IR", "ENABLE", "IDLE", "NAMESPACE", "UIDPLUS", "LIST-EXTENDED", "LIST-STATUS", "CONDSTORE",
                    "QRESYNC", "MULTIAPPEND", "UNSELECT", "MOVE", "NOTIFY", "COMPRESS=DEFLATE", "CHILDREN"] {
            XCTAssertTrue(greeting.words.contains(cap) || greeting.text.contains(" \(cap)"), "missing \(cap)")
        }
        XCTAssertEqual(try c.command("NOOP").status, "OK")
        let logout = try c.command("LOGOUT")
        XCTAssertEqual(logout.untagged.first?.text, "* BYE Logging out")
        c.stream.close()
    }

    func testLoginAndAuthenticate() throws {
        let s = FakeIMAPServer(store: store, configuration: .init(authentication: .credentials(user: "u", password: "p w")))
        var c = try connect(s)
        XCTAssertEqual(try c.command("SELECT INBOX").status, "BAD")
        let bad = try c.command("LOGIN u wrong")
        XCTAssertEqual(bad.status, "NO")
        XCTAssertEqual(bad.code, "AUTHENTICATIONFAILED")
        let ok = try c.command("LOGIN u \"p w\"")
        XCTAssertEqual(ok.status, "OK")
        XCTAssertTrue(ok.code?.hasPrefix("CAPABILITY ") ?? false)
        XCTAssertEqual(try c.command("LOGIN u \"p w\"").status, "BAD")

        // AUTHENTICATE PLAIN with an initial response (SASL-IR, RFC 4959).
        c = try connect(s)
        let ir = Data("\0u\0p w".utf8).base64EncodedString()
        XCTAssertEqual(try c.command("AUTHENTICATE PLAIN \(ir)").status, "OK")

        // AUTHENTICATE LOGIN with challenges.
        c = try connect(s)
        try c.sendLine("a AUTHENTICATE LOGIN")
        XCTAssertEqual(try c.readResponse().text, "+ " + Data("Username:".utf8).base64EncodedString())
        try c.sendLine(Data("u".utf8).base64EncodedString())
        XCTAssertEqual(try c.readResponse().tag, "+")
        try c.sendLine(Data("p w".utf8).base64EncodedString())
        XCTAssertEqual(try c.readUntilTagged("a").status, "OK")
    }

    func testEnableNamespaceAndStatus() throws {
        let c = try connect()
        let enabled = try c.command("ENABLE QRESYNC")
        XCTAssertEqual(enabled.untagged.map(\.text), ["* ENABLED QRESYNC"])
        XCTAssertEqual(try c.command("NAMESPACE").untagged.map(\.text), ["* NAMESPACE ((\"\" \"/\")) NIL NIL"])
        try store.append(to: "INBOX", message("a"), flags: [.seen])
        try store.append(to: "INBOX", message("b"))
        let st = try c.command("STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY UNSEEN HIGHESTMODSEQ)")
        XCTAssertEqual(st.untagged.map(\.text), ["* STATUS INBOX (MESSAGES 2 UIDNEXT 3 UIDVALIDITY 1000 UNSEEN 1 HIGHESTMODSEQ 3)"])
        let missing = try c.command("STATUS nothere (MESSAGES)")
        XCTAssertEqual(missing.status, "NO")
        XCTAssertNil(missing.code, "dovecot gives no code for STATUS of a missing mailbox")
    }

    func testCreateDeleteRenameAndList() throws {
        let c = try connect()
        XCTAssertEqual(try c.command("CREATE a/b/c").status, "OK")
        XCTAssertEqual(try c.command("CREATE a").status, "OK")
        let exists = try c.command("CREATE a")
        XCTAssertEqual(exists.code, "ALREADYEXISTS")
        XCTAssertEqual(try c.command("CREATE inbox").code, "ALREADYEXISTS")
        let plain = try c.command("LIST \"\" \"*\"").untagged.map(\.text)
        XCTAssertEqual(plain, ["* LIST (\\HasNoChildren) \"/\" INBOX", "* LIST (\\HasChildren) \"/\" a",
                               "* LIST (\\Noselect \\HasChildren) \"/\" a/b", "* LIST (\\HasNoChildren) \"/\" a/b/c"])
        XCTAssertEqual(try c.command("LIST \"\" \"%\"").untagged.count, 2)
        XCTAssertEqual(try c.command("LIST \"\" \"\"").untagged.map(\.text), ["* LIST (\\Noselect) \"/\" \"\""])
        // Hierarchical rename.
        XCTAssertEqual(try c.command("RENAME a x").status, "OK")
        XCTAssertEqual(store.mailboxNames, ["INBOX", "x", "x/b/c"])
        XCTAssertEqual(try c.command("RENAME nothere y").code, "NONEXISTENT")
        XCTAssertEqual(try c.command("RENAME x x/y").status, "NO")
        // dovecot refuses to rename INBOX; the store API does it as RFC 3501 §6.3.5 says
        // (messages move, INBOX stays, empty).
        try store.append(to: "INBOX", message("m"))
        XCTAssertEqual(try c.command("RENAME INBOX old").code, "CANNOT")
        try store.renameMailbox("INBOX", to: "old")
        XCTAssertEqual(store.mailbox("INBOX")?.messages.count, 0)
        XCTAssertEqual(store.mailbox("old")?.messages.count, 1)
        XCTAssertEqual(try c.command("DELETE INBOX").status, "NO")
        XCTAssertEqual(try c.command("DELETE nothere").code, "NONEXISTENT")
        XCTAssertEqual(try c.command("DELETE x").status, "OK")
        XCTAssertEqual(try c.command("LIST \"\" \"x*\"").untagged.map(\.text),
                       ["* LIST (\\Noselect \\HasChildren) \"/\" x", "* LIST (\\Noselect \\HasChildren) \"/\" x/b", "* LIST (\\HasNoChildren) \"/\" x/b/c"])
        // Modified UTF-7 names (RFC 3501 §5.1.3).
        XCTAssertEqual(try c.command("CREATE \"Entw&APw-rfe\"").status, "OK")
        XCTAssertNotNil(store.mailbox("Entwürfe"))
        XCTAssertEqual(try c.command("CREATE \"bad&-&Jjo\"").status, "NO")
    }

    func testListExtendedAndListStatus() throws {
        let c = try connect()
        try store.createMailbox("Lists")
        try store.createMailbox("Lists/swift")
        try store.append(to: "Lists/swift", message("x"))
        store.subscribe("Lists/swift")
        store.subscribe("INBOX")
        let r = try c.command("LIST \"\" * RETURN (SUBSCRIBED CHILDREN STATUS (MESSAGES UIDNEXT))").untagged.map(\.text)
        XCTAssertEqual(r, [
            "* LIST (\\Subscribed \\HasNoChildren) \"/\" INBOX", "* STATUS INBOX (MESSAGES 0 UIDNEXT 1)",
            "* LIST (\\HasChildren) \"/\" Lists", "* STATUS Lists (MESSAGES 0 UIDNEXT 1)",
            "* LIST (\\Subscribed \\HasNoChildren) \"/\" Lists/swift", "* STATUS Lists/swift (MESSAGES 1 UIDNEXT 2)",
        ])
        let sub = try c.command("LIST (SUBSCRIBED RECURSIVEMATCH) \"\" %").untagged.map(\.text)
        XCTAssertEqual(sub, ["* LIST (\\Subscribed) \"/\" INBOX", "* LIST () \"/\" Lists (\"CHILDINFO\" (\"SUBSCRIBED\"))"])
        XCTAssertEqual(try c.command("LSUB \"\" *").untagged.map(\.text), ["* LSUB () \"/\" INBOX", "* LSUB () \"/\" Lists/swift"])
        XCTAssertEqual(try c.command("SUBSCRIBE nothere").status, "NO")
        XCTAssertEqual(try c.command("UNSUBSCRIBE INBOX").status, "OK")
        XCTAssertEqual(store.subscriptions, ["Lists/swift"])
    }

    func testSelectReportsStateAndClosedOnReselect() throws {
        try store.append(to: "INBOX", message("a"), flags: [.seen])
        try store.append(to: "INBOX", message("b"))
        let c = try connect()
        let sel = try c.command("SELECT INBOX (CONDSTORE)")
        XCTAssertEqual(sel.code, "READ-WRITE")
        XCTAssertEqual(sel.untagged.map(\.text), [
            "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)",
            "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted.",
            "* 2 EXISTS", "* 2 RECENT", "* OK [UNSEEN 2] First unseen.", "* OK [UIDVALIDITY 1000] UIDs valid",
            "* OK [UIDNEXT 3] Predicted next UID", "* OK [HIGHESTMODSEQ 3] Highest",
        ])
        let again = try c.command("EXAMINE INBOX")
        XCTAssertEqual(again.untagged.first?.text, "* OK [CLOSED] Previous mailbox closed.")
        XCTAssertTrue(again.untagged.contains { $0.text == "* 0 RECENT" }, "\\Recent goes to the first session only")
        XCTAssertEqual(again.code, "READ-ONLY")
        XCTAssertEqual(try c.command("STORE 1 +FLAGS (\\Flagged)").tagged.text, "t3 OK Store ignored with read-only mailbox.")
        let failed = try c.command("SELECT nothere")
        XCTAssertEqual(failed.untagged.map(\.text), ["* OK [CLOSED] Previous mailbox closed."])
        XCTAssertEqual(failed.status, "NO")
        XCTAssertEqual(try c.command("FETCH 1 FLAGS").status, "BAD", "no mailbox selected after a failed SELECT")
    }

    func testFetchItems() throws {
        let date = try XCTUnwrap(WireFormat.parseDateTime("17-Jul-1996 02:44:25 -0700"))
        try store.append(to: "INBOX", message("hello"), flags: [.flagged], internalDate: date.0, timeZoneOffset: date.1)
        let c = try connect()
        try c.command("SELECT INBOX")
        let r = try c.command("UID FETCH 1:* (FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY.PEEK[HEADER.FIELDS (Subject)] BODY.PEEK[]<0.4>)")
        XCTAssertEqual(r.untagged.count, 1)
        let line = try XCTUnwrap(r.untagged.first)
        XCTAssertTrue(line.text.hasPrefix("* 1 FETCH (UID 1 FLAGS (\\Flagged \\Recent) INTERNALDATE \"17-Jul-1996 09:44:25 +0000\" RFC822.SIZE \(message("hello").count) ENVELOPE (\"Mon, 7 Feb 1994 21:52:25 -0800\" \"hello\" ((\"Alice\" NIL \"alice\" \"example.org\"))"), line.text)
        XCTAssertTrue(line.text.contains("((NIL NIL \"bob\" \"example.net\")(\"Carol C\" NIL \"carol\" \"example.net\"))"), line.text)
        XCTAssertEqual(line.literals.map { String(decoding: $0, as: UTF8.self) }, ["Subject: hello\r\n\r\n", "Date"])
        XCTAssertTrue(line.text.contains("BODY[HEADER.FIELDS (Subject)] {18}"))
        XCTAssertTrue(line.text.contains("BODY[]<0> {4}"))
        // BODY[] without PEEK sets \Seen and reports the new flags (RFC 3501 §6.4.5).
        let seen = try c.command("FETCH 1 BODY[TEXT]")
        XCTAssertEqual(seen.untagged.first.map(flags), ["\\Flagged", "\\Seen"])
        XCTAssertTrue(store.mailbox("INBOX")?.messages[0].flags.contains(.seen) ?? false)
        XCTAssertEqual(try c.command("FETCH 2 FLAGS").status, "BAD", "sequence number beyond EXISTS")
        XCTAssertEqual(try c.command("UID FETCH 5:* UID").untagged.count, 1, "5:* includes the largest UID (RFC 3501 §9)")
    }

    func testStoreAndModSeqMonotonicPerMailbox() throws {
        for i in 0..<3 { try store.append(to: "INBOX", message("m\(i)")) }
        let c = try connect()
        try c.command("ENABLE CONDSTORE")
        try c.command("SELECT INBOX")
        var last = store.mailbox("INBOX")?.highestModSeq ?? 0
        func check(_ what: String) {
            let now = store.mailbox("INBOX")?.highestModSeq ?? 0
            XCTAssertGreaterThan(now, last, "HIGHESTMODSEQ must grow with \(what)")
            last = now
        }
        let r = try c.command("STORE 1:2 +FLAGS (\\Seen)")
        XCTAssertEqual(r.untagged("FETCH").count, 2)
        XCTAssertEqual(r.untagged.first.flatMap { item("MODSEQ", in: $0) }, "\(last + 1)")
        check("STORE")
        // A STORE that changes nothing keeps the mod-sequence and, as in dovecot, sends no FETCH.
        let noop = try c.command("STORE 1 +FLAGS (\\Seen)")
        XCTAssertEqual(noop.untagged("FETCH").count, 0)
        XCTAssertEqual(store.mailbox("INBOX")?.highestModSeq, last)
        let silent = try c.command("UID STORE 3 +FLAGS.SILENT (\\Answered)")
        XCTAssertEqual(silent.untagged.map(\.text), ["* 3 FETCH (UID 3 MODSEQ (\(last + 1)))"], "RFC 7162 §3.1.3: .SILENT still reports MODSEQ")
        check("STORE.SILENT")
        try c.command("STORE 3 FLAGS (\\Deleted $Custom)")
        check("FLAGS replace")
        XCTAssertEqual(store.mailbox("INBOX")?.keywords, ["$Custom"])
        try store.append(to: "INBOX", message("other client"))
        check("APPEND")
        let expunge = try c.command("EXPUNGE")
        XCTAssertEqual(expunge.untagged("EXPUNGE").map(\.text), ["* 3 EXPUNGE"])
        check("EXPUNGE")
        XCTAssertEqual(expunge.code, "HIGHESTMODSEQ \(last)")
        let modseqs = store.mailbox("INBOX")?.messages.map(\.modSeq) ?? []
        XCTAssertTrue(modseqs.allSatisfy { $0 <= last })
        XCTAssertEqual(try c.command("STORE 1 +FLAGS (\\Recent)").status, "BAD")
    }

    func testUnchangedSinceConflictReturnsModified() throws {
        for i in 0..<3 { try store.append(to: "INBOX", message("m\(i)")) }
        let c = try connect()
        try c.command("ENABLE QRESYNC")
        try c.command("SELECT INBOX")
        let base = store.mailbox("INBOX")?.highestModSeq ?? 0
        // Another client changes message 2 after the client read `base`.
        try store.store(in: "INBOX", uids: SequenceSet([2]), flags: [.flagged], .add)
        let r = try c.command("UID STORE 1:3 (UNCHANGEDSINCE \(base)) +FLAGS.SILENT (\\Seen)")
        XCTAssertEqual(r.status, "OK")
        XCTAssertEqual(r.code, "MODIFIED 2")
        let box = try XCTUnwrap(store.mailbox("INBOX"))
        XCTAssertEqual(box.messages.map { $0.flags.contains(.seen) }, [true, false, true])
        // The other client's change is reported (FETCH with UID and MODSEQ under QRESYNC).
        XCTAssertTrue(r.untagged.contains { $0.text.contains("UID 2") && $0.text.contains("FLAGS (\\Flagged") }, "\(r.untagged)")
        // By sequence number MODIFIED holds sequence numbers.
        try store.store(in: "INBOX", uids: SequenceSet([3]), flags: [.draft], .add)
        let r2 = try c.command("STORE 1,3 (UNCHANGEDSINCE \(base + 2)) -FLAGS (\\Seen)")
        XCTAssertEqual(r2.code, "MODIFIED 3")
    }

    func testQResyncSelectReportsExactVanishedEarlier() throws {
        for i in 0..<6 { try store.append(to: "INBOX", message("m\(i)")) }
        try store.expunge(in: "INBOX", uids: SequenceSet([1]))  // before the client's state
        let known = try XCTUnwrap(store.mailbox("INBOX")).highestModSeq
        try store.expunge(in: "INBOX", uids: SequenceSet([3, 4]))
        try store.store(in: "INBOX", uids: SequenceSet([5]), flags: [.seen], .add)
        let c = try connect()
        try c.command("ENABLE QRESYNC")
        // RFC 7162 §3.2.5.1: only UIDs expunged after the given mod-sequence.
        let r = try c.command("SELECT INBOX (QRESYNC (1000 \(known)))")
        XCTAssertEqual(r.untagged("VANISHED").map(\.text), ["* VANISHED (EARLIER) 3:4"])
        XCTAssertEqual(r.untagged("FETCH").map(\.text), ["* 2 FETCH (UID 5 FLAGS (\\Seen \\Recent) MODSEQ (\(known + 2)))"])
        // Known UIDs restrict the report.
        let r2 = try c.command("SELECT INBOX (QRESYNC (1000 \(known) 1:3,6))")
        XCTAssertEqual(r2.untagged("VANISHED").map(\.text), ["* VANISHED (EARLIER) 3"])
        XCTAssertEqual(r2.untagged("FETCH").count, 0)
        // From mod-sequence 0... no: everything expunged since the beginning.
        let r3 = try c.command("SELECT INBOX (QRESYNC (1000 1))")
        XCTAssertEqual(r3.untagged("VANISHED").map(\.text), ["* VANISHED (EARLIER) 1,3:4"])
        // A different UIDVALIDITY: no VANISHED, no FETCH.
        let r4 = try c.command("SELECT INBOX (QRESYNC (999 1))")
        XCTAssertEqual(r4.untagged("VANISHED").count + r4.untagged("FETCH").count, 0)
        // UID FETCH ... (CHANGEDSINCE m VANISHED) (RFC 7162 §3.2.6).
        let f = try c.command("UID FETCH 1:* (FLAGS) (CHANGEDSINCE \(known) VANISHED)")
        XCTAssertEqual(f.untagged.first?.text, "* VANISHED (EARLIER) 3:4")
        XCTAssertEqual(uids(f), [5])
        XCTAssertTrue(f.untagged("FETCH").allSatisfy { item("MODSEQ", in: $0) != nil }, "CHANGEDSINCE implies MODSEQ")
        // QRESYNC parameter without ENABLE QRESYNC is BAD.
        let c2 = try connect()
        XCTAssertEqual(try c2.command("SELECT INBOX (QRESYNC (1000 1))").status, "BAD")
    }

    func testExpungesAreReportedAsVanishedAfterEnableQResync() throws {
        for i in 0..<4 { try store.append(to: "INBOX", message("m\(i)")) }
        let c = try connect()
        try c.command("SELECT INBOX")
        try store.expunge(in: "INBOX", uids: SequenceSet([2, 3]))
        // Not during FETCH (RFC 3501 §7.4.1)...
        let f = try c.command("FETCH 1:4 (UID)")
        XCTAssertEqual(f.untagged("EXPUNGE").count, 0)
        XCTAssertEqual(uids(f), [1, 2, 3, 4], "expunged messages not yet reported are still answered, as dovecot does")
        // ...but at NOOP, with sequence numbers adjusted as they go.
        XCTAssertEqual(try c.command("NOOP").untagged.map(\.text), ["* 2 EXPUNGE", "* 2 EXPUNGE", "* 2 RECENT"])
        let q = try connect()
        try q.command("ENABLE QRESYNC")
        try q.command("SELECT INBOX")
        try store.expunge(in: "INBOX", uids: SequenceSet([1, 4]))
        let n = try q.command("NOOP")
        XCTAssertEqual(n.untagged.map(\.text), ["* VANISHED 1,4"])
        XCTAssertTrue(n.code?.hasPrefix("HIGHESTMODSEQ ") ?? false)
    }

    func testUnsolicitedExistsAndFlagsFromAnotherClient() throws {
        try store.append(to: "INBOX", message("a"))
        let c = try connect()
        try c.command("ENABLE CONDSTORE")
        try c.command("SELECT INBOX")
        try store.append(to: "INBOX", message("b"))
        try store.store(in: "INBOX", uids: SequenceSet([1]), flags: [.seen], .add)
        let r = try c.command("NOOP")
        let m = store.mailbox("INBOX")?.messages[0].modSeq ?? 0
        XCTAssertEqual(r.untagged.map(\.text), ["* 1 FETCH (UID 1 FLAGS (\\Seen \\Recent) MODSEQ (\(m)))", "* 2 EXISTS", "* 2 RECENT"])
    }

    func testAppendMultiappendLiteralPlusAndAppendUID() throws {
        let c = try connect()
        let r = try c.command([.text("APPEND INBOX (\\Seen) \"05-Jan-2024 10:00:00 +0100\" "), .literalPlus(message("a")),
                               .text(" () "), .literal(message("b"))])
        XCTAssertEqual(r.status, "OK")
        XCTAssertEqual(r.code, "APPENDUID 1000 1:2")
        let box = try XCTUnwrap(store.mailbox("INBOX"))
        XCTAssertEqual(box.messages.map(\.flags), [[.seen], []])
        XCTAssertEqual(box.messages[0].timeZoneOffset, 3600)
        XCTAssertEqual(box.uidNext, 3)
        XCTAssertEqual(box.messages[0].modSeq, box.messages[1].modSeq, "one MULTIAPPEND is one change")
        let missing = try c.command([.text("APPEND nothere "), .literalPlus(message("c"))])
        XCTAssertEqual(missing.code, "TRYCREATE")
        XCTAssertEqual(try c.command([.text("APPEND INBOX "), .literalPlus([])]).status, "NO")
        // Appending to the selected mailbox: EXISTS before the tagged OK.
        try c.command("SELECT INBOX")
        let sel = try c.command([.text("APPEND INBOX "), .literalPlus(message("d"))])
        XCTAssertEqual(sel.untagged("EXISTS").map(\.text), ["* 3 EXISTS"])
    }

    func testCopyMoveAndUidExpunge() throws {
        for i in 0..<4 { try store.append(to: "INBOX", message("m\(i)"), flags: i == 0 ? [.deleted] : []) }
        try store.createMailbox("Dest")
        let dest = try XCTUnwrap(store.mailbox("Dest")).uidValidity
        let c = try connect()
        try c.command("ENABLE QRESYNC")
        try c.command("SELECT INBOX")
        let copy = try c.command("UID COPY 2:3 Dest")
        XCTAssertEqual(copy.code, "COPYUID \(dest) 2:3 1:2")
        XCTAssertEqual(try c.command("COPY 1 nothere").code, "TRYCREATE")
        let move = try c.command("UID MOVE 4 Dest")
        XCTAssertEqual(move.untagged.map(\.text), ["* OK [COPYUID \(dest) 4 3] Moved UIDs.", "* VANISHED 4", "* 3 RECENT"])
        XCTAssertEqual(store.mailbox("Dest")?.messages.count, 3)
        // UID EXPUNGE only removes \Deleted messages of the set (RFC 4315 §2.1).
        try c.command("UID STORE 2 +FLAGS.SILENT (\\Deleted)")
        let ux = try c.command("UID EXPUNGE 2:3")
        XCTAssertEqual(ux.untagged("VANISHED").map(\.text), ["* VANISHED 2"])
        XCTAssertEqual(store.mailbox("INBOX")?.messages.map(\.uid), [1, 3])
        XCTAssertEqual(try c.command("CLOSE").status, "OK")
        XCTAssertEqual(store.mailbox("INBOX")?.messages.map(\.uid), [3], "CLOSE expunges \\Deleted silently")
        XCTAssertEqual(try c.command("UNSELECT").status, "BAD")
    }

    func testSearch() throws {
        let d1 = try XCTUnwrap(WireFormat.parseDateTime("01-Feb-2024 12:00:00 +0000"))
        let d2 = try XCTUnwrap(WireFormat.parseDateTime("10-Mar-2024 12:00:00 +0000"))
        try store.append(to: "INBOX", message("alpha"), flags: [.seen], internalDate: d1.0)
        try store.append(to: "INBOX", message("beta"), flags: [.deleted], internalDate: d2.0)
        try store.append(to: "INBOX", message("gamma"), internalDate: d2.0)
        try store.store(in: "INBOX", uids: SequenceSet([3]), flags: [.flagged], .add)
        let c = try connect()
        try c.command("SELECT INBOX")
        func search(_ q: String) throws -> String { try c.command(q).untagged.first?.text ?? "" }
        XCTAssertEqual(try search("SEARCH ALL"), "* SEARCH 1 2 3")
        XCTAssertEqual(try search("SEARCH SEEN"), "* SEARCH 1")
        XCTAssertEqual(try search("SEARCH UNSEEN"), "* SEARCH 2 3")
        XCTAssertEqual(try search("SEARCH DELETED"), "* SEARCH 2")
        XCTAssertEqual(try search("UID SEARCH UID 2:*"), "* SEARCH 2 3")
        XCTAssertEqual(try search("SEARCH BEFORE 1-Mar-2024"), "* SEARCH 1")
        XCTAssertEqual(try search("SEARCH SINCE 1-Mar-2024"), "* SEARCH 2 3")
        XCTAssertEqual(try search("SEARCH OR SEEN FLAGGED"), "* SEARCH 1 3")
        XCTAssertEqual(try search("SEARCH NOT (SEEN)"), "* SEARCH 2 3")
        XCTAssertEqual(try search("SEARCH SUBJECT gam"), "* SEARCH 3")
        let modseq = store.mailbox("INBOX")?.messages[2].modSeq ?? 0
        XCTAssertEqual(try search("SEARCH MODSEQ \(modseq)"), "* SEARCH 3 (MODSEQ \(modseq))")
        XCTAssertEqual(try c.command("SEARCH FOO").status, "BAD")
    }

    func testIdleReceivesChangesFromAnotherClient() throws {
        try store.append(to: "INBOX", message("a"))
        let c = try connect()
        try c.command("ENABLE QRESYNC")
        try c.command("SELECT INBOX")
        try c.sendLine("i IDLE")
        XCTAssertEqual(try c.readResponse().text, "+ idling")
        let other = try connect()
        try other.command([.text("APPEND INBOX "), .literalPlus(message("b"))])
        XCTAssertEqual(try c.readResponse().text, "* 2 EXISTS")
        XCTAssertEqual(try c.readResponse().text, "* 2 RECENT")
        _ = try c.readResponse()  // HIGHESTMODSEQ
        try store.expunge(in: "INBOX", uids: SequenceSet([1]))
        XCTAssertEqual(try c.readResponse().text, "* VANISHED 1")
        try c.sendLine("DONE")
        XCTAssertEqual(try c.readUntilTagged("i").status, "OK")
    }

    func testNotifyEventsAcrossTwoSessions() throws {
        try store.createMailbox("foo")
        let a = try connect()
        try a.command("ENABLE QRESYNC")
        try a.command("SELECT INBOX")
        let set = try a.command("NOTIFY SET STATUS (SELECTED (MessageNew (UID FLAGS) MessageExpunge FlagChange)) (PERSONAL (MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange))")
        XCTAssertEqual(set.status, "OK")
        XCTAssertEqual(set.untagged.map(\.text), ["* STATUS foo (MESSAGES 0 UIDNEXT 1 UIDVALIDITY 1001 UNSEEN 0 HIGHESTMODSEQ 1)"])
        let b = try connect()
        // Another mailbox: STATUS.
        try b.command([.text("APPEND foo "), .literalPlus(message("x"))])
        XCTAssertEqual(try a.readResponse().text, "* STATUS foo (MESSAGES 1 UIDNEXT 2 UNSEEN 1 HIGHESTMODSEQ 2)")
        try b.command("SELECT foo")
        try b.command("STORE 1 +FLAGS (\\Seen)")
        XCTAssertEqual(try a.readResponse().text, "* STATUS foo (UNSEEN 0 HIGHESTMODSEQ 3)")
        // The selected mailbox: EXISTS and the requested FETCH.
        try b.command([.text("APPEND INBOX "), .literalPlus(message("y"))])
        XCTAssertEqual(try a.readResponse().text, "* 1 EXISTS")
        XCTAssertEqual(try a.readResponse().text, "* 1 RECENT")
        XCTAssertTrue(try a.readResponse().text.hasPrefix("* OK [HIGHESTMODSEQ"))
        XCTAssertEqual(try a.readResponse().text, "* 1 FETCH (UID 1 FLAGS (\\Recent))")
        // Mailbox names and subscriptions.
        try b.command("CREATE bar")
        XCTAssertEqual(try a.readResponse().text, "* LIST () \"/\" bar")
        try b.command("RENAME bar baz")
        XCTAssertEqual(try a.readResponse().text, "* LIST () \"/\" baz (\"OLDNAME\" (bar))")
        try b.command("SUBSCRIBE baz")
        XCTAssertEqual(try a.readResponse().text, "* LIST (\\Subscribed) \"/\" baz")
        try b.command("DELETE baz")
        XCTAssertEqual(try a.readResponse().text, "* LIST (\\NonExistent) \"/\" baz")
        XCTAssertEqual(try a.command("NOTIFY NONE").status, "OK")
        let bad = try a.command("NOTIFY SET (PERSONAL (MessageNew))")
        XCTAssertEqual(bad.status, "BAD", "MessageNew needs MessageExpunge (RFC 5465 §5)")
        XCTAssertEqual(try a.command("NOTIFY SET (PERSONAL (AnnotationChange))").code?.hasPrefix("BADEVENT"), true)
    }

    func testAnotherClientChangingUIDValidityAndDeletingTheSelectedMailbox() throws {
        try store.createMailbox("box")
        try store.append(to: "box", message("a"))
        let c = try connect()
        try c.command("SELECT box")
        try store.setUIDValidity("box", to: 4242, renumber: true)
        try c.sendLine("n NOOP")
        XCTAssertTrue(try c.readResponse().text.hasPrefix("* BYE"))
        let c2 = try connect()
        XCTAssertTrue(try c2.command("SELECT box").untagged.contains { $0.text == "* OK [UIDVALIDITY 4242] UIDs valid" })
        try store.deleteMailbox("box")
        try c2.sendLine("n NOOP")
        XCTAssertEqual(try c2.readResponse().text, "* BYE Selected mailbox was deleted, have to disconnect.")
    }

    func testNoModSeqMailbox() throws {
        try store.append(to: "INBOX", message("a"))
        try store.setNoModSeq("INBOX", true)
        let c = try connect()
        try c.command("ENABLE CONDSTORE")
        let sel = try c.command("SELECT INBOX")
        XCTAssertTrue(sel.untagged.contains { $0.text == "* OK [NOMODSEQ] No permanent modsequences" })
        XCTAssertEqual(try c.command("FETCH 1 (MODSEQ)").status, "BAD")
        XCTAssertEqual(try c.command("STATUS INBOX (HIGHESTMODSEQ)").untagged.first?.text, "* STATUS INBOX (HIGHESTMODSEQ 0)")
    }
}
