/// Which way a line of SMTP/LMTP traffic went, for `--debug` traces.
public enum MailTrafficDirection: Sendable {
    /// Sent by us (`C:` in a trace).
    case sent
    /// Received from the server (`S:` in a trace).
    case received
}

/// A client session with an SMTP (RFC 5321) or LMTP (RFC 2033) server, over any byte stream.
///
/// Opening the session reads the 220 greeting and introduces the client with LHLO (LMTP) or
/// EHLO (SMTP, falling back to HELO when the server refuses EHLO with a 5yz reply, RFC 5321
/// §4.1.4). Each ``deliver(message:reversePath:recipient:)`` is one mail transaction. When the
/// server announced PIPELINING (RFC 2920), MAIL, RCPT and DATA go out as one group and their
/// three replies are read afterwards (§3.1), so a message costs two round trips: the group,
/// then the data and its reply. Without it each command waits for its reply.
///
/// A refused MAIL, RCPT or DATA ends the transaction with RSET so the session can deliver the
/// next message; a lost connection or a reply that breaks the protocol closes the session.
/// Not safe for concurrent use: one thread drives a session.
public final class MailDeliverySession {
    public let transferProtocol: DeliveryMethod.TransferProtocol
    /// The server's 220 greeting.
    public let greeting: MailReply
    /// What the server announced in reply to EHLO/LHLO (none after HELO).
    public private(set) var extensions: ServiceExtensions = .none
    /// Whether the SMTP server refused EHLO and the session uses HELO.
    public private(set) var usesHELO = false
    /// False once QUIT was sent or the connection failed.
    public private(set) var isOpen = true

    private let stream: ByteStream
    private var reader: MailReplyReader
    private let trace: ((MailTrafficDirection, String) -> Void)?
    /// The transaction whose MAIL, RCPT and DATA were sent ahead, replies unread.
    private var announced: MailTransaction?

    /// Reads the greeting and says LHLO/EHLO (or HELO) with `clientDomain` (`deliver-ehlo`).
    /// The stream is closed if this fails.
    public init(stream: ByteStream, transferProtocol: DeliveryMethod.TransferProtocol, clientDomain: String,
                trace: ((MailTrafficDirection, String) -> Void)? = nil) throws(MailDeliveryError) {
        var reader = MailReplyReader(stream: stream)
        let greeting: MailReply
        do {
            greeting = try Self.readReply(&reader, transferProtocol: transferProtocol, command: "the greeting", trace: trace)
        } catch {
            stream.close()
            throw error
        }
        // RFC 5321 §4.2 and §3.1: a 554 (or any non-220) greeting refuses the session; the
        // server is about to close, so QUIT is not worth a round trip.
        guard greeting.code == 220 else {
            stream.close()
            throw Self.failure(transferProtocol, "the greeting", greeting, expected: "220")
        }
        self.stream = stream
        self.transferProtocol = transferProtocol
        self.reader = reader
        self.trace = trace
        self.greeting = greeting
        do {
            try hello(clientDomain: clientDomain)
        } catch {
            close()
            throw error
        }
    }

    /// Opens a TCP connection to `method`'s server and starts the session.
    public static func connect(to method: DeliveryMethod, clientDomain: String,
                               trace: ((MailTrafficDirection, String) -> Void)? = nil) throws(MailDeliveryError) -> MailDeliverySession {
        let stream: SocketStream
        do {
            // An IP literal is bracketed so that it is never resolved (as for `host`).
            let host: String
            switch method.address {
            case .ipLiteral(let address): host = "[\(address)]"
            case .hostname(let name): host = name
            }
            stream = try SocketStream.connect(host: host, port: UInt16(clamping: method.port))
        } catch {
            throw MailDeliveryError.connectFailed(target: "\(method.address.host):\(method.port)", reason: String(describing: error))
        }
        return try MailDeliverySession(stream: stream, transferProtocol: method.transferProtocol,
                                       clientDomain: clientDomain, trace: trace)
    }

    deinit { stream.close() }

    private func hello(clientDomain: String) throws(MailDeliveryError) {
        switch transferProtocol {
        case .lmtp:
            // RFC 2033 §4.1: LHLO replaces HELO and EHLO.
            let reply = try exchange("LHLO \(clientDomain)")
            guard reply.code == 250 else { throw Self.failure(.lmtp, "LHLO \(clientDomain)", reply, expected: "250") }
            extensions = ServiceExtensions(helloReply: reply)
        case .smtp:
            let reply = try exchange("EHLO \(clientDomain)")
            if reply.code == 250 {
                extensions = ServiceExtensions(helloReply: reply)
            } else if reply.isPermanentFailure {
                // RFC 5321 §4.1.4: a server that does not support EHLO answers 500/502 and the
                // client may fall back to HELO (and then uses no extension).
                let helo = try exchange("HELO \(clientDomain)")
                guard helo.code == 250 else { throw Self.failure(.smtp, "HELO \(clientDomain)", helo, expected: "250") }
                usesHELO = true
            } else {
                throw Self.failure(.smtp, "EHLO \(clientDomain)", reply, expected: "250")
            }
        }
    }

