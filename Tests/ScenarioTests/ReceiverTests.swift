import Foundation
import XCTest
@testable import scenario

/// The LMTP receiver pullimap delivers to (FakeLMTP behind the scenario's fault format): records
/// accepted messages, plays armed faults counted per run.
final class ReceiverTests: XCTestCase {
    /// Speaks to the receiver: sends `lines` (CRLF added) and returns what came back.
    func converse(_ port: UInt16, _ lines: [String]) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        XCTAssertEqual(connected, 0)
        let request = Array(lines.map { $0 + "\r\n" }.joined().utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            reply += buffer[0..<n]
        }
        return String(decoding: reply, as: UTF8.self)
    }

    func testRecordsAnLMTPDeliveryWithDotStuffingRemoved() throws {
        let receiver = try FakeMailRecorder(transferProtocol: "lmtp")
        defer { receiver.stop() }
        let reply = try converse(receiver.port, ["LHLO test", "MAIL FROM:<a@example.org>", "RCPT TO:<b@example.net>", "RCPT TO:<c@example.net>",
                                                 "DATA", "Subject: x", "", "..dot", ".", "QUIT"])
        XCTAssertTrue(reply.hasPrefix("220 "), reply)
        XCTAssertTrue(reply.contains("250-PIPELINING\r\n"), reply)
        XCTAssertEqual(reply.components(separatedBy: "Ok: delivered\r\n").count - 1, 2, "LMTP answers once per recipient: \(reply)")
        XCTAssertEqual(receiver.deliveries, [RecordedDelivery(recipients: ["b@example.net", "c@example.net"], message: Array("Subject: x\r\n\r\n.dot\r\n".utf8))])
        XCTAssertTrue(receiver.transcript.contains("#1: MAIL FROM:<a@example.org>"))
    }

    func testArmedFaultsRefuseTheChosenTransactionOnly() throws {
        let receiver = try FakeMailRecorder(transferProtocol: "lmtp")
        defer { receiver.stop() }
        receiver.arm([ReceiverFault(stage: .endOfData, action: .reply(code: 451, text: "4.3.0 later"), transaction: 2)])
        let transaction = ["MAIL FROM:<a@x>", "RCPT TO:<b@y>", "DATA", "hi", "."]
        let reply = try converse(receiver.port, ["LHLO t"] + transaction + transaction + transaction + ["QUIT"])
        XCTAssertTrue(reply.contains("451 4.3.0 later"), reply)
        XCTAssertEqual(receiver.deliveries.count, 2, "the first and third messages are accepted")
        // A new run counts its transactions from 1 again.
        receiver.arm([ReceiverFault(stage: .mail, action: .reply(code: 452, text: "4.3.1 full"), transaction: 1)])
        let secondRun = try converse(receiver.port, ["LHLO t"] + transaction + ["QUIT"])
        XCTAssertTrue(secondRun.contains("452 4.3.1 full"), secondRun)
        XCTAssertEqual(receiver.deliveries.count, 2)
        receiver.arm([ReceiverFault(stage: .rcpt, action: .reply(code: 550, text: "5.1.1 no"), transaction: nil)])
        let refused = try converse(receiver.port, ["LHLO t", "MAIL FROM:<a@x>", "RCPT TO:<b@y>", "DATA", "QUIT"])
        XCTAssertTrue(refused.contains("550 5.1.1 no"), refused)
        XCTAssertTrue(refused.contains("503 "), "no DATA without an accepted recipient: \(refused)")
        XCTAssertEqual(receiver.deliveries.count, 2)
    }

    func testDropsTheConnectionInTheMiddleOfTheData() throws {
        let receiver = try FakeMailRecorder(transferProtocol: "lmtp")
        defer { receiver.stop() }
        receiver.arm([ReceiverFault(stage: .data, action: .dropInData(afterBytes: 5), transaction: nil)])
        let reply = try converse(receiver.port, ["LHLO t", "MAIL FROM:<a@x>", "RCPT TO:<b@y>", "DATA", "Subject: long enough", ".", "QUIT"])
        XCTAssertTrue(reply.contains("354 "), reply)
        XCTAssertFalse(reply.contains("221 "), "the connection was dropped: \(reply)")
        XCTAssertTrue(receiver.deliveries.isEmpty)
    }
}
