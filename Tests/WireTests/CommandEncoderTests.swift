import XCTest
@testable import Engine

final class CommandEncoderTests: XCTestCase {
    private let sync = CommandEncoder()
    private let plus = CommandEncoder(literalMode: .literalPlus)

    private func line(_ c: Command, tag: String = "a1", encoder: CommandEncoder = CommandEncoder(literalMode: .literalPlus)) -> String {
        String(decoding: encoder.encode(c, tag: tag).bytes, as: UTF8.self)
    }

    func testSimpleCommands() {
        XCTAssertEqual(line(.capability), "a1 CAPABILITY\r\n")
        XCTAssertEqual(line(.noop), "a1 NOOP\r\n")
        XCTAssertEqual(line(.logout), "a1 LOGOUT\r\n")
        XCTAssertEqual(line(.startTLS), "a1 STARTTLS\r\n")
        XCTAssertEqual(line(.unselect), "a1 UNSELECT\r\n")
        XCTAssertEqual(line(.close), "a1 CLOSE\r\n")
        XCTAssertEqual(line(.namespace), "a1 NAMESPACE\r\n")
        XCTAssertEqual(line(.expunge), "a1 EXPUNGE\r\n")
        XCTAssertEqual(line(.idle), "a1 IDLE\r\n")
        XCTAssertEqual(CommandEncoder.idleDone, wire("DONE\r\n"))
        XCTAssertEqual(line(.compressDeflate), "a1 COMPRESS DEFLATE\r\n")
        XCTAssertEqual(line(.enable(["QRESYNC"])), "a1 ENABLE QRESYNC\r\n")
        XCTAssertEqual(line(.enable(["CONDSTORE", "QRESYNC"])), "a1 ENABLE CONDSTORE QRESYNC\r\n")
        XCTAssertEqual(line(.id(nil)), "a1 ID NIL\r\n")
        XCTAssertEqual(line(.id([IDParameter(key: "name", value: "interimap"), IDParameter(key: "os", value: nil)])),
                       "a1 ID (\"name\" \"interimap\" \"os\" NIL)\r\n")
    }

    func testStringRepresentationChoice() {
        // Atom when possible.
        XCTAssertEqual(line(.login(username: "user", password: "secret")), "a1 LOGIN user secret\r\n")
        // Quoted when it has specials (with escapes).
        XCTAssertEqual(line(.login(username: "a b", password: "p\"q\\r")), "a1 LOGIN \"a b\" \"p\\\"q\\\\r\"\r\n")
        XCTAssertEqual(line(.login(username: "", password: "x")), "a1 LOGIN \"\" x\r\n")
        XCTAssertEqual(line(.create(MailboxName(wire: "NIL"))), "a1 CREATE \"NIL\"\r\n")
        XCTAssertEqual(line(.create(MailboxName(wire: "a]b"))), "a1 CREATE a]b\r\n")
        XCTAssertEqual(line(.create(MailboxName(wire: "a%b"))), "a1 CREATE \"a%b\"\r\n")
        // Literal for 8-bit, CR/LF, NUL, and long strings.
        XCTAssertEqual(line(.login(username: "u", password: "pässword")), "a1 LOGIN u {9+}\r\npässword\r\n")
        XCTAssertEqual(line(.login(username: "u", password: "a\r\nb")), "a1 LOGIN u {4+}\r\na\r\nb\r\n")
        XCTAssertEqual(line(.login(username: "u", password: "a\u{0}b")), "a1 LOGIN u {3+}\r\na\u{0}b\r\n")
        let long = String(repeating: "x y", count: 400)
        XCTAssertEqual(line(.login(username: "u", password: long)), "a1 LOGIN u {1200+}\r\n\(long)\r\n")
        let longQuotable = String(repeating: "z ", count: 500)
        XCTAssertEqual(line(.login(username: "u", password: longQuotable)), "a1 LOGIN u \"\(longQuotable)\"\r\n")
    }

    func testSynchronizingLiteralsSplitSegments() {
        let c = Command.login(username: "üser", password: "pässword")
        let s = sync.encode(c, tag: "a1")
        XCTAssertEqual(s.segments.map { String(decoding: $0, as: UTF8.self) }, ["a1 LOGIN {5}\r\n", "üser {9}\r\n", "pässword\r\n"])
        XCTAssertTrue(s.needsContinuations)
        let p = plus.encode(c, tag: "a1")
        XCTAssertEqual(p.segments.count, 1)
        XCTAssertFalse(p.needsContinuations)
        XCTAssertEqual(String(decoding: p.bytes, as: UTF8.self), "a1 LOGIN {5+}\r\nüser {9+}\r\npässword\r\n")
    }

