import Engine
import FakeLMTP
import Foundation

/// The scenario's LMTP/SMTP receiver: a ``FakeMailReceiver`` listening on 127.0.0.1, with the
/// faults of a `[fault lmtp]` step translated into ``FakeMailFault``s for the next run.
final class FakeMailRecorder: DeliveryRecorder, @unchecked Sendable {
    let port: UInt16
    private let receiver: FakeMailReceiver

    /// `transferProtocol` is the scenario's `[lmtp]` or `[smtp]` section kind.
    init(transferProtocol: String) throws {
        var configuration = FakeMailReceiver.Configuration(transferProtocol: transferProtocol == "smtp" ? .smtp : .lmtp)
        configuration.hostname = "receiver.scenario.example"
        receiver = FakeMailReceiver(configuration: configuration)
        do {
            port = try receiver.listen(host: "127.0.0.1", port: 0)
        } catch {
            throw RunnerError("receiver: cannot listen on 127.0.0.1: \(error)")
        }
    }

    /// Replaces the faults. A scenario numbers transactions from 1 within each run, the
    /// receiver over its lifetime: the run's first transaction is the next one it will count.
    func arm(_ faults: [ReceiverFault]) {
        receiver.removeAllFaults()
        let transactionsBefore = receiver.transactionCount
        for fault in faults {
            let trigger: FakeMailFault.Trigger = fault.transaction.map { .transaction(transactionsBefore + $0) } ?? .always
            receiver.inject(FakeMailFault(stage: Self.stage(fault.stage), trigger: trigger, action: Self.action(fault.action)))
        }
    }

    var deliveries: [RecordedDelivery] {
        receiver.deliveries.map { RecordedDelivery(recipients: $0.recipients, message: $0.message) }
    }

    var transcript: [String] { receiver.transcript }

    func stop() { receiver.stop() }

    private static func stage(_ stage: ReceiverFault.Stage) -> FakeMailFault.Stage {
        switch stage {
        case .greeting: .greeting
        case .hello: .hello
        case .mail: .mail
        case .rcpt: .recipient
        case .data: .data
        case .endOfData: .endOfData
        }
    }

    private static func action(_ action: ReceiverFault.Action) -> FakeMailFault.Action {
        switch action {
        case .reply(let code, let text): .reply(MailReply(code: code, lines: [text]))
        case .dropInData(let bytes): .disconnectInData(afterBytes: bytes)
        }
    }
}
