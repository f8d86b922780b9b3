@testable import Engine
import Foundation
import XCTest

/// The pieces between the `UID FETCH` reader and the deliveries.
final class FetchedMessageTests: XCTestCase {
    private let body = Array("From: Bob <bob@example.org>\r\nSubject: x\r\n\r\nhi\r\n".utf8)

    func testFetchResponsesThatAreOursAndThoseThatAreNot() throws {
        let envelope = Envelope(from: [EnvelopeAddress(name: "Alice", adl: nil, mailbox: "alice", host: "example.org")],
                                sender: [EnvelopeAddress(name: nil, adl: nil, mailbox: "list", host: "example.org")])
        let full = FetchResponse(sequenceNumber: 3, attributes: [.uid(12), .envelope(envelope)],
                                 bodies: [FetchedBody(section: .complete, bytes: body)])
        let message = try XCTUnwrap(try FetchedMessage.from(full))
        XCTAssertEqual(message.uid, 12)
        XCTAssertEqual(message.reversePath, "list@example.org", "ENVELOPE sender first, as the reference")
        XCTAssertEqual(message.body, body)

        // Another client's flag change: not a message to deliver.
        XCTAssertNil(try FetchedMessage.from(FetchResponse(sequenceNumber: 1, attributes: [.uid(1), .flags([.seen])])))
        // Data without a UID: an error, never silently skipped.
        XCTAssertThrowsError(try FetchedMessage.from(FetchResponse(sequenceNumber: 4, bodies: [FetchedBody(section: .complete, bytes: body)]))) {
            XCTAssertEqual(String(describing: $0), "FETCH response for message 4 has no UID")
        }
        // Without ENVELOPE the message's own header gives the sender.
        let bare = try XCTUnwrap(try FetchedMessage.from(FetchResponse(sequenceNumber: 1, attributes: [.uid(2)],
                                                                       bodies: [FetchedBody(section: .complete, bytes: body)])))
        XCTAssertEqual(bare.reversePath, "bob@example.org")
    }

    private static func message(_ uid: UInt32, size: Int) -> FetchedMessage {
        FetchedMessage(uid: uid, envelope: nil, internalDate: nil, body: [UInt8](repeating: 0x61, count: size))
    }

    func testTheQueueIsBoundedByOctetsAndLetsALargeMessageThrough() throws {
        let queue = FetchedMessageQueue(capacity: 10_000)
        let progress = Progress()
        let message = Self.message
        let reader = Thread {
            // The first message alone is larger than the capacity: it passes (queue empty).
            queue.put(message(1, 50_000))
            progress.set(1)
            queue.put(message(2, 4000))
            progress.set(2)
            queue.finish(.completed)
        }
        reader.start()
        XCTAssertTrue(eventually(timeout: 5) { progress.value == 1 })
        Thread.sleep(forTimeInterval: 0.1)
        XCTAssertEqual(progress.value, 1, "the second message waits while the first fills the queue")
        XCTAssertEqual(try queue.take()?.uid, 1)
        XCTAssertEqual(try queue.take()?.uid, 2)
        XCTAssertNil(try queue.take())
    }

    func testAReaderFailureComesAfterTheCompleteMessages() throws {
        let queue = FetchedMessageQueue()
        queue.put(Self.message(1, size: 10))
        queue.finish(.failed(IMAPClientError.connectionLost("gone")))
        XCTAssertEqual(try queue.take()?.uid, 1)
        XCTAssertThrowsError(try queue.take()) { XCTAssertEqual($0 as? IMAPClientError, .connectionLost("gone")) }
    }

    func testCancelUnblocksTheReader() {
        let queue = FetchedMessageQueue(capacity: 100)
        queue.put(Self.message(1, size: 1000))
        let done = Progress()
        let message = Self.message
        Thread {
            queue.put(message(2, 1000))  // blocks: the queue is full
            queue.finish(.completed)
            done.set(1)
        }.start()
        Thread.sleep(forTimeInterval: 0.05)
        XCTAssertEqual(done.value, 0)
        queue.cancel()
        XCTAssertTrue(eventually(timeout: 5) { done.value == 1 })
        if case .completed = queue.waitForEnd() {} else { XCTFail("reader did not finish") }
    }
}

/// A counter shared with a thread.
private final class Progress: @unchecked Sendable {
    /// Protects `current`.
    private let lock = NSLock()
    private var current = 0
    var value: Int { lock.withLock { current } }
    func set(_ value: Int) { lock.withLock { current = value } }
}