    /// Delivers `message` from `reversePath` (the address inside `MAIL FROM:<…>`, empty for the
    /// null path) to `recipient` in one mail transaction.
    public func deliver(message: [UInt8], reversePath: String, recipient: String) throws(MailDeliveryError) {
        try deliver(OutgoingMessage(body: message, reversePath: reversePath, recipient: recipient), next: nil)
    }

    /// Delivers `message` in one mail transaction; with PIPELINING, `next`'s MAIL, RCPT and DATA
    /// leave in the same write as this message's data.
    ///
    /// Lines are sent with CRLF endings and dot-stuffed (see ``MessageData``), with the
    /// parameters ``MailTransaction`` describes. Returns once the server accepted the message
    /// (SMTP: the reply to the final dot; LMTP: the recipient's reply, RFC 2033 §4.2).
    ///
    /// RFC 2920 §3.1 lets a client send the next MAIL right after the final dot without waiting
    /// for its reply, so a run of messages costs one round trip each: this message's data and
    /// the next envelope go out together, then the final reply and the next envelope's three
    /// replies come back together. The next call must then be for `next`.
    public func deliver(_ message: OutgoingMessage, next: OutgoingMessage?) throws(MailDeliveryError) {
        guard isOpen else { throw .sessionClosed(transferProtocol: transferProtocol) }
        let transaction = try MailTransaction(message, extensions: extensions)

        if extensions.pipelining {
            if let announced {
                guard announced.message == message else {
                    close()
                    throw .protocolViolation(transferProtocol: transferProtocol, command: announced.mail,
                                             detail: "the message announced ahead was not the next one delivered")
                }
            } else {
                try send(transaction.envelopeGroup)
            }
            announced = nil
            try readEnvelopeReplies(transaction)
        } else {
            for command in [transaction.mail, transaction.rcpt] {
                let reply = try exchange(command)
                guard reply.isPositiveCompletion else {
                    let failure = try transactionFailure(command, reply)
                    try reset()
                    throw failure
                }
            }
            let dataReply = try exchange("DATA")
            guard dataReply.code == 354 else {
                let failure = try transactionFailure("DATA", dataReply, expected: "354")
                try reset()
                throw failure
            }
        }

        trace?(.sent, "[...]")
        var bytes = transaction.data.wireBytes
        var following: MailTransaction?
        if extensions.pipelining, let next, let upcoming = try? MailTransaction(next, extensions: extensions) {
            for line in upcoming.envelopeGroup {
                trace?(.sent, line)
                bytes.append(contentsOf: Array(line.utf8))
                bytes.append(contentsOf: [0x0D, 0x0A])
            }
            following = upcoming
        }
        do {
            try stream.write(bytes)
        } catch {
            // The server may have said why it stopped reading (e.g. 552 message too large)
            // before closing; prefer its reply over a bare "connection lost".
            isOpen = false
            if let reply = try? Self.readReply(&reader, transferProtocol: transferProtocol, command: "end of message data", trace: trace),
               reply.isTransientFailure || reply.isPermanentFailure {
                stream.close()
                throw Self.failure(transferProtocol, "end of message data", reply, expected: "250")
            }
            stream.close()
            throw .connectionLost(transferProtocol: transferProtocol, command: "end of message data", reason: String(describing: error))
        }
        announced = following
        // SMTP: one reply for the transaction. LMTP: one per accepted recipient, here one.
        let final = try readReply(for: "end of message data")
        guard final.isPositiveCompletion else {
            // RFC 5321 §4.1.1.4: after the final dot the server has ended the transaction
            // whatever its reply, so no RSET is needed (an announced next envelope is answered
            // on its own and read by the next call).
            throw try transactionFailure("end of message data", final, expected: "250")
        }
    }