    func testLiteralMinusAndCapabilities() {
        XCTAssertEqual(CommandEncoder(capabilities: CapabilitySet(["IMAP4rev1", "literal+"])).literalMode, .literalPlus)
        XCTAssertEqual(CommandEncoder(capabilities: CapabilitySet(["IMAP4rev1", "LITERAL-"])).literalMode, .literalMinus)
        XCTAssertEqual(CommandEncoder(capabilities: CapabilitySet(["IMAP4rev1"])).literalMode, .synchronizing)
        let minus = CommandEncoder(literalMode: .literalMinus)
        let small = AppendMessage(body: [UInt8](repeating: 0x61, count: 4096))
        let big = AppendMessage(body: [UInt8](repeating: 0x62, count: 4097))
        let e = minus.encode(.append(.inbox, messages: [small, big]), tag: "t")
        XCTAssertEqual(e.segments.count, 2)
        XCTAssertTrue(String(decoding: e.segments[0], as: UTF8.self).hasPrefix("t APPEND INBOX {4096+}\r\naaaa"))
        XCTAssertTrue(String(decoding: e.segments[0], as: UTF8.self).hasSuffix("aaa {4097}\r\n"))
        XCTAssertEqual(e.segments[1].count, 4097 + 2)
    }

    func testMultiAppend() throws {
        let date = try InternalDate(parsing: "17-Jul-1996 02:44:25 -0700")
        let m1 = AppendMessage(flags: [.seen, Flag("$Forwarded")], internalDate: date, body: wire("Subject: 1\r\n\r\none\r\n"))
        let m2 = AppendMessage(body: wire("Subject: 2\r\n\r\n"))
        XCTAssertEqual(line(.append(MailboxName("Sent Items"), messages: [m1, m2]), tag: "A003"),
                       "A003 APPEND \"Sent Items\" (\\Seen $Forwarded) \"17-Jul-1996 02:44:25 -0700\" {19+}\r\nSubject: 1\r\n\r\none\r\n {14+}\r\nSubject: 2\r\n\r\n\r\n")
        let s = sync.encode(.append(MailboxName("Sent Items"), messages: [m1, m2]), tag: "A003")
        XCTAssertEqual(s.segments.map { String(decoding: $0, as: UTF8.self) }, [
            "A003 APPEND \"Sent Items\" (\\Seen $Forwarded) \"17-Jul-1996 02:44:25 -0700\" {19}\r\n",
            "Subject: 1\r\n\r\none\r\n {14}\r\n",
            "Subject: 2\r\n\r\n\r\n",
        ])
    }

    func testSelectWithCondStoreAndQResync() {
        XCTAssertEqual(line(.select(.inbox)), "a1 SELECT INBOX\r\n")
        XCTAssertEqual(line(.examine(MailboxName("a b"), parameters: [.condStore])), "a1 EXAMINE \"a b\" (CONDSTORE)\r\n")
        XCTAssertEqual(line(.select(.inbox, parameters: [.qresync(QResyncParameters(uidValidity: 67_890_007, modSeq: 20_050_715_194_045_000))])),
                       "a1 SELECT INBOX (QRESYNC (67890007 20050715194045000))\r\n")
        let q = QResyncParameters(uidValidity: 67_890_007, modSeq: 20_050_715_194_045_000,
                                  knownUIDs: SequenceSet(ranges: [41...41, 43...211, 214...541]),
                                  sequenceMatch: .init(sequenceNumbers: SequenceSet([1, 2, 3]), uids: SequenceSet([41, 43, 44])))
        XCTAssertEqual(line(.select(.inbox, parameters: [.qresync(q)])),
                       "a1 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541 (1:3 41,43:44)))\r\n")
        // Mailbox names go out in modified UTF-7.
        XCTAssertEqual(line(.select(MailboxName("~peter/mail/台北/日本語"))), "a1 SELECT ~peter/mail/&U,BTFw-/&ZeVnLIqe-\r\n")
    }

