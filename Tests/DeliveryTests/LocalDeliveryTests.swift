import Foundation
import TestSupport
import XCTest
@testable import Engine

/// maildir:, mbox: and mda: delivery, and the message text they store.
final class LocalDeliveryTests: XCTestCase {
    private func message(_ text: String, from sender: String = "a@example.org") -> OutgoingMessage {
        OutgoingMessage(body: Array(text.utf8), reversePath: sender, recipient: "rcpt@example.net")
    }

    private func files(_ directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    }

    private func text(_ path: String) -> String {
        String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
    }

    func testUnixLinesAndMboxrdQuoting() {
        XCTAssertEqual(LocalMessageText.unixLines(Array("a\r\nb\rc\r\n".utf8)), Array("a\nb\rc\n".utf8), "a lone CR stays")
        XCTAssertEqual(LocalMessageText.unixLines(Array("no end".utf8)), Array("no end\n".utf8))
        let quoted = LocalMessageText.mboxrdQuoted(Array("From a\n>From b\n>>From c\nFrom\nFromage\n x From y\n".utf8))
        XCTAssertEqual(String(decoding: quoted, as: UTF8.self), ">From a\n>>From b\n>>>From c\nFrom\nFromage\n x From y\n")
    }

    func testShellSafeSender() {
        XCTAssertEqual(LocalMessageText.shellSafeSender(""), "MAILER-DAEMON")
        XCTAssertEqual(LocalMessageText.shellSafeSender("a.b+c-d_e/f@example.org"), "a.b+c-d_e/f@example.org")
        XCTAssertEqual(LocalMessageText.shellSafeSender("x'$(rm -rf ~)\"@ex;ample"), "x___rm_-rf____@ex_ample")
    }

    func testMaildirIsCreatedAndMessagesLandInNew() throws {
        let root = try makeTemporaryDirectory(self, prefix: "maildir") + "/deep/Maildir"
        let maildir = try MaildirDeliverer(path: root)
        for sub in ["cur", "new", "tmp"] {
            var isDirectory: ObjCBool = false
            XCTAssertTrue(FileManager.default.fileExists(atPath: root + "/" + sub, isDirectory: &isDirectory) && isDirectory.boolValue, sub)
        }
        try maildir.deliver(message("Subject: one\r\n\r\nbody\r\n"), next: nil)
        try maildir.deliver(message("Subject: two\r\n\r\nbody\r\n"), next: nil)
        let names = files(root + "/new")
        XCTAssertEqual(names.count, 2)
        XCTAssertEqual(Set(names).count, 2, "unique names")
        XCTAssertTrue(files(root + "/tmp").isEmpty, "nothing left in tmp/")
        XCTAssertTrue(names.allSatisfy { $0.contains(".M") && $0.contains("P\(getpid())Q") }, "\(names)")
        let stored = names.map { text(root + "/new/" + $0) }.sorted()
        XCTAssertEqual(stored, ["Subject: one\n\nbody\n", "Subject: two\n\nbody\n"])
        let attributes = try FileManager.default.attributesOfItem(atPath: root + "/new/" + names[0])
        XCTAssertEqual((attributes[.posixPermissions] as? Int) ?? 0, 0o600)
    }

    func testMaildirOverAFileFails() throws {
        let path = try makeTemporaryDirectory(self, prefix: "maildir") + "/file"
        FileManager.default.createFile(atPath: path, contents: Data())
        XCTAssertThrowsError(try MaildirDeliverer(path: path)) { error in
            XCTAssertEqual("\(error)", "cannot deliver to \(path): mkdir: exists and is not a directory")
            XCTAssertEqual((error as? MailDeliveryError)?.isTransient, false)
        }
    }