    /// Reads the replies to a pipelined MAIL, RCPT and DATA; a refusal ends the transaction
    /// (with RSET) and is thrown.
    private func readEnvelopeReplies(_ transaction: MailTransaction) throws(MailDeliveryError) {
        let mailReply = try readReply(for: transaction.mail)
        let rcptReply = try readReply(for: transaction.rcpt)
        let dataReply = try readReply(for: "DATA")
        var refusal: MailDeliveryError?
        if !mailReply.isPositiveCompletion {
            refusal = try transactionFailure(transaction.mail, mailReply)
        } else if !rcptReply.isPositiveCompletion {
            refusal = try transactionFailure(transaction.rcpt, rcptReply)
        }
        if let refusal {
            if dataReply.code == 354 {
                // RFC 2920 §3.1: a server may accept DATA although every recipient was
                // refused; the client then sends just the terminating dot. SMTP answers it
                // once; LMTP once per accepted recipient, here none (RFC 2033 §4.2).
                try send(["."])
                if transferProtocol == .smtp { _ = try readReply(for: "end of message data") }
            }
            try reset()
            throw refusal
        }
        guard dataReply.code == 354 else {
            let failure = try transactionFailure("DATA", dataReply, expected: "354")
            try reset()
            throw failure
        }
    }

    /// Ends the session with QUIT (RFC 5321 §4.1.1.10) and closes the stream. Errors are
    /// ignored: every message was acknowledged before this point.
    public func quit() {
        guard isOpen else { stream.close(); return }
        // An envelope announced ahead has DATA pending: the server would take QUIT as message
        // text. Closing abandons that transaction, which RFC 5321 §3.3 says is not delivered.
        guard announced == nil else { close(); return }
        isOpen = false
        if (try? send(["QUIT"])) != nil {
            _ = try? Self.readReply(&reader, transferProtocol: transferProtocol, command: "QUIT", trace: trace)
        }
        stream.close()
    }

    /// Closes the connection without QUIT (an unfinished transaction is abandoned, RFC 5321
    /// §3.3: the server must not deliver it).
    public func close() {
        isOpen = false
        stream.close()
    }

    // MARK: - Commands and replies

    /// RSET after a refused command (RFC 5321 §4.1.1.5), so the next transaction starts clean.
    /// A server that refuses RSET is not in a state to trust: the session is closed.
    private func reset() throws(MailDeliveryError) {
        let reply = try exchange("RSET")
        if !reply.isPositiveCompletion { close() }
    }

    private func exchange(_ command: String) throws(MailDeliveryError) -> MailReply {
        try send([command])
        return try readReply(for: command)
    }

    /// Writes the lines as one write, so a pipelined group leaves in one segment.
    private func send(_ lines: [String]) throws(MailDeliveryError) {
        var bytes: [UInt8] = []
        for line in lines {
            trace?(.sent, line)
            bytes.append(contentsOf: Array(line.utf8))
            bytes.append(contentsOf: [0x0D, 0x0A])
        }
        do {
            try stream.write(bytes)
        } catch {
            close()
            throw .connectionLost(transferProtocol: transferProtocol, command: lines.first ?? "", reason: String(describing: error))
        }
    }

    private func readReply(for command: String) throws(MailDeliveryError) -> MailReply {
        do {
            return try Self.readReply(&reader, transferProtocol: transferProtocol, command: command, trace: trace)
        } catch {
            close()
            throw error
        }
    }

    private static func readReply(_ reader: inout MailReplyReader, transferProtocol: DeliveryMethod.TransferProtocol,
                                  command: String, trace: ((MailTrafficDirection, String) -> Void)?) throws(MailDeliveryError) -> MailReply {
        do {
            return try reader.readReply { line in trace?(.received, line) }
        } catch {
            switch error {
            case .connectionLost(let reason):
                throw .connectionLost(transferProtocol: transferProtocol, command: command, reason: reason)
            case .malformed(let line):
                throw .protocolViolation(transferProtocol: transferProtocol, command: command, detail: "malformed reply \(line.debugDescription)")
            }
        }
    }

    /// The error for a refused transaction command; a reply that is neither a success nor a
    /// 4yz/5yz refusal breaks the protocol and closes the session.
    private func transactionFailure(_ command: String, _ reply: MailReply, expected: String = "250") throws(MailDeliveryError) -> MailDeliveryError {
        let failure = Self.failure(transferProtocol, command, reply, expected: expected)
        if case .protocolViolation = failure {
            close()
            throw failure
        }
        return failure
    }

    private static func failure(_ transferProtocol: DeliveryMethod.TransferProtocol, _ command: String, _ reply: MailReply,
                                expected: String) -> MailDeliveryError {
        if reply.isTransientFailure { return .transientFailure(transferProtocol: transferProtocol, command: command, reply: reply) }
        if reply.isPermanentFailure { return .permanentFailure(transferProtocol: transferProtocol, command: command, reply: reply) }
        return .protocolViolation(transferProtocol: transferProtocol, command: command,
                                  detail: "unexpected reply \(reply) (expected \(expected))")
    }
}

extension MailDeliverySession: MessageDeliverer {}
