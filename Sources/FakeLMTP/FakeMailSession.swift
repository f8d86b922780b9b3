import Engine
import Foundation

/// One SMTP/LMTP server session of ``FakeMailReceiver``: reads commands, keeps the transaction
/// state of RFC 5321 §3.3, and answers (or misbehaves as a fault says).
struct FakeMailSession {
    /// The mail transaction between MAIL and the end of data (RFC 5321 §3.3).
    struct Transaction {
        var number: Int
        var reversePath: String
        var parameters: [String]
        var recipients: [String] = []
        var declaresEightBit: Bool
    }

    /// RFC 5321 §4.5.3.1.4: a command line is at most 512 octets with its CRLF.
    static let maximumCommandLength = 512

    let receiver: FakeMailReceiver
    let stream: ByteStream
    let connection: Int
    let configuration: FakeMailReceiver.Configuration

    private var input: [UInt8] = []
    private var head = 0
    private var output: [UInt8] = []
    private var isClosed = false
    /// Set by a successful HELO/EHLO/LHLO.
    private var greeted = false
    /// Whether service extensions are on (EHLO/LHLO, not HELO).
    private var extended = false
    private var transaction: Transaction?

    init(receiver: FakeMailReceiver, stream: ByteStream, connection: Int) {
        self.receiver = receiver
        self.stream = stream
        self.connection = connection
        self.configuration = receiver.configuration
    }

    private var protocolName: String { configuration.transferProtocol == .lmtp ? "LMTP" : "ESMTP" }

    mutating func run() {
        switch receiver.fault(at: .greeting, transaction: nil, connection: connection) {
        case .reply(let reply)?:
            send(reply)
            flush()
            return
        case .disconnect?, .disconnectAfterStoring?, .disconnectInData?:
            return
        case nil:
            send(220, "\(configuration.hostname) \(protocolName) ready")
        }
        while !isClosed, let line = readCommandLine() {
            handle(line)
        }
        flush()
    }

    // MARK: - Commands

    private mutating func handle(_ line: String) {
        receiver.recordCommand(line, connection: connection)
        let verb = line.prefix { $0 != " " }.uppercased()
        let argument = line.dropFirst(verb.count).drop { $0 == " " }
        switch verb {
        case "LHLO", "EHLO", "HELO": hello(verb: verb, domain: String(argument))
        case "MAIL": mail(String(argument))
        case "RCPT": recipient(String(argument))
        case "DATA": data()
        case "RSET":
            transaction = nil
            send(250, "2.0.0 Ok")
        case "NOOP": send(250, "2.0.0 Ok")
        case "VRFY": send(252, "2.5.2 Cannot VRFY user, but will accept message and attempt delivery")
        case "QUIT":
            send(221, "2.0.0 Bye")
            flush()
            isClosed = true
        default: send(500, "5.5.2 Command not recognized")
        }
    }

    private mutating func hello(verb: String, domain: String) {
        let lmtp = configuration.transferProtocol == .lmtp
        // RFC 2033 §4.1: an LMTP server must not accept HELO or EHLO; LHLO is not SMTP.
        if lmtp && verb != "LHLO" { return send(500, "5.5.1 \(verb) is not LMTP: use LHLO") }
        if !lmtp && verb == "LHLO" { return send(500, "5.5.1 LHLO is LMTP, not SMTP: use EHLO") }
        guard !domain.isEmpty else { return send(501, "5.5.4 Syntax: \(verb) hostname") }
        if let action = receiver.fault(at: .hello, transaction: nil, connection: connection) {
            return perform(action)
        }
        if verb == "EHLO" && !configuration.acceptsEHLO { return send(502, "5.5.1 EHLO not implemented") }
        // RFC 5321 §4.1.4: a hello resets the session like RSET.
        transaction = nil
        greeted = true
        if verb == "HELO" {
            extended = false
            return send(250, configuration.hostname)
        }
        extended = true
        var lines = [configuration.hostname]
        if configuration.advertisesPipelining { lines.append("PIPELINING") }
        if let size = configuration.maximumMessageSize { lines.append(size > 0 ? "SIZE \(size)" : "SIZE") }
        if configuration.advertises8BITMIME { lines.append("8BITMIME") }
        lines.append("ENHANCEDSTATUSCODES")
        if configuration.advertisesSMTPUTF8 { lines.append("SMTPUTF8") }
        send(MailReply(code: 250, lines: lines))
    }

