import Engine

/// A misbehaviour the fake receiver plays at one point of a session: a refusal, a dropped
/// connection, a crash after storing the message.
public struct FakeMailFault: Sendable, Equatable {
    /// Where in the session the fault strikes.
    public enum Stage: String, Sendable, Equatable {
        /// Instead of the 220 greeting (a refusal like `554 no service` or `421 busy`).
        case greeting
        /// The reply to EHLO/LHLO (and HELO).
        case hello
        /// The reply to MAIL FROM.
        case mail
        /// The reply to RCPT TO.
        case recipient
        /// The reply to DATA (instead of 354), or the data transfer itself for
        /// ``Action/disconnectInData(afterBytes:)``.
        case data
        /// The reply after the final dot (every recipient's reply, for LMTP).
        case endOfData
    }

    /// Which occurrences of the stage are hit. Transactions and connections are numbered from 1
    /// over the receiver's lifetime; a transaction is a MAIL command.
    public enum Trigger: Sendable, Equatable {
        /// Every time.
        case always
        /// The next time only, then the fault is spent.
        case once
        /// Within the Nth transaction (never at the greeting or hello stages).
        case transaction(Int)
        /// Within the Nth connection.
        case connection(Int)
    }

    /// What the receiver does instead of its normal reply.
    public enum Action: Sendable, Equatable {
        /// Sends this reply (a 4yz or 5yz refusal; any multi-line reply).
        case reply(MailReply)
        /// Closes the connection without a reply. At ``Stage/endOfData`` the message is not
        /// stored (the server died before committing it).
        case disconnect
        /// At ``Stage/endOfData`` only: stores the message, then closes without a reply: the
        /// client cannot know the message arrived (what makes duplicates possible).
        case disconnectAfterStoring
        /// At ``Stage/data`` only: replies 354, reads this many octets of the data, then closes.
        case disconnectInData(afterBytes: Int)
    }

    public var stage: Stage
    public var trigger: Trigger
    public var action: Action

    public init(stage: Stage, trigger: Trigger = .always, action: Action) {
        self.stage = stage
        self.trigger = trigger
        self.action = action
    }

    /// Refuses `stage` with `code` and `text` (4yz: try later; 5yz: permanent).
    public static func refuse(_ stage: Stage, code: Int, text: String, when trigger: Trigger = .always) -> FakeMailFault {
        FakeMailFault(stage: stage, trigger: trigger, action: .reply(MailReply(code: code, lines: [text])))
    }

    /// Drops the connection during the message data, after `bytes` octets of it.
    public static func dropDuringData(afterBytes bytes: Int, when trigger: Trigger = .always) -> FakeMailFault {
        FakeMailFault(stage: .data, trigger: trigger, action: .disconnectInData(afterBytes: bytes))
    }
}
