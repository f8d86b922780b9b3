import Engine
import FakeIMAPServer
import Foundation
import TestSupport
import XCTest

/// The acceptance test of the simulator: the reference interimap (Debian package `interimap`),
/// an independent client, synchronises two fake-imapd stores (different hierarchy delimiters)
/// through an initial sync and two rounds of changes on both sides, and both stores end equal.
final class ReferenceInterimapTests: XCTestCase {
    static let interimap = "/usr/bin/interimap"

    var dir: URL!
    var keepDirectory = false

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("interimap-fake-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDown() {
        if !keepDirectory, let dir { try? FileManager.default.removeItem(at: dir) }
    }

    func message(_ subject: String, _ text: String = "Hello.") -> [UInt8] {
        Array("From: alice@example.org\r\nTo: bob@example.net\r\nSubject: \(subject)\r\nMessage-ID: <\(subject.replacingOccurrences(of: " ", with: "."))@example.org>\r\n\r\n\(text)\r\n".utf8)
    }

    /// Loads a state file's store, lets `body` change it as another client would, saves it.
    func change(_ path: String, _ body: (FakeIMAPStore) throws -> Void) throws {
        let file = FakeIMAPStateFile(path: path)
        try file.withLock {
            let store = try file.loadStore()
            try body(store)
            try file.save(store)
        }
    }

    func uid(of body: [UInt8], in mailbox: String, _ store: FakeIMAPStore) throws -> UInt32 {
        let found = store.mailbox(mailbox)?.messages.first { $0.body == body }?.uid
        return try XCTUnwrap(found, "no message \(String(decoding: body.prefix(60), as: UTF8.self)) in \(mailbox)")
    }

    /// Mailbox content independent of server details: names with the delimiter normalised,
    /// each message as its flags (without \Recent) and body, sorted.
    func content(_ path: String) throws -> [String: [String]] {
        let store = try FakeIMAPStateFile(path: path).loadStore()
        var out: [String: [String]] = [:]
        for box in store.mailboxes {
            let name = box.name.replacingOccurrences(of: String(store.delimiter), with: "\u{1}")
            out[name] = box.messages.map { m in
                m.flags.subtracting([.recent]).map(\.rawValue).sorted().joined(separator: " ") + "|" + String(decoding: m.body, as: UTF8.self)
            }.sorted()
        }
        return out
    }

    func runInterimap(round: Int, config: String) throws {
        let log = dir.appendingPathComponent("interimap-\(round).log")
        let p = try RunningProcess(Self.interimap, ["--config=\(config)", "--debug"],
                                   environment: ["XDG_CONFIG_HOME": dir.appendingPathComponent("config").path,
                                                 "XDG_DATA_HOME": dir.appendingPathComponent("data").path, "HOME": dir.path],
                                   stdout: .file(log.path), stderr: .merged)
        let result = p.stop(after: 60, with: SIGTERM).result
        if result.status != 0 {
            keepDirectory = true
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            XCTFail("interimap round \(round) exited with status \(result.status); log kept at \(log.path):\n" + text.suffix(4000))
        }
    }

    func assertEqualStores(_ a: String, _ b: String, round: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let ca = try content(a), cb = try content(b)
        if ca != cb {
            keepDirectory = true
            var diff: [String] = []
            for name in Set(ca.keys).union(cb.keys).sorted() where ca[name] != cb[name] {
                diff.append("\(name.replacingOccurrences(of: "\u{1}", with: "/")):\n  local:  \(ca[name] ?? [])\n  remote: \(cb[name] ?? [])")
            }
            XCTFail("stores differ after round \(round) (logs in \(dir.path)):\n" + diff.joined(separator: "\n"), file: file, line: line)
        }
    }