    func testList() {
        XCTAssertEqual(line(.list(reference: MailboxName(wire: ""), patterns: [MailboxName(wire: "*")])), "a1 LIST \"\" *\r\n")
        XCTAssertEqual(line(.list(reference: MailboxName(wire: ""), patterns: [MailboxName(wire: "INBOX"), MailboxName(wire: "a b/%")],
                                  selectionOptions: [.subscribed, .recursiveMatch],
                                  returnOptions: [.children, .subscribed, .status([.messages, .uidNext, .uidValidity, .highestModSeq])])),
                       "a1 LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (INBOX \"a b/%\") RETURN (CHILDREN SUBSCRIBED STATUS (MESSAGES UIDNEXT UIDVALIDITY HIGHESTMODSEQ))\r\n")
        XCTAssertEqual(line(.lsub(reference: MailboxName(wire: "#news."), pattern: MailboxName(wire: "comp.mail.*"))), "a1 LSUB \"#news.\" comp.mail.*\r\n")
        XCTAssertEqual(line(.status(MailboxName(wire: "blurdybloop"), items: [.uidNext, .messages, .unseen, .recent, .other("SIZE")])),
                       "a1 STATUS blurdybloop (UIDNEXT MESSAGES UNSEEN RECENT SIZE)\r\n")
    }

    func testFetchAndStore() {
        XCTAssertEqual(line(.uidFetch(SequenceSet.from(300), items: [.flags], modifiers: FetchModifiers(changedSince: 12345, vanished: true))),
                       "a1 UID FETCH 300:* (FLAGS) (CHANGEDSINCE 12345 VANISHED)\r\n")
        XCTAssertEqual(line(.uidFetch(SequenceSet([1, 2, 3, 7]), items: [.uid, .modSeq, .flags, .internalDate, .rfc822Size, .envelope, .body()])),
                       "a1 UID FETCH 1:3,7 (UID MODSEQ FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY.PEEK[])\r\n")
        XCTAssertEqual(line(.fetch(SequenceSet([5]), items: [.body(section: BodySection(kind: .headerFields(["From", "Message-ID"])), peek: false,
                                                                    partial: .init(origin: 0, length: 1024)), .bodyStructure, .rfc822])),
                       "a1 FETCH 5 (BODY[HEADER.FIELDS (From Message-ID)]<0.1024> BODYSTRUCTURE RFC822)\r\n")
        XCTAssertEqual(line(.uidStore(SequenceSet([4, 5, 6]), operation: StoreOperation(.add, silent: true), flags: [.seen, .deleted])),
                       "a1 UID STORE 4:6 +FLAGS.SILENT (\\Seen \\Deleted)\r\n")
        XCTAssertEqual(line(.uidStore(SequenceSet([7]), unchangedSince: 320_162_338, operation: .remove, flags: [Flag("$Junk")])),
                       "a1 UID STORE 7 (UNCHANGEDSINCE 320162338) -FLAGS ($Junk)\r\n")
        XCTAssertEqual(line(.store(SequenceSet([1]), operation: .replace, flags: [])), "a1 STORE 1 FLAGS ()\r\n")
        XCTAssertEqual(line(.uidExpunge(SequenceSet(ranges: [3000...3002, 3004...3004]))), "a1 UID EXPUNGE 3000:3002,3004\r\n")
    }

    func testSearch() throws {
        let feb = try XCTUnwrap(SearchDate(year: 1994, month: 2, day: 1))
        XCTAssertEqual(line(.uidSearch(.all)), "a1 UID SEARCH ALL\r\n")
        XCTAssertEqual(line(.uidSearch(.and([.uid(SequenceSet.from(10)), .unseen, .before(feb)]))), "a1 UID SEARCH UID 10:* UNSEEN BEFORE 1-Feb-1994\r\n")
        XCTAssertEqual(line(.uidSearch(.and([.since(feb), .seen, .not(.deleted), .modSeq(620_162_338)]))),
                       "a1 UID SEARCH SINCE 1-Feb-1994 SEEN NOT DELETED MODSEQ 620162338\r\n")
        XCTAssertEqual(line(.search(.or(.and([.seen, .flagged]), .raw("HEADER Subject \"x\"")))),
                       "a1 SEARCH OR (SEEN FLAGGED) HEADER Subject \"x\"\r\n")
        XCTAssertEqual(line(.uidSearch(.and([]))), "a1 UID SEARCH ALL\r\n")
    }

    func testMailboxManagement() {
        XCTAssertEqual(line(.create(MailboxName("a/b"))), "a1 CREATE a/b\r\n")
        XCTAssertEqual(line(.delete(MailboxName("x y"))), "a1 DELETE \"x y\"\r\n")
        XCTAssertEqual(line(.rename(from: MailboxName("old"), to: MailboxName("néw"))), "a1 RENAME old n&AOk-w\r\n")
        XCTAssertEqual(line(.subscribe(MailboxName("&"))), "a1 SUBSCRIBE &-\r\n")
        XCTAssertEqual(line(.unsubscribe(.inbox)), "a1 UNSUBSCRIBE INBOX\r\n")
    }

