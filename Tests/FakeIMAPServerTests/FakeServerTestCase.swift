import Engine
@testable import FakeIMAPServer
import Foundation
import TestSupport
import XCTest

/// Shared helpers: a server with a fresh store, clients on in-memory connections, and a
/// watchdog so a missing response fails the test instead of hanging it.
class FakeServerTestCase: XCTestCase {
    var store: FakeIMAPStore!
    var faults: FaultScript!
    var server: FakeIMAPServer!
    private var clients: [IMAPTestClient] = []

    override func setUp() {
        super.setUp()
        store = FakeIMAPStore(delimiter: "/", firstUIDValidity: 1000)
        faults = FaultScript()
        server = FakeIMAPServer(store: store, faults: faults)
    }

    override func tearDown() {
        for c in clients { c.stream.close() }
        clients = []
        super.tearDown()
    }

    /// A new session; returns the client with the greeting read.
    func connect(_ server: FakeIMAPServer? = nil, timeout: TimeInterval = 10) throws -> IMAPTestClient {
        let stream = (server ?? self.server).connect()
        let client = IMAPTestClient(stream: stream)
        clients.append(client)
        // Watchdog: a test never waits more than `timeout` for the server.
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { stream.close() }
        _ = try client.readResponse()
        return client
    }

    func message(_ subject: String, date: String = "Mon, 7 Feb 1994 21:52:25 -0800") -> [UInt8] {
        Array("Date: \(date)\r\nFrom: Alice <alice@example.org>\r\nTo: bob@example.net, \"Carol C\" <carol@example.net>\r\nSubject: \(subject)\r\nMessage-ID: <\(subject.filter { $0.isLetter || $0.isNumber })@example.org>\r\n\r\nBody of \(subject).\r\n".utf8)
    }

    /// Values of a FETCH item in a response line, e.g. `value("MODSEQ", in: line)` → `(12)`.
    func item(_ name: String, in line: IMAPResponseLine) -> String? {
        let t = line.text
        guard let r = t.range(of: " \(name) ") ?? t.range(of: "(\(name) ") else { return nil }
        let rest = t[r.upperBound...]
        if rest.first == "(" {
            guard let close = rest.firstIndex(of: ")") else { return nil }
            return String(rest[rest.index(after: rest.startIndex)..<close])
        }
        return String(rest.prefix { $0 != " " && $0 != ")" })
    }

    func uids(_ result: IMAPCommandResult) -> [UInt32] {
        result.untagged("FETCH").compactMap { item("UID", in: $0).flatMap { UInt32($0) } }
    }

    func flags(_ line: IMAPResponseLine) -> Set<String> {
        Set((item("FLAGS", in: line) ?? "").split(separator: " ").map(String.init).filter { $0 != "\\Recent" })
    }
}