    private mutating func mail(_ argument: String) {
        guard greeted else { return send(503, "5.5.1 Error: send \(configuration.transferProtocol == .lmtp ? "LHLO" : "HELO/EHLO") first") }
        guard transaction == nil else { return send(503, "5.5.1 Error: nested MAIL command") }
        let number = receiver.beginTransaction()
        if let action = receiver.fault(at: .mail, transaction: number, connection: connection) { return perform(action) }
        guard let (path, parameters) = Self.parsePath(argument, keyword: "FROM:") else {
            return send(501, "5.5.4 Syntax: MAIL FROM:<address>")
        }
        var declaresEightBit = false
        for parameter in parameters {
            let key = parameter.prefix { $0 != "=" }.uppercased()
            let value = parameter.contains("=") ? String(parameter.drop { $0 != "=" }.dropFirst()) : nil
            switch key {
            case "BODY" where extended && configuration.advertises8BITMIME:
                switch value?.uppercased() {
                case "8BITMIME": declaresEightBit = true
                case "7BIT": declaresEightBit = false
                default: return send(501, "5.5.4 Unsupported BODY value")
                }
            case "SIZE" where extended && configuration.maximumMessageSize != nil:
                guard let value, let size = Int(value), size >= 0 else { return send(501, "5.5.4 Bad SIZE value") }
                if let limit = configuration.maximumMessageSize, limit > 0, size > limit {
                    return send(552, "5.3.4 Message size exceeds fixed limit")
                }
            case "SMTPUTF8" where extended && configuration.advertisesSMTPUTF8 && value == nil:
                break
            default:
                // RFC 5321 §4.1.1.11: a parameter of an extension not announced is refused.
                return send(555, "5.5.4 Unsupported option: \(parameter)")
            }
        }
        transaction = Transaction(number: number, reversePath: path, parameters: parameters, declaresEightBit: declaresEightBit)
        send(250, "2.1.0 Ok")
    }

    private mutating func recipient(_ argument: String) {
        guard transaction != nil else { return send(503, "5.5.1 Error: need MAIL command") }
        if let action = receiver.fault(at: .recipient, transaction: transaction?.number, connection: connection) {
            return perform(action)
        }
        guard let (path, parameters) = Self.parsePath(argument, keyword: "TO:"), !path.isEmpty else {
            return send(501, "5.5.4 Syntax: RCPT TO:<address>")
        }
        guard parameters.isEmpty else { return send(555, "5.5.4 Unsupported option: \(parameters[0])") }
        transaction?.recipients.append(path)
        send(250, "2.1.5 Ok")
    }

