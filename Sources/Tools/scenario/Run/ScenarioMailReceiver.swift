import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A small LMTP (RFC 2033) / SMTP (RFC 5321) receiver for scenarios: greeting, LHLO/EHLO/HELO
/// (announcing PIPELINING and 8BITMIME), MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP,
/// QUIT; LMTP answers once per recipient after the data (RFC 2033 §4.2). Armed faults replace a
/// reply or drop the connection in the middle of the data.
final class ScenarioMailReceiver: DeliveryRecorder, @unchecked Sendable {
    let port: UInt16
    let isLMTP: Bool
    private let listenFD: Int32
    /// Protects everything below.
    private let lock = NSLock()
    private var faults: [ReceiverFault] = []
    private var transactionsInRun = 0
    private var recorded: [RecordedDelivery] = []
    private var lines: [String] = []
    private var stopped = false
    private var connectionFDs: Set<Int32> = []

    init(transferProtocol: String) throws {
        isLMTP = transferProtocol != "smtp"
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw RunnerError("receiver: socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw RunnerError("receiver: bind/listen on 127.0.0.1: \(message)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listenFD = fd
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "scenario-receiver"
        thread.start()
    }

    func arm(_ newFaults: [ReceiverFault]) {
        lock.withLock { faults = newFaults; transactionsInRun = 0 }
    }

    var deliveries: [RecordedDelivery] { lock.withLock { recorded } }
    var transcript: [String] { lock.withLock { lines } }

    func stop() {
        let fds = lock.withLock { () -> Set<Int32> in
            stopped = true
            return connectionFDs
        }
        shutdown(listenFD, Int32(SHUT_RDWR))
        for fd in fds { shutdown(fd, Int32(SHUT_RDWR)) }
    }

    private func acceptLoop() {
        while !lock.withLock({ stopped }) {
            var p = pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 100) > 0 else { continue }
            let client = accept(listenFD, nil, nil)
            if client < 0 { continue }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            lock.withLock { _ = connectionFDs.insert(client) }
            let thread = Thread { [self] in
                serve(client)
                lock.withLock { _ = connectionFDs.remove(client) }
                close(client)
            }
            thread.start()
        }
        close(listenFD)
    }

    private func fault(_ stage: ReceiverFault.Stage, transaction: Int?) -> ReceiverFault.Action? {
        lock.withLock {
            faults.first { f in
                f.stage == stage && (f.transaction == nil || f.transaction == transaction)
            }?.action
        }
    }

    private func note(_ line: String) { lock.withLock { lines.append(line) } }