    func testMboxAppendsMboxrdWithSeparators() throws {
        let path = try makeTemporaryDirectory(self, prefix: "mbox") + "/sub/inbox"
        let mbox = try MboxDeliverer(path: path)
        try mbox.deliver(message("Subject: one\r\n\r\nFrom here\r\n>From there\r\n"), next: nil)
        try mbox.deliver(message("Subject: two\r\n\r\nno newline at the end", from: ""), next: nil)
        let lines = text(path).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        XCTAssertTrue(lines[0].hasPrefix("From a@example.org "), lines[0])
        XCTAssertNotNil(lines[0].range(of: #"^From a@example\.org \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$"#, options: .regularExpression), lines[0])
        XCTAssertEqual(Array(lines[1...5]), ["Subject: one", "", ">From here", ">>From there", ""])
        XCTAssertTrue(lines[6].hasPrefix("From MAILER-DAEMON "), lines[6])
        XCTAssertEqual(Array(lines[7...]), ["Subject: two", "", "no newline at the end", "", ""])
    }

    func testMboxStartsAfterAnEmptyLineWhateverTheFileEndedWith() throws {
        let path = try makeTemporaryDirectory(self, prefix: "mbox") + "/inbox"
        try "From x Thu Jan  1 00:00:00 2026\nSubject: old\n\nno blank line after".write(toFile: path, atomically: true, encoding: .utf8)
        try MboxDeliverer(path: path).deliver(message("Subject: new\r\n\r\nb\r\n"), next: nil)
        XCTAssertTrue(text(path).contains("no blank line after\n\nFrom a@example.org "), text(path))
    }

    func testMboxWaitsForAnotherHoldersLock() throws {
        let path = try makeTemporaryDirectory(self, prefix: "mbox") + "/inbox"
        FileManager.default.createFile(atPath: path, contents: Data())
        // Another process holds the fcntl lock for half a second (fcntl locks are per process).
        let holder = try RunningProcess("/usr/bin/python3",
                                        ["-c", "import fcntl,sys,time; f=open(sys.argv[1],'a'); fcntl.lockf(f, fcntl.LOCK_EX); "
                                            + "print('locked', flush=True); time.sleep(0.5)", path], stdout: .stream)
        _ = holder.output?.availableData  // "locked"
        let start = Date()
        try MboxDeliverer(path: path).deliver(message("Subject: x\r\n\r\nb\r\n"), next: nil)
        XCTAssertGreaterThan(Date().timeIntervalSince(start), 0.3, "the append waited for the lock")
        XCTAssertEqual(holder.wait(timeout: 30).status, 0)
        XCTAssertTrue(text(path).hasPrefix("From a@example.org "))
    }

    func testMDAExitStatusDecides() throws {
        let directory = try makeTemporaryDirectory(self, prefix: "mda")
        let ok = MDADeliverer(command: "cat > \(directory)/out; echo '%F' > \(directory)/sender")
        try ok.deliver(message("Subject: x\r\n\r\nbody\r\n", from: "o'brien@example.org"), next: nil)
        XCTAssertEqual(text(directory + "/out"), "Subject: x\n\nbody\n")
        XCTAssertEqual(text(directory + "/sender"), "o_brien@example.org\n")

        let temporary = MDADeliverer(command: "cat >/dev/null; echo 'mailbox busy'; exit 75")
        XCTAssertThrowsError(try temporary.deliver(message("x\r\n"), next: nil)) { error in
            let error = error as? MailDeliveryError
            XCTAssertEqual(error?.isTransient, true)
            XCTAssertEqual(error?.exitStatus, .temporaryFailure)
            XCTAssertEqual(error?.description, #"the MDA "cat >/dev/null; echo \'mailbox busy\'; exit 75" exited with status 75 ("mailbox busy")"#)
        }
        let permanent = MDADeliverer(command: "exit 67")
        XCTAssertThrowsError(try permanent.deliver(message(String(repeating: "long line\r\n", count: 100_000)), next: nil)) { error in
            XCTAssertEqual((error as? MailDeliveryError)?.isTransient, false, "an MDA that does not read its input")
            XCTAssertEqual((error as? MailDeliveryError)?.exitStatus, .unavailable)
        }
        let killed = MDADeliverer(command: "kill -9 $$")
        XCTAssertThrowsError(try killed.deliver(message("x\r\n"), next: nil)) { error in
            XCTAssertEqual((error as? MailDeliveryError)?.isTransient, false)
        }
    }

    func testMDAOutputDoesNotBlockIt() throws {
        // Writes far more than a socket buffer before reading its input.
        let mda = MDADeliverer(command: "head -c 2000000 /dev/zero; cat >/dev/null")
        try mda.deliver(message(String(repeating: "line\r\n", count: 200_000)), next: nil)
    }
}