    private mutating func data() {
        guard greeted, let current = transaction else { return send(503, "5.5.1 Error: need MAIL command") }
        guard !current.recipients.isEmpty else {
            // RFC 2033 §4.2 requires 503 for LMTP; RFC 5321 §3.3 allows 554 (or 503) for SMTP.
            return configuration.transferProtocol == .lmtp
                ? send(503, "5.5.1 No valid recipients") : send(554, "5.5.1 No valid recipients")
        }
        if let action = receiver.fault(at: .data, transaction: current.number, connection: connection) {
            if case .disconnectInData(let count) = action {
                send(354, "Start mail input; end with <CRLF>.<CRLF>")
                // The 354 leaves before the drop even when the data came early (pipelined),
                // or close() would discard it.
                flush()
                discardData(count)
                return close()
            }
            return perform(action)
        }
        if hasPendingInput {
            // RFC 2920 §3.1: DATA ends a group; the data must wait for the 354.
            receiver.recordViolation("message data sent before the 354 reply to DATA", connection: connection)
        }
        send(354, "Start mail input; end with <CRLF>.<CRLF>")
        guard let message = readData() else { return close() }
        transaction = nil
        let lmtp = configuration.transferProtocol == .lmtp
        let replyCount = lmtp ? current.recipients.count : 1
        if message.contains(where: { $0 >= 0x80 }) && extended && configuration.advertises8BITMIME && !current.declaresEightBit {
            receiver.recordViolation("8-bit message data without BODY=8BITMIME (RFC 6152 §3)", connection: connection)
        }
        if let limit = configuration.maximumMessageSize, limit > 0, message.count > limit {
            for _ in 0..<replyCount { send(552, "5.3.4 Message size exceeds fixed limit") }
            return
        }
        let delivery = FakeMailDelivery(transaction: current.number, connection: connection,
                                        transferProtocol: configuration.transferProtocol, reversePath: current.reversePath,
                                        mailParameters: current.parameters, recipients: current.recipients,
                                        message: message, unacknowledged: false)
        switch receiver.fault(at: .endOfData, transaction: current.number, connection: connection) {
        case .reply(let reply)?:
            for _ in 0..<replyCount { send(reply) }
            return
        case .disconnectAfterStoring?:
            var stored = delivery
            stored.unacknowledged = true
            receiver.record(stored)
            return close()
        case .disconnect?, .disconnectInData?:
            return close()
        case nil:
            receiver.record(delivery)
            if lmtp {
                // RFC 2033 §4.2: one reply per successful RCPT, in order.
                for recipient in current.recipients { send(250, "2.1.5 <\(recipient)> Ok: delivered") }
            } else {
                send(250, "2.0.0 Ok: queued as \(current.number)")
            }
        }
    }

    private mutating func perform(_ action: FakeMailFault.Action) {
        switch action {
        case .reply(let reply): send(reply)
        case .disconnect, .disconnectAfterStoring, .disconnectInData: close()
        }
    }

    /// `FROM:<path> params` / `TO:<path> params`: the path without brackets (a quoted local part
    /// may contain ">") and the parameters.
    static func parsePath(_ argument: String, keyword: String) -> (String, [String])? {
        guard argument.uppercased().hasPrefix(keyword) else { return nil }
        let rest = Array(argument.dropFirst(keyword.count).drop { $0 == " " }.unicodeScalars)
        guard rest.first == "<" else { return nil }
        var i = 1
        var inQuotes = false
        var path = String.UnicodeScalarView()
        while i < rest.count {
            let c = rest[i]
            if inQuotes && c == "\\" && i + 1 < rest.count {
                path.append(c)
                path.append(rest[i + 1])
                i += 2
                continue
            }
            if c == "\"" { inQuotes.toggle() }
            if c == ">" && !inQuotes { break }
            path.append(c)
            i += 1
        }
        guard i < rest.count else { return nil }
        var tail = String.UnicodeScalarView()
        tail.append(contentsOf: rest[(i + 1)...])
        let parameters = String(tail).split(separator: " ").map(String.init)
        return (String(path), parameters)
    }

    // MARK: - Input

    private var hasPendingInput: Bool { head < input.count }

    /// The next command line without CRLF; nil at end of stream.
    private mutating func readCommandLine() -> String? {
        var searchFrom = head
        while true {
            if let lf = input[searchFrom...].firstIndex(of: 0x0A) {
                var end = lf
                if end > head, input[end - 1] == 0x0D {
                    end -= 1
                } else {
                    receiver.recordViolation("command line ended by a bare LF (RFC 5321 §2.3.8)", connection: connection)
                }
                let bytes = Array(input[head..<end])
                head = lf + 1
                let line = String(decoding: bytes, as: UTF8.self)
                if bytes.count + 2 > Self.maximumCommandLength {
                    receiver.recordViolation("command line longer than 512 octets", connection: connection)
                }
                checkPipelining(after: line)
                return line
            }
            let scanned = input.count - head
            if scanned > 64 * 1024 {
                // No line end in 64 KiB: not a command; a real server would give up too.
                receiver.recordViolation("command line without CRLF after 64 KiB", connection: connection)
                send(500, "5.5.2 Line too long")
                flush()
                return nil
            }
            guard fill() else { return nil }
            searchFrom = head + scanned  // fill may have moved the unread bytes to the front
        }
    }

