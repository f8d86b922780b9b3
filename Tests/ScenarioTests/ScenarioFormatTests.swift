import XCTest
@testable import scenario

/// The scenario file format: what a good file turns into, and one-line errors naming the file,
/// the line and the key for bad ones.
final class ScenarioFormatTests: XCTestCase {
    let now = Date(timeIntervalSince1970: 1_700_000_000)

    func parse(_ text: String) throws -> Scenario {
        try ScenarioParser.parse(text: text, path: "t.ini", now: now)
    }

    /// The error text for `text`, which must not parse.
    func error(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            _ = try parse(text)
            XCTFail("the scenario parsed", file: file, line: line)
            return ""
        } catch {
            let description = String(describing: error)
            XCTAssertFalse(description.contains("\n"), "one line: \(description)", file: file, line: line)
            return description
        }
    }

    func testParsesServersContentConfigurationStepsAndExpectations() throws {
        let s = try parse("""
            description = An example.
            # a comment
            [server local]
            delimiter = /
            subscribed = INBOX
            [server remote]
            delimiter = .
            withhold-capability = COMPRESS=DEFLATE
            [mailbox local INBOX]
            message = m1 \\Seen $Label1 date=2024-01-02T10:00:00+0100
            message = bulk{1..3}
            [mailbox remote "Sent Items"]
            message = s1 body=Subject: hi\\n\\nHello.
            [interimap]
            list-mailbox = *
            [interimap local]
            list-reference = perso/
            [run interimap]
            args = --debug
            [change remote]
            append = "Sent Items" s2 \\Draft
            add-flags = INBOX m1 : \\Flagged
            [fault remote]
            drop-after = UID FETCH:3
            [run interimap]
            [expect]
            exit = nonzero
            messages local INBOX = m1 bulk{1..3}
            flags remote "Sent Items" s1 = \\Seen
            db-uidnext local INBOX = current
            """)
        XCTAssertEqual(s.name, "t")
        XCTAssertEqual(s.description, "An example.")
        XCTAssertEqual(s.servers.map(\.name), ["local", "remote"])
        XCTAssertEqual(s.servers[1].delimiter, ".")
        XCTAssertEqual(s.servers[1].withheldCapabilities, ["COMPRESS=DEFLATE"])
        XCTAssertEqual(s.servers[0].firstUIDValidity, 100)
        XCTAssertEqual(s.servers[1].firstUIDValidity, 200)
        XCTAssertEqual(s.servers[0].subscriptions, ["INBOX"])
        XCTAssertEqual(s.servers[0].mailboxes[0].messages.map(\.label), ["m1", "bulk1", "bulk2", "bulk3"])
        XCTAssertEqual(s.servers[0].mailboxes[0].messages[0].flags, ["\\Seen", "$Label1"])
        XCTAssertEqual(s.servers[1].mailboxes[0].name, "Sent Items")
        XCTAssertEqual(s.bodies["s1"], Array("Subject: hi\r\n\r\nHello.\r\n".utf8))
        XCTAssertEqual(s.interimapOptions[""]?.map(\.key), ["list-mailbox"])
        XCTAssertEqual(s.interimapOptions["local"]?.first?.value, "perso/")
        XCTAssertEqual(s.steps.map(\.title), ["[run interimap]", "[change remote]", "[fault remote]", "[run interimap]", "[expect]"])
        XCTAssertFalse(s.fakeOnlyReasons.isEmpty, "faults and capabilities need the fake server")
        XCTAssertEqual(s.engine, .any)
        guard case .run(let run) = s.steps[0].kind else { return XCTFail("not a run") }
        XCTAssertEqual(run.arguments, ["--debug"])
        guard case .fault(_, let faults) = s.steps[2].kind else { return XCTFail("not a fault") }
        XCTAssertEqual(faults.map(\.value), [.dropAfter(command: "UID FETCH", responses: 3)])
        XCTAssertEqual(faults[0].value.fakeIMAPDArguments, ["--drop-after", "UID FETCH:3"])
        guard case .expect(let e) = s.steps[4].kind else { return XCTFail("not an expectation") }
        XCTAssertEqual(e.count, 4)
        XCTAssertEqual(e[1].line, 28)
        guard case .messages(let server, let mailbox, let labels) = e[1].value else { return XCTFail("not messages") }
        XCTAssertEqual([server, mailbox], ["local", "INBOX"])
        XCTAssertEqual(labels, ["m1", "bulk1", "bulk2", "bulk3"])
        guard case .databaseUIDNext(_, _, .current) = e[3].value else { return XCTFail("not db-uidnext current") }
    }

    func testMessageSpecificationsFlagsDatesAndBodies() throws {
        let parser = MessageSpecParser(now: now)
        let m = try parser.parse("x \\seen Junk date=2024-01-02T10:00:00-0230 size=500", line: 1)[0]
        XCTAssertEqual(m.flags, ["\\Seen", "Junk"], "system flags are spelled canonically")
        XCTAssertEqual(m.timeZoneOffsetSeconds, -(2 * 3600 + 30 * 60))
        XCTAssertEqual(m.internalDate.timeIntervalSince1970, 1_704_198_600)
        XCTAssertEqual(m.body.count, 500)
        XCTAssertEqual(m.body.suffix(2), [13, 10])
        XCTAssertTrue(String(decoding: m.body, as: UTF8.self).contains("Message-ID: <x@scenario.example>\r\n"))
        let aged = try parser.parse("y age=3d", line: 1)[0]
        XCTAssertEqual(aged.internalDate.timeIntervalSince1970, now.timeIntervalSince1970 - 3 * 86400)
        XCTAssertEqual(try parser.parse("d date=2024-02-29", line: 1)[0].internalDate.timeIntervalSince1970, 1_709_164_800)
        let inline = try parser.parse("z body=A: b\\n\\nc \\\\ d", line: 1)[0]
        XCTAssertEqual(String(decoding: inline.body, as: UTF8.self), "A: b\r\n\r\nc \\ d\r\n")
        XCTAssertEqual(try parser.parse("r{8..10}", line: 1).map(\.label), ["r8", "r9", "r10"])
    }

    func testWordsMayBeQuoted() throws {
        XCTAssertEqual(try WordSplitter.split(#"INBOX "Sent Items" \Seen "a \"b\"""#), ["INBOX", "Sent Items", "\\Seen", "a \"b\""])
        XCTAssertThrowsError(try WordSplitter.split("\"open"))
        XCTAssertEqual(WordSplitter.quote("Sent Items"), "\"Sent Items\"")
        XCTAssertEqual(WordSplitter.quote("INBOX"), "INBOX")
    }

    func testBadFilesGiveOneLineErrorsNamingFileLineAndKey() {
        let cases: [(String, String)] = [
            ("colour = blue", "t.ini:1: key 'colour': unknown key in the header"),
            ("[server local]\n[bogus]", "t.ini:2: [bogus]: unknown section kind 'bogus'"),
            ("[server local]\n[mailbox local INBOX]\nmessage = a \\Seeen", "t.ini:3: key 'message': unknown system flag '\\Seeen'"),
            ("[change local]\ncreate = X", "t.ini:1: [change local]: unknown server 'local'"),
            ("[server local]\n[expect]\nmessages local INBOX = ghost", "t.ini:3: key 'messages local INBOX': unknown label 'ghost'"),
            ("[crash]\nat = nowhere", "t.ini:2: key 'at': unknown crash point 'nowhere'"),
            ("[server a]\n[mailbox a INBOX]\nmessage = m\nmessage = m size=900", "t.ini:4: key 'message': label 'm' already names a different message (line 3)"),
            ("[server a]\njust words", "t.ini:2: expected KEY = VALUE"),
            ("[run interimap]", "t.ini:1: [run interimap]: interimap needs a [server local] section"),
            ("[server a]\n[mailbox a INBOX]\nmessage = m date=2024-13-01", "t.ini:3: key 'message': date '2024-13-01'"),
            ("[server a]\n[expect]\nexit = maybe", "t.ini:3: key 'exit': expected an exit status"),
            ("[server a]\n[expect]\nlog-regex = (", "t.ini:3: key 'log-regex': invalid regular expression"),
            ("[server a]\nsubscribed = \"INBOX", "t.ini:2: key 'subscribed': unterminated double quote"),
            ("[server a]\n[expect]\nflags a INBOX = \\Seen", "t.ini:3: key 'flags a INBOX': expected 'flags SERVER MAILBOX LABEL = FLAG...'"),
            ("[server a]\n[fault a]\ndrop-after = 3", "t.ini:3: key 'drop-after': expected 'COMMAND:N'"),
            ("[server a]\n[change a]\nadd-flags = INBOX x \\Seen", "t.ini:3: key 'add-flags': expected 'add-flags = MAILBOX LABEL... : FLAG...'"),
            ("[server a]\n[interimap]\ncommand = x", "t.ini:3: key 'command': set by the scenario runner"),
            ("[server a]\n[fault lmtp]\nrcpt = 250 ok", "t.ini:3: key 'rcpt': expected a 4xx or 5xx reply"),
            ("[server a]\n[pullimap acct]\n[run pullimap]\nsection = other", "t.ini:3: [run pullimap]: no [pullimap other] section"),
        ]
        for (text, expected) in cases {
            let message = error(text)
            XCTAssertTrue(message.hasPrefix(expected), "for:\n\(text)\ngot:      \(message)\nexpected: \(expected)...")
        }
    }

    func testCrashPointsNeedOurEngineAndServerSideFaultsTheFakeServer() throws {
        let crash = try parse("[server local]\n[server remote]\n[crash]\nat = fetch-after-message:3\n[run interimap]")
        XCTAssertEqual(crash.engine, .ours(reason: "crash point fetch-after-message"))
        guard case .crash(let point, let count) = crash.steps[0].kind else { return XCTFail("not a crash") }
        XCTAssertEqual(point, "fetch-after-message")
        XCTAssertEqual(count, 3)
        XCTAssertTrue(crash.fakeOnlyReasons.isEmpty, "a crash is the engine's, not the server's")
        let marked = try parse("engine = ours\nengine-reason = better than the reference\n[server local]")
        XCTAssertEqual(marked.engine, .ours(reason: "better than the reference"))
        let lmtp = try parse("[server remote]\n[pullimap a]\n[fault lmtp]\nend-of-data = 451 4.3.0 later\nmessage = 2\n[run pullimap]")
        XCTAssertTrue(lmtp.fakeOnlyReasons.isEmpty, "LMTP faults are the runner's receiver, on any backend")
        guard case .receiverFault(let faults) = lmtp.steps[0].kind else { return XCTFail("not a receiver fault") }
        XCTAssertEqual(faults.map(\.value), [ReceiverFault(stage: .endOfData, action: .reply(code: 451, text: "4.3.0 later"), transaction: 2)])
        let time = try parse("[server a]\n[time]\ndays = 2\nhours = 1")
        guard case .advanceTime(let seconds) = time.steps[0].kind else { return XCTFail("not time") }
        XCTAssertEqual(seconds, 2 * 86400 + 3600)
        XCTAssertFalse(time.fakeOnlyReasons.isEmpty)
    }

    func testSkipReasons() throws {
        let s = try parse("[server local]\n[server remote]\n[crash]\nat = flags-store\n[run interimap]")
        var options = RunnerOptions(interimap: "", pullimap: "", fakeIMAPD: "", scenarioExecutable: "", engine: .reference,
                                    backend: .fake, verbose: false, keepWorkspace: false, workRoot: "/tmp")
        XCTAssertEqual(ScenarioRunner.skipReason(s, options: options), "needs our engine (crash point flags-store)")
        options.engine = .ours
        XCTAssertNil(ScenarioRunner.skipReason(s, options: options))
        let faulty = try parse("[server local]\nwithhold-capability = QRESYNC")
        options.backend = .dovecot
        XCTAssertEqual(ScenarioRunner.skipReason(faulty, options: options), "needs the fake server (line 1: server capabilities)")
    }

    func testEveryLibraryScenarioParsesAndHasAUniqueName() throws {
        let files = ScenarioTool.libraryFiles
        XCTAssertGreaterThanOrEqual(files.count, 40, "the library holds at least 40 scenarios")
        var names = Set<String>()
        for file in files {
            let s = try ScenarioParser.parse(file: file)
            XCTAssertTrue(names.insert(s.name).inserted, "\(s.name) twice")
            XCTAssertFalse(s.description.isEmpty, "\(file) has no description")
            XCTAssertTrue(s.steps.contains { if case .expect = $0.kind { return true }; return false }, "\(file) expects nothing")
        }
    }
}

/// The annotated example of Scenarios/README.md is a valid scenario.
final class ReadmeExampleTests: XCTestCase {
    func testTheAnnotatedExampleParses() throws {
        let readme = try String(contentsOfFile: ScenarioTool.libraryDirectory + "/README.md", encoding: .utf8)
        guard let start = readme.range(of: "```ini\n# The header"), let end = readme.range(of: "```", range: start.upperBound..<readme.endIndex) else {
            return XCTFail("no annotated example in Scenarios/README.md")
        }
        let text = String(readme[readme.index(start.lowerBound, offsetBy: 7)..<end.lowerBound])
        let scenario = try ScenarioParser.parse(text: text, path: "README.md")
        XCTAssertEqual(scenario.steps.count, 5)
        XCTAssertEqual(scenario.bodies.count, 6)
    }
}