    func testReferenceInterimapSyncsTwoFakeStoresAcrossTwoRoundsOfChanges() throws {
        _ = try RequiredTool.require(Self.interimap)
        let fakeIMAPD = try RequiredTool.product("fake-imapd")
        let a = dir.appendingPathComponent("local.json").path
        let b = dir.appendingPathComponent("remote.json").path
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("config"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("data"), withIntermediateDirectories: true)
        let config = dir.appendingPathComponent("config/interimap.conf").path
        try """
            database = \(dir.appendingPathComponent("data/interimap.db").path)

            [local]
            type = tunnel
            command = \(fakeIMAPD) --state \(a) --first-uidvalidity 100

            [remote]
            type = tunnel
            command = \(fakeIMAPD) --state \(b) --delimiter . --first-uidvalidity 500

            """.write(toFile: config, atomically: true, encoding: .utf8)

        // Initial content: a hierarchy on each side, with flags and keywords.
        try FakeIMAPStateFile(path: a, delimiter: "/", firstUIDValidity: 100).save(FakeIMAPStore(delimiter: "/", firstUIDValidity: 100))
        try FakeIMAPStateFile(path: b, delimiter: ".", firstUIDValidity: 500).save(FakeIMAPStore(delimiter: ".", firstUIDValidity: 500))
        try change(a) { s in
            try s.append(to: "INBOX", message("one"), flags: [.seen])
            try s.append(to: "INBOX", message("two"), flags: [.flagged, Flag("$Label1")])
            try s.createMailbox("Work")
            try s.append(to: "Work", message("three"))
            try s.createMailbox("Work/Projects")
            try s.append(to: "Work/Projects", message("four"), flags: [.answered, .seen])
            try s.createMailbox("Archive/2024")
            try s.append(to: "Archive/2024", message("five"), flags: [.seen])
        }
        try change(b) { s in
            try s.append(to: "INBOX", message("six"))
            try s.createMailbox("Lists")
            try s.append(to: "Lists", message("seven"), flags: [.seen])
            try s.createMailbox("Lists.swift")
            try s.append(to: "Lists.swift", message("eight"), flags: [.draft])
        }
        try runInterimap(round: 1, config: config)
        try assertEqualStores(a, b, round: 1)
        let afterFirst = try content(a)
        XCTAssertEqual(afterFirst.count, 6, "mailboxes after the initial sync: \(afterFirst.keys.sorted())")
        XCTAssertEqual(afterFirst["INBOX"]?.count, 3)

        // Round 2: new messages, flag changes and expunges on both sides, a new mailbox.
        try change(a) { s in
            try s.append(to: "INBOX", message("nine"))
            try s.store(in: "INBOX", uids: SequenceSet([try uid(of: message("one"), in: "INBOX", s)]), flags: [.flagged], .add)
            try s.expunge(in: "INBOX", uids: SequenceSet([try uid(of: message("two"), in: "INBOX", s)]))
            try s.append(to: "Lists/swift", message("ten"), flags: [Flag("$Label2")])
        }
        try change(b) { s in
            try s.append(to: "Work.Projects", message("eleven"))
            try s.store(in: "Lists", uids: SequenceSet([try uid(of: message("seven"), in: "Lists", s)]), flags: [.seen], .remove)
            try s.expunge(in: "Work", uids: SequenceSet([try uid(of: message("three"), in: "Work", s)]))
            try s.createMailbox("New")
            try s.append(to: "New", message("twelve"), flags: [.seen, .flagged])
        }
        try runInterimap(round: 2, config: config)
        try assertEqualStores(a, b, round: 2)
        let afterSecond = try content(b)
        XCTAssertEqual(afterSecond["INBOX"]?.count, 3)
        XCTAssertEqual(afterSecond["Work"]?.count, 0)
        XCTAssertEqual(afterSecond["New"]?.count, 1)

        // Round 3: a flag conflict (both sides change the same message: interimap sets the
        // union), the same message expunged on both sides, more new mail.
        try change(a) { s in
            try s.store(in: "INBOX", uids: SequenceSet([try uid(of: message("six"), in: "INBOX", s)]), flags: [.draft], .add)
            try s.expunge(in: "New", uids: SequenceSet([try uid(of: message("twelve"), in: "New", s)]))
            for i in 0..<5 { try s.append(to: "Work/Projects", message("batch \(i)")) }
        }
        try change(b) { s in
            try s.store(in: "INBOX", uids: SequenceSet([try uid(of: message("six"), in: "INBOX", s)]), flags: [Flag("$Important")], .add)
            try s.expunge(in: "New", uids: SequenceSet([try uid(of: message("twelve"), in: "New", s)]))
            try s.append(to: "INBOX", message("thirteen"), flags: [.answered])
        }
        try runInterimap(round: 3, config: config)
        try assertEqualStores(a, b, round: 3)
        let final = try content(a)
        XCTAssertEqual(final["Work\u{1}Projects"]?.count, 7)
        XCTAssertTrue(final["INBOX"]?.contains { $0.hasPrefix("$Important \\Draft|") && $0.contains("Subject: six") } ?? false,
                      "conflicting flag updates end as the union: \(final["INBOX"] ?? [])")
    }
}