    /// Records a command that arrived before the reply it should have waited for.
    private func checkPipelining(after line: String) {
        guard hasPendingInput else { return }
        let verb = line.prefix { $0 != " " }.uppercased()
        if !(extended && configuration.advertisesPipelining) {
            receiver.recordViolation("\(verb) followed by more input before its reply, without PIPELINING (RFC 2920)", connection: connection)
        } else if ["EHLO", "LHLO", "HELO", "QUIT", "NOOP"].contains(verb) {
            receiver.recordViolation("\(verb) not last in its pipelined group (RFC 2920 §3.1)", connection: connection)
        }
    }

    /// The message data up to the "." line, dot-stuffing removed; nil at end of stream.
    private mutating func readData() -> [UInt8]? {
        var message: [UInt8] = []
        var sawBareLF = false
        var searchFrom = head
        while true {
            guard let lf = input[searchFrom...].firstIndex(of: 0x0A) else {
                let scanned = input.count - head
                guard fill() else { return nil }
                searchFrom = head + scanned  // fill may have moved the unread bytes to the front
                continue
            }
            // RFC 5321 §2.3.8: only CRLF ends a line; a bare LF is content (and a violation).
            guard lf > head, input[lf - 1] == 0x0D else {
                sawBareLF = true
                searchFrom = lf + 1
                continue
            }
            let line = input[head..<(lf - 1)]
            head = lf + 1
            searchFrom = head
            if line.count == 1 && line.first == 0x2E {
                if sawBareLF {
                    receiver.recordViolation("bare LF in message data (RFC 5321 §2.3.8)", connection: connection)
                }
                if hasPendingInput && !(extended && configuration.advertisesPipelining) {
                    receiver.recordViolation("input after the end of data before its reply, without PIPELINING", connection: connection)
                }
                return message
            }
            // RFC 5321 §4.5.2: remove the first "." of a line that starts with one.
            message.append(contentsOf: line.first == 0x2E ? line.dropFirst() : line)
            message.append(contentsOf: [0x0D, 0x0A])
        }
    }

    /// Reads and drops `count` octets of data (for a connection dropped mid-transfer).
    private mutating func discardData(_ count: Int) {
        var remaining = count
        while remaining > 0 {
            if !hasPendingInput { guard fill() else { return } }
            let n = min(remaining, input.count - head)
            head += n
            remaining -= n
        }
    }

    /// Sends pending replies, then reads more input; false at end of stream.
    private mutating func fill() -> Bool {
        // Counted before the replies leave, so a client that has read them sees the count.
        if !output.isEmpty && !isClosed && !hasPendingInput { receiver.recordTurn() }
        flush()
        if head > 0 {
            input.removeSubrange(0..<head)
            head = 0
        }
        guard !isClosed, let chunk = try? stream.read(maxLength: 64 * 1024), !chunk.isEmpty else {
            isClosed = true
            return false
        }
        input.append(contentsOf: chunk)
        return true
    }

    // MARK: - Output

    private mutating func send(_ code: Int, _ text: String) { send(MailReply(code: code, lines: [text])) }

    private mutating func send(_ reply: MailReply) {
        for line in reply.wireLines {
            output.append(contentsOf: Array(line.utf8))
            output.append(contentsOf: [0x0D, 0x0A])
        }
    }

    /// Writes the pending replies at once (after the reply delay); true if there were any.
    @discardableResult
    private mutating func flush() -> Bool {
        guard !output.isEmpty, !isClosed else { return false }
        let delay = receiver.configuration.replyDelay
        if delay > 0 { Thread.sleep(forTimeInterval: delay) }
        do {
            try stream.write(output)
        } catch {
            isClosed = true
        }
        output.removeAll(keepingCapacity: true)
        return true
    }

    private mutating func close() {
        output.removeAll()
        isClosed = true
        stream.close()
    }
}
