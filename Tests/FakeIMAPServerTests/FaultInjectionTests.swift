import Engine
@testable import FakeIMAPServer
import Foundation
import TestSupport
import XCTest

/// The fault script: dropped connections, reordered FETCH responses, refused commands,
/// capabilities, hooks, latency, and COMPRESS=DEFLATE on the wire.
final class FaultInjectionTests: FakeServerTestCase {
    func fill(_ n: Int, in mailbox: String = "INBOX") throws {
        for i in 0..<n { try store.append(to: mailbox, message("m\(i)")) }
    }

    func testDropUidFetchAfterNResponses() throws {
        try fill(10)
        faults.dropConnection(during: "UID FETCH", afterUntagged: 3)
        let c = try connect()
        try c.command("SELECT INBOX")
        try c.command("FETCH 1:* (UID)")  // plain FETCH is not affected
        try c.sendLine("f UID FETCH 1:* (UID FLAGS BODY.PEEK[])")
        var fetched: [UInt32] = []
        do {
            while true {
                let r = try c.readResponse()
                if r.tag == "f" { XCTFail("the command must not complete"); break }
                if let u = item("UID", in: r).flatMap({ UInt32($0) }) { fetched.append(u) }
            }
        } catch IMAPTestClient.Failure.endOfStream {}
        XCTAssertEqual(fetched, [1, 2, 3])
        // The fault fires once: a new connection fetches everything.
        let c2 = try connect()
        try c2.command("SELECT INBOX")
        XCTAssertEqual(uids(try c2.command("UID FETCH 1:* (UID)")).count, 10)
    }

    func testReorderFetchResponses() throws {
        try fill(6)
        faults.reorderFetchResponses(of: "UID FETCH", .reversed, times: 1)
        faults.reorderFetchResponses(of: "UID FETCH", .shuffled(seed: 7), times: 1)
        let c = try connect()
        try c.command("SELECT INBOX")
        XCTAssertEqual(uids(try c.command("UID FETCH 1:* (FLAGS)")), [6, 5, 4, 3, 2, 1])
        let shuffled = uids(try c.command("UID FETCH 1:* (FLAGS)"))
        XCTAssertEqual(shuffled.sorted(), [1, 2, 3, 4, 5, 6])
        XCTAssertNotEqual(shuffled, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(uids(try c.command("UID FETCH 1:* (FLAGS)")), [1, 2, 3, 4, 5, 6])
    }

    func testFailCommandAndCapabilities() throws {
        faults.fail("CREATE", status: "NO", code: "OVERQUOTA", text: "Quota exceeded.")
        faults.fail("NOOP", status: "BAD", times: 2)
        faults.withholdCapability("MOVE")
        faults.addCapability("X-TEST")
        let c = IMAPTestClient(stream: server.connect())
        let greeting = try c.readResponse()
        XCTAssertFalse(greeting.words.contains("MOVE"))
        XCTAssertTrue(greeting.text.contains("X-TEST"))
        let create = try c.command("CREATE x")
        XCTAssertEqual(create.tagged.text, "t1 NO [OVERQUOTA] Quota exceeded.")
        XCTAssertNil(store.mailbox("x"))
        XCTAssertEqual(try c.command("CREATE x").status, "OK")
        XCTAssertEqual(try c.command("NOOP").status, "BAD")
        XCTAssertEqual(try c.command("NOOP").status, "BAD")
        XCTAssertEqual(try c.command("NOOP").status, "OK")
        try c.command("SELECT INBOX")
        XCTAssertEqual(try c.command("UID MOVE 1 x").status, "BAD", "a withheld extension is refused")
        c.stream.close()
    }

    func testHooksActAsAnotherClientAndCanRefuseOrDrop() throws {
        try fill(1)
        // After the client's SELECT, another client appends: the next NOOP sees it.
        faults.afterCommand { info, store in
            if info.name == "SELECT" && info.status == "OK" { _ = try? store.append(to: "INBOX", "Subject: hook\r\n\r\nx\r\n") }
        }
        faults.beforeCommand { info, _ in
            info.name == "DELETE" ? .respond(status: "NO", code: "INUSE", text: "Mailbox is in use.") : nil
        }
        let c = try connect()
        try c.command("SELECT INBOX")
        XCTAssertEqual(try c.command("NOOP").untagged("EXISTS").map(\.text), ["* 2 EXISTS"])
        try store.createMailbox("y")
        XCTAssertEqual(try c.command("DELETE y").code, "INUSE")
        faults.beforeCommand { info, _ in info.name == "LOGOUT" ? .dropConnection : nil }
        try c.sendLine("z LOGOUT")
        XCTAssertThrowsError(try c.readResponse())
    }

    func testDropDuringAppendBatchKeepsNothingOfTheBatch() throws {
        faults.dropConnection(duringAppendAfterMessages: 2)
        let c = try connect()
        try c.sendRaw(Array("a APPEND INBOX {3+}\r\none {3+}\r\ntwo {5+}\r\nthree\r\n".utf8))
        XCTAssertThrowsError(try c.readResponse())
        XCTAssertEqual(store.mailbox("INBOX")?.messages.count, 0, "MULTIAPPEND is all or nothing (RFC 3502)")
    }

    func testLatencyModelSlowsEveryRoundTrip() throws {
        let slow = FakeIMAPServer(store: store, configuration: .init(latency: LatencyModel(perRoundTrip: 0.1)))
        let c = try connect(slow)
        let start = Date()
        for _ in 0..<4 { try c.command("NOOP") }
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(start), 0.4)
        // Pipelined commands pay one round trip.
        let t0 = Date()
        try c.sendLine("p1 NOOP\r\np2 NOOP\r\np3 NOOP\r\np4 NOOP")
        _ = try c.readUntilTagged("p4")
        XCTAssertLessThan(Date().timeIntervalSince(t0), 0.3)
    }

    func testCompressDeflate() throws {
        try fill(3)
        let c = try connect()
        XCTAssertEqual(try c.command("COMPRESS DEFLATE").status, "OK")
        // From here both directions are raw deflate (RFC 4978).
        let deflater = try DeflateCodec(.compress), inflater = try DeflateCodec(.decompress)
        try c.stream.write(try deflater.process(Array("s SELECT INBOX\r\nf UID FETCH 1:* (BODY.PEEK[])\r\nz COMPRESS DEFLATE\r\n".utf8)))
        var text: [UInt8] = []
        while !String(decoding: text, as: UTF8.self).contains("z NO") {
            let chunk = try c.stream.read(maxLength: 65536)
            XCTAssertFalse(chunk.isEmpty, "connection closed: \(String(decoding: text, as: UTF8.self))")
            if chunk.isEmpty { return }
            text += try inflater.process(chunk)
        }
        let s = String(decoding: text, as: UTF8.self)
        XCTAssertTrue(s.contains("s OK [READ-WRITE]"))
        XCTAssertTrue(s.contains("Body of m2."))
        XCTAssertTrue(s.contains("z NO [COMPRESSIONACTIVE]"))
    }
}