    func testAuthenticate() {
        XCTAssertEqual(line(.authenticate(mechanism: "PLAIN", initialResponse: wire("\0user\0pass"))), "a1 AUTHENTICATE PLAIN AHVzZXIAcGFzcw==\r\n")
        XCTAssertEqual(line(.authenticate(mechanism: "EXTERNAL", initialResponse: [])), "a1 AUTHENTICATE EXTERNAL =\r\n")
        XCTAssertEqual(line(.authenticate(mechanism: "LOGIN", initialResponse: nil)), "a1 AUTHENTICATE LOGIN\r\n")
        XCTAssertEqual(CommandEncoder.authenticationResponse(wire("user")), wire("dXNlcg==\r\n"))
        XCTAssertEqual(CommandEncoder.authenticationCancel, wire("*\r\n"))
    }

    func testNotify() {
        let c = Command.notifySet(status: true, groups: [
            NotifyEventGroup(.selected, events: [.messageNew([.uid, .body(section: BodySection(kind: .headerFields(["from", "to", "subject"])))]), .messageExpunge, .flagChange]),
            NotifyEventGroup(.subtree([MailboxName("Lists")]), events: [.messageNew([])]),
            NotifyEventGroup(.mailboxes([MailboxName("a"), MailboxName("b c")]), events: [.messageNew([]), .messageExpunge]),
            NotifyEventGroup(.personal, events: [.mailboxName, .subscriptionChange]),
            NotifyEventGroup(.inboxes, events: []),
        ])
        XCTAssertEqual(line(c, tag: "b"),
                       "b NOTIFY SET STATUS (SELECTED (MessageNew (UID BODY.PEEK[HEADER.FIELDS (from to subject)]) MessageExpunge FlagChange)) (SUBTREE Lists (MessageNew)) (MAILBOXES (a \"b c\") (MessageNew MessageExpunge)) (PERSONAL (MailboxName SubscriptionChange)) (INBOXES NONE)\r\n")
        XCTAssertEqual(line(.notifySet(status: false, groups: [NotifyEventGroup(.selectedDelayed, events: [.messageExpunge]), NotifyEventGroup(.subscribed, events: [.flagChange])])),
                       "a1 NOTIFY SET (SELECTED-DELAYED (MessageExpunge)) (SUBSCRIBED (FlagChange))\r\n")
        XCTAssertEqual(line(.notifyNone), "a1 NOTIFY NONE\r\n")
    }

    func testLogDescriptions() {
        XCTAssertEqual(Command.login(username: "user", password: "hunter2").redactedDescription(tag: "a1"), "a1 LOGIN user [REDACTED]")
        XCTAssertEqual(CommandEncoder.logDescription(.login(username: "user", password: "hunter2"), tag: "a1", redactingSecrets: false), "a1 LOGIN user hunter2")
        XCTAssertEqual(Command.authenticate(mechanism: "PLAIN", initialResponse: wire("\0u\0p")).redactedDescription(tag: "a2"), "a2 AUTHENTICATE PLAIN [REDACTED]")
        let append = Command.append(.inbox, messages: [AppendMessage(flags: [.seen], body: [UInt8](repeating: 0x41, count: 5000))])
        XCTAssertEqual(append.redactedDescription(tag: "a3"), "a3 APPEND INBOX (\\Seen) {5000}…")
        XCTAssertFalse(append.redactedDescription(tag: "a3").contains("AAAA"))
        XCTAssertEqual(Command.uidFetch(SequenceSet([1]), items: [.uid]).redactedDescription(tag: "a4"), "a4 UID FETCH 1 (UID)")
    }

    /// The parser accepts what the encoder produces where the grammars overlap (strings).
    func testEncodedStringsRoundTripThroughTheParser() throws {
        for name in ["plain", "a b", "q\"uote\\", "", "x]y", "ünï", "line\r\nbreak", String(repeating: "long ", count: 300)] {
            var w = CommandWriter(purpose: .wire(.literalPlus))
            w.raw("* LIST () \"/\" ")
            w.astring(Array(name.utf8))
            let input = w.finish().bytes.map { $0 }
            let input2 = String(decoding: input, as: UTF8.self).replacingOccurrences(of: "+}", with: "}")
            guard case .list(let l)? = try untagged(input2) else { XCTFail(name); continue }
            XCTAssertEqual(l.name.wireBytes, name.uppercased() == "INBOX" ? wire("INBOX") : Array(name.utf8), name)
        }
    }
}
