import Engine
import FakeIMAPServer
import Foundation
import TestSupport
import XCTest

/// The same command scripts against real dovecot (`doveadm exec imap`) and against the fake;
/// each script records what the responses mean (UIDs, flags, counts, MODSEQ ordering, VANISHED
/// sets, response codes), not their text, and the two records must be equal. Where they
/// differ, dovecot is right.
final class DovecotComparisonTests: XCTestCase {
    /// Opens sessions on one server: dovecot or the fake.
    typealias Connect = () throws -> IMAPTestClient

    func compare(_ name: String, _ scenario: (Connect) throws -> [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let dovecot = try DovecotFixture()
        defer { dovecot.cleanUp() }
        let expected: [String]
        do { expected = try scenario { try dovecot.connect() } } catch {
            XCTFail("\(name) failed against dovecot: \(error)\n\(dovecot.log)", file: file, line: line)
            return
        }
        let server = FakeIMAPServer(store: FakeIMAPStore(delimiter: "/", firstUIDValidity: 1000))
        var streams: [ByteStream] = []
        defer { streams.forEach { $0.close() } }
        let actual = try scenario {
            let s = server.connect()
            streams.append(s)
            let c = IMAPTestClient(stream: s)
            _ = try c.readResponse()
            return c
        }
        XCTAssertFalse(expected.isEmpty)
        if expected != actual {
            var lines: [String] = []
            for i in 0..<max(expected.count, actual.count) {
                let e = i < expected.count ? expected[i] : "<none>", a = i < actual.count ? actual[i] : "<none>"
                lines.append((e == a ? "  " : "≠ ") + "dovecot: \(e)" + (e == a ? "" : "\n    fake:    \(a)"))
            }
            XCTFail("\(name): the fake differs from dovecot\n" + lines.joined(separator: "\n"), file: file, line: line)
        }
    }

    // MARK: Meaning extracted from responses

    static func msg(_ subject: String) -> [UInt8] {
        Array("From: a@example.org\r\nSubject: \(subject)\r\n\r\nBody \(subject)\r\n".utf8)
    }

    /// `OK`, `NO [TRYCREATE]`, ...: the status and the code's name (values differ by server).
    static func status(_ r: IMAPCommandResult) -> String {
        r.status + (r.code.map { " [" + ($0.split(separator: " ").first.map(String.init) ?? "") + "]" } ?? "")
    }

    static func item(_ name: String, _ text: String) -> String? {
        guard let r = text.range(of: " \(name) ") ?? text.range(of: "(\(name) ") else { return nil }
        let rest = text[r.upperBound...]
        if rest.first == "(" {
            guard let close = rest.firstIndex(of: ")") else { return nil }
            return String(rest[rest.index(after: rest.startIndex)..<close])
        }
        return String(rest.prefix { $0 != " " && $0 != ")" })
    }

    static func flags(_ text: String) -> String {
        guard let f = item("FLAGS", text) else { return "-" }
        return f.split(separator: " ").map(String.init).filter { $0 != "\\Recent" }.sorted().joined(separator: " ")
    }

    /// FETCH responses as `seq:uid:flags:hasModSeq`, sorted by sequence number.
    static func fetches(_ r: IMAPCommandResult) -> String {
        r.untagged("FETCH").map { l -> String in
            let seq = l.words.count > 1 ? l.words[1] : "?"
            return "\(seq):\(item("UID", l.text) ?? "-"):\(flags(l.text)):\(item("MODSEQ", l.text) != nil ? "M" : "-")"
        }.joined(separator: " ")
    }

    static func modSeqs(_ r: IMAPCommandResult) -> [UInt64] {
        r.untagged("FETCH").compactMap { item("MODSEQ", $0.text).flatMap { UInt64($0) } }
    }

    static func highestModSeq(_ r: IMAPCommandResult) -> UInt64? {
        for l in r.untagged + [r.tagged] {
            if let c = l.code, c.hasPrefix("HIGHESTMODSEQ ") { return UInt64(c.dropFirst(14)) }
        }
        return nil
    }

    /// Untagged responses other than FETCH reduced to their kind and numbers that matter.
    static func untaggedSummary(_ r: IMAPCommandResult) -> String {
        r.untagged.compactMap { l -> String? in
            let w = l.words
            guard w.count > 1 else { return nil }
            if w.count > 2, ["EXISTS", "RECENT", "EXPUNGE"].contains(w[2]) { return "\(w[1]) \(w[2])" }
            if w[1] == "VANISHED" { return l.text.dropFirst(2).description }
            if w[1] == "OK", let code = l.code {
                let name = code.split(separator: " ").first.map(String.init) ?? ""
                switch name {
                case "UIDNEXT", "UNSEEN": return "OK [\(code)]"
                case "CLOSED", "HIGHESTMODSEQ", "NOMODSEQ", "UIDVALIDITY", "PERMANENTFLAGS": return "OK [\(name)]"
                case "COPYUID": return "OK [COPYUID " + code.split(separator: " ").dropFirst(2).joined(separator: " ") + "]"
                default: return "OK [\(name)]"
                }
            }
            if w[1] == "FLAGS" { return l.text.dropFirst(2).description }
            return nil
        }.joined(separator: ", ")
    }

    static func search(_ r: IMAPCommandResult) -> String {
        r.untagged.first { $0.words.count > 1 && $0.words[1] == "SEARCH" }.map { l in
            l.text.split(separator: " ").dropFirst(2).filter { $0.allSatisfy(\.isNumber) }.joined(separator: " ")
        } ?? "none"
    }

    // MARK: Scenarios

    func testMessageLifecycleWithQResync() throws {
        try compare("message lifecycle") { connect in
            var out: [String] = []
            let c = try connect()
            out.append("enable: " + Self.status(try c.command("ENABLE QRESYNC")))
            for (i, f) in ["(\\Seen) ", "", "($Junk) ", "(\\Flagged \\Seen) "].enumerated() {
                let r = try c.command([.text("APPEND INBOX \(f)"), .literalPlus(Self.msg("m\(i)"))])
                out.append("append: \(Self.status(r)) uid \(r.code?.split(separator: " ").last ?? "-")")
            }
            let sel = try c.command("SELECT INBOX")
            out.append("select: \(Self.status(sel)) \(Self.untaggedSummary(sel))")
            let h0 = Self.highestModSeq(sel) ?? 0
            let st = try c.command("UID STORE 1 +FLAGS (\\Flagged)")
            out.append("store: \(Self.status(st)) \(Self.fetches(st))")
            let m1 = Self.modSeqs(st).first ?? 0
            out.append("store modseq above select's: \(m1 > h0)")
            let noop = try c.command("UID STORE 1 +FLAGS (\\Flagged)")
            out.append("no-op store: \(Self.status(noop)) \(Self.fetches(noop)) same modseq \(Self.modSeqs(noop).first == m1)")
            let cond = try c.command("UID STORE 1:2 (UNCHANGEDSINCE \(h0)) +FLAGS (\\Answered)")
            out.append("conditional: \(Self.status(cond)) \(cond.code ?? "") \(Self.fetches(cond))")
            let silent = try c.command("UID STORE 2:4 +FLAGS.SILENT (\\Deleted)")
            out.append("silent: \(Self.status(silent)) \(Self.fetches(silent))")
            let h1 = Self.modSeqs(silent).max() ?? 0
            let kw = try c.command("STORE 3 +FLAGS ($NewKeyword)")
            out.append("keyword: \(Self.untaggedSummary(kw)) \(Self.fetches(kw))")
            let ux = try c.command("UID EXPUNGE 2")
            out.append("uid expunge: \(Self.status(ux)) \(Self.untaggedSummary(ux))")
            let h2 = Self.highestModSeq(ux) ?? 0
            out.append("expunge modseq grows: \(h2 > h1)")
            let f = try c.command("UID FETCH 1:* (FLAGS) (CHANGEDSINCE \(h0) VANISHED)")
            out.append("changedsince: \(Self.status(f)) \(Self.untaggedSummary(f)) \(Self.fetches(f))")
            let f2 = try c.command("UID FETCH 1:* (FLAGS) (CHANGEDSINCE \(h2))")
            out.append("nothing changed since: \(Self.fetches(f2))")
            let ex = try c.command("EXPUNGE")
            out.append("expunge: \(Self.status(ex)) \(Self.untaggedSummary(ex))")
            let all = try c.command("UID FETCH 1:* (UID FLAGS RFC822.SIZE)")
            out.append("remaining: \(Self.fetches(all)) sizes \(all.untagged("FETCH").compactMap { Self.item("RFC822.SIZE", $0.text) })")
            let body = try c.command("UID FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT)] BODY.PEEK[TEXT] BODY.PEEK[]<0.5>)")
            out.append("sections: \(body.untagged.first?.literals.map { String(decoding: $0, as: UTF8.self) } ?? [])")
            let st2 = try c.command("STATUS INBOX (MESSAGES UIDNEXT UNSEEN)")
            out.append("status: \(st2.untagged.first.map { String($0.text.drop { $0 != "(" }) } ?? "")")
            return out
        }
    }

    func testQResyncSelectAfterChangesByAnotherClient() throws {
        try compare("QRESYNC select") { connect in
            var out: [String] = []
            let a = try connect(), b = try connect()
            try a.command("ENABLE QRESYNC")
            for i in 0..<6 { try b.command([.text("APPEND INBOX "), .literalPlus(Self.msg("m\(i)"))]) }
            let sel = try a.command("SELECT INBOX")
            let uidValidity = sel.untagged.compactMap { $0.code }.first { $0.hasPrefix("UIDVALIDITY ") }.map { String($0.dropFirst(12)) } ?? "0"
            let h0 = Self.highestModSeq(sel) ?? 0
            try a.command("UNSELECT")
            try b.command("SELECT INBOX")
            try b.command("UID STORE 1,2 +FLAGS.SILENT (\\Deleted)")
            try b.command("UID EXPUNGE 1")
            try b.command("UID STORE 4 +FLAGS (\\Seen)")
            try b.command("UID STORE 6 +FLAGS.SILENT (\\Deleted)")
            try b.command("EXPUNGE")
            let r = try a.command("SELECT INBOX (QRESYNC (\(uidValidity) \(h0)))")
            out.append("qresync: \(Self.status(r)) \(Self.untaggedSummary(r)) | \(Self.fetches(r))")
            let k = try a.command("SELECT INBOX (QRESYNC (\(uidValidity) \(h0) 1:3,5))")
            out.append("known uids: \(Self.untaggedSummary(k)) | \(Self.fetches(k))")
            let wrong = try a.command("SELECT INBOX (QRESYNC (1 \(h0)))")
            out.append("other uidvalidity: \(Self.untaggedSummary(wrong)) | \(Self.fetches(wrong))")
            // Unsolicited responses at NOOP.
            try b.command([.text("APPEND INBOX "), .literalPlus(Self.msg("new"))])
            try b.command("UID STORE 3 +FLAGS (\\Flagged)")
            try b.command("UID STORE 5 +FLAGS.SILENT (\\Deleted)")
            try b.command("UID EXPUNGE 5")
            let n = try a.command("NOOP")
            out.append("noop: \(Self.untaggedSummary(n)) | \(Self.fetches(n))")
            let s = try a.command("UID SEARCH ALL")
            out.append("search: \(Self.search(s))")
            return out
        }
    }

    func testMailboxManagementAndList() throws {
        try compare("mailboxes") { connect in
            var out: [String] = []
            let c = try connect()
            for cmd in ["CREATE a/b/c", "CREATE a", "CREATE a", "CREATE inbox", "CREATE x/", "RENAME a/b/c a/d", "RENAME nothere y",
                        "RENAME a/d x", "DELETE nothere", "DELETE INBOX", "SUBSCRIBE a", "SUBSCRIBE nothere", "UNSUBSCRIBE nothere",
                        "CREATE \"Entw&APw-rfe\""] {
                out.append("\(cmd): \(Self.status(try c.command(cmd)))")
            }
            for cmd in ["LIST \"\" \"*\"", "LIST \"\" \"%\"", "LIST \"\" \"\"", "LIST \"\" \"a*\"", "LIST \"a/\" \"%\"",
                        "LIST \"\" \"*\" RETURN (CHILDREN SUBSCRIBED)", "LIST (SUBSCRIBED) \"\" \"*\"",
                        "LIST \"\" (INBOX a) RETURN (STATUS (MESSAGES UIDNEXT))", "LSUB \"\" \"*\""] {
                let r = try c.command(cmd)
                out.append("\(cmd): \(Self.status(r)) " + r.untagged.map { String($0.text.dropFirst(2)) }.sorted().joined(separator: " | "))
            }
            try c.command([.text("APPEND INBOX "), .literalPlus(Self.msg("i"))])
            out.append("rename INBOX: \(Self.status(try c.command("RENAME INBOX moved")))")
            let st = try c.command("STATUS moved (MESSAGES UIDNEXT)")
            out.append("moved: \(st.untagged.first.map { String($0.text.drop { $0 != "(" }) } ?? "")")
            let inbox = try c.command("STATUS INBOX (MESSAGES)")
            out.append("inbox: \(inbox.untagged.first.map { String($0.text.drop { $0 != "(" }) } ?? "")")
            out.append("status missing: \(Self.status(try c.command("STATUS nothere (MESSAGES)")))")
            return out
        }
    }

    func testErrorsAndResponseCodes() throws {
        try compare("errors") { connect in
            var out: [String] = []
            let c = try connect()
            try c.command("CREATE box")
            for i in 0..<2 { try c.command([.text("APPEND box "), .literalPlus(Self.msg("m\(i)"))]) }
            let steps: [String] = ["FETCH 1 FLAGS", "UNSELECT", "CLOSE", "SELECT box (QRESYNC (1 1))", "EXAMINE box",
                                   "STORE 1 +FLAGS (\\Deleted)", "EXPUNGE", "COPY 1 nothere", "UID COPY 1:2 box", "SELECT box",
                                   "FETCH 3 FLAGS", "FETCH 0 FLAGS", "UID FETCH 3:* UID", "STORE 1 +FLAGS (\\Recent)", "UID STORE 9 +FLAGS (\\Seen)",
                                   "SELECT nothere", "FETCH 1 FLAGS", "FOO", "NOOP extra"]
            for cmd in steps {
                let r = try c.command(cmd)
                out.append("\(cmd): \(Self.status(r)) \(Self.untaggedSummary(r)) \(Self.fetches(r))")
            }
            out.append("append missing: \(Self.status(try c.command([.text("APPEND nothere "), .literalPlus(Self.msg("x"))])))")
            out.append("append empty: \(Self.status(try c.command([.text("APPEND box "), .literalPlus([])])))")
            let multi = try c.command([.text("APPEND box "), .literalPlus(Self.msg("a")), .text(" (\\Seen) "), .literalPlus(Self.msg("b"))])
            out.append("multiappend: \(Self.status(multi)) \(multi.code?.split(separator: " ").last ?? "")")
            return out
        }
    }

    func testCopyMoveAndSearch() throws {
        try compare("copy, move, search") { connect in
            var out: [String] = []
            let c = try connect()
            try c.command("ENABLE QRESYNC")
            try c.command("CREATE dest")
            for (i, f) in ["(\\Seen) ", "(\\Flagged) ", "", "(\\Seen \\Deleted) ", "($Label) "].enumerated() {
                try c.command([.text("APPEND INBOX \(f)"), .literalPlus(Self.msg("m\(i)"))])
            }
            try c.command("SELECT INBOX")
            let copy = try c.command("UID COPY 2:3,5 dest")
            out.append("copy: \(Self.status(copy)) \(copy.code?.split(separator: " ").dropFirst(2).joined(separator: " ") ?? "")")
            let move = try c.command("UID MOVE 1,4 dest")
            out.append("move: \(Self.status(move)) \(Self.untaggedSummary(move))")
            for q in ["SEARCH ALL", "SEARCH SEEN", "SEARCH UNSEEN", "SEARCH FLAGGED", "SEARCH DELETED", "UID SEARCH UID 3:*",
                      "SEARCH KEYWORD $Label", "SEARCH NOT SEEN", "SEARCH OR FLAGGED KEYWORD $Label", "UID SEARCH SUBJECT m2",
                      "SEARCH SINCE 1-Jan-2000", "SEARCH BEFORE 1-Jan-2000"] {
                out.append("\(q): \(Self.search(try c.command(q)))")
            }
            let ms = try c.command("SEARCH MODSEQ 1")
            out.append("modseq search has MODSEQ: \(ms.untagged.first?.text.contains("(MODSEQ ") ?? false)")
            let d = try c.command("SELECT dest")
            out.append("dest: \(Self.untaggedSummary(d))")
            out.append("dest content: \(Self.fetches(try c.command("UID FETCH 1:* (FLAGS)")))")
            return out
        }
    }

    func testFetchItemsAndEmptyMailboxEdges() throws {
        try compare("fetch items") { connect in
            var out: [String] = []
            let c = try connect()
            try c.command("CREATE empty")
            let e = try c.command("SELECT empty")
            out.append("empty select: \(Self.untaggedSummary(e))")
            for cmd in ["UID FETCH 1:* (FLAGS)", "FETCH 1:* (FLAGS)", "UID SEARCH ALL", "SEARCH ALL", "EXPUNGE"] {
                let r = try c.command(cmd)
                out.append("empty \(cmd): \(Self.status(r)) \(Self.fetches(r)) \(Self.search(r))")
            }
            let body = Array("""
                Date: Tue, 1 Jul 2003 10:52:37 +0200\r\nFrom: "Alice A." <alice@example.org>, bob@example.net\r\n\
                To: undisclosed-recipients:;\r\nCc: Carol <carol@example.com>\r\nSubject: =?utf-8?q?caf=C3=A9?= and "quotes"\r\n\
                Message-ID: <id1@example.org>\r\nIn-Reply-To: <id0@example.org>\r\n\r\nLine one\r\nLine two\r\n
                """.utf8)
            let app = try c.command([.text("APPEND INBOX (\\Draft) \" 5-Jan-2024 23:59:01 -0330\" "), .literalPlus(body)])
            out.append("append: \(Self.status(app))")
            try c.command("SELECT INBOX")
            let f = try c.command("FETCH 1 (INTERNALDATE RFC822.SIZE ENVELOPE)")
            out.append("items: \(f.untagged.first?.text ?? "")")
            let parts = try c.command("FETCH 1 (BODY.PEEK[HEADER] BODY.PEEK[TEXT] BODY.PEEK[HEADER.FIELDS.NOT (Date From To Cc Message-ID)] BODY.PEEK[]<10.20> BODY.PEEK[]<1000.5> RFC822.HEADER)")
            out.append("parts: \(parts.untagged.first?.literals.map { String(decoding: $0, as: UTF8.self) } ?? [])")
            let rfc822 = try c.command("FETCH 1 (RFC822)")
            out.append("rfc822 sets seen: \(Self.fetches(rfc822)) \(rfc822.untagged.first?.literals.first == body)")
            let fast = try c.command("FETCH 1 FAST")
            out.append("fast: \(fast.untagged.first.map { Self.flags($0.text) } ?? "") \(Self.item("RFC822.SIZE", fast.untagged.first?.text ?? "") ?? "")")
            return out
        }
    }

    func testExpungesHeldBackDuringFetchStoreAndSearch() throws {
        try compare("expunge timing") { connect in
            var out: [String] = []
            let a = try connect(), b = try connect()
            for i in 0..<5 { try b.command([.text("APPEND INBOX "), .literalPlus(Self.msg("m\(i)"))]) }
            try a.command("SELECT INBOX")
            try b.command("SELECT INBOX")
            func otherClientChanges(_ uid: Int) throws {
                try b.command("UID STORE \(uid) +FLAGS.SILENT (\\Deleted)")
                try b.command("UID EXPUNGE \(uid)")
                try b.command("UID STORE \(uid + 1) +FLAGS.SILENT (\\Flagged)")
            }
            try otherClientChanges(1)
            for cmd in ["FETCH 1:* (FLAGS)", "STORE 5 +FLAGS (\\Seen)", "SEARCH ALL", "NOOP"] {
                let r = try a.command(cmd)
                out.append("\(cmd): \(Self.untaggedSummary(r)) | \(Self.fetches(r)) | \(Self.search(r))")
            }
            try otherClientChanges(3)
            for cmd in ["UID FETCH 1:* (FLAGS)", "UID SEARCH ALL"] {
                let r = try a.command(cmd)
                out.append("\(cmd): \(Self.untaggedSummary(r)) | \(Self.fetches(r)) | \(Self.search(r))")
            }
            return out
        }
    }
}