    /// One session, on its own thread.
    private func serve(_ fd: Int32) {
        let connection = Connection(fd: fd)
        func reply(_ text: String) -> Bool {
            note("S: \(text)")
            return connection.write(text + "\r\n")
        }
        if case .reply(let code, let text)? = fault(.greeting, transaction: nil) {
            _ = reply("\(code) \(text)")
            return
        }
        guard reply("220 receiver.scenario.example \(isLMTP ? "LMTP" : "ESMTP") ready") else { return }
        var sender: String?
        var recipients: [String] = []
        var transaction = 0
        while let line = connection.readLine() {
            note("C: \(line)")
            let upper = line.uppercased()
            let verb = upper.split(separator: " ").first.map(String.init) ?? ""
            switch verb {
            case "LHLO", "EHLO", "HELO":
                if (verb == "LHLO") != isLMTP {
                    guard reply("500 5.5.1 \(isLMTP ? "use LHLO" : "LHLO is for LMTP")") else { return }
                    continue
                }
                if case .reply(let code, let text)? = fault(.hello, transaction: nil) {
                    guard reply("\(code) \(text)") else { return }
                    continue
                }
                if verb == "HELO" {
                    guard reply("250 receiver.scenario.example") else { return }
                } else {
                    guard reply("250-receiver.scenario.example\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 ENHANCEDSTATUSCODES") else { return }
                }
            case "MAIL":
                transaction = lock.withLock { transactionsInRun += 1; return transactionsInRun }
                if case .reply(let code, let text)? = fault(.mail, transaction: transaction) {
                    guard reply("\(code) \(text)") else { return }
                    continue
                }
                sender = Self.path(line)
                recipients = []
                guard reply("250 2.1.0 OK") else { return }
            case "RCPT":
                guard sender != nil else { guard reply("503 5.5.1 MAIL first") else { return }; continue }
                if case .reply(let code, let text)? = fault(.rcpt, transaction: transaction) {
                    guard reply("\(code) \(text)") else { return }
                    continue
                }
                recipients.append(Self.path(line))
                guard reply("250 2.1.5 OK") else { return }
            case "DATA":
                guard sender != nil, !recipients.isEmpty else { guard reply("503 5.5.1 no valid recipients") else { return }; continue }
                let dataFault = fault(.data, transaction: transaction)
                if case .reply(let code, let text)? = dataFault {
                    guard reply("\(code) \(text)") else { return }
                    continue
                }
                guard reply("354 end data with <CR><LF>.<CR><LF>") else { return }
                if case .dropInData(let bytes)? = dataFault {
                    _ = connection.readBytes(bytes)
                    note("S: (connection dropped after \(bytes) bytes of data)")
                    return
                }
                guard let message = connection.readData() else { return }
                note("C: (\(message.count) bytes of message data)")
                if case .reply(let code, let text)? = fault(.endOfData, transaction: transaction) {
                    for _ in (isLMTP ? recipients : [""]) { guard reply("\(code) \(text)") else { return } }
                } else {
                    lock.withLock { recorded.append(RecordedDelivery(recipients: recipients, message: message)) }
                    for _ in (isLMTP ? recipients : [""]) { guard reply("250 2.0.0 OK") else { return } }
                }
                sender = nil
                recipients = []
            case "RSET":
                sender = nil
                recipients = []
                guard reply("250 2.0.0 OK") else { return }
            case "NOOP":
                guard reply("250 2.0.0 OK") else { return }
            case "QUIT":
                _ = reply("221 2.0.0 bye")
                return
            default:
                guard reply("500 5.5.2 unknown command") else { return }
            }
        }
    }

    /// The address between angle brackets of `MAIL FROM:<a>` / `RCPT TO:<b>`.
    static func path(_ line: String) -> String {
        guard let open = line.firstIndex(of: "<"), let close = line[open...].firstIndex(of: ">") else { return "" }
        return String(line[line.index(after: open)..<close])
    }

    /// Buffered reading and writing on a connected socket.
    private final class Connection {
        let fd: Int32
        var buffer: [UInt8] = []

        init(fd: Int32) { self.fd = fd }

        func fill() -> Bool {
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n > 0 { buffer += chunk[0..<n]; return true }
                if n < 0 && errno == EINTR { continue }
                return false
            }
        }

        func readLine() -> String? {
            while true {
                if let lf = buffer.firstIndex(of: 10) {
                    var line = Array(buffer[..<lf])
                    buffer.removeFirst(lf + 1)
                    if line.last == 13 { line.removeLast() }
                    return String(decoding: line, as: UTF8.self)
                }
                guard fill() else { return nil }
            }
        }

        /// The message data up to `CRLF.CRLF`, dot-stuffing removed (RFC 5321 §4.5.2).
        func readData() -> [UInt8]? {
            var message: [UInt8] = []
            while true {
                guard let lf = buffer.firstIndex(of: 10) else {
                    guard fill() else { return nil }
                    continue
                }
                var line = Array(buffer[...lf])
                buffer.removeFirst(lf + 1)
                if line == [46, 13, 10] || line == [46, 10] { return message }
                if line.first == 46 { line.removeFirst() }
                message += line
            }
        }

        func readBytes(_ count: Int) -> Int {
            while buffer.count < count { guard fill() else { break } }
            let n = min(count, buffer.count)
            buffer.removeFirst(n)
            return n
        }

        func write(_ text: String) -> Bool {
            let bytes = Array(text.utf8)
            var offset = 0
            while offset < bytes.count {
                let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress.map { $0 + offset }, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
                if n < 0 { if errno == EINTR { continue }; return false }
                offset += n
            }
            return true
        }
    }
}
