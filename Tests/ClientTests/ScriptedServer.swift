import Foundation
@testable import Engine

/// A minimal IMAP peer for client tests: reads command lines (following synchronizing literals,
/// answering `+` only when told to) and answers with whatever the test's handler returns (an
/// empty answer leaves the command unanswered: a server that stalls).
final class ScriptedServer: @unchecked Sendable {
    let stream: ByteStream
    private let lock = NSLock()
    private var _received: [String] = []
    /// Every complete command line received, literals inlined.
    var received: [String] { lock.lock(); defer { lock.unlock() }; return _received }
    /// Decides the answer to a command line (without CRLF); returns the raw lines to send.
    let handler: @Sendable (String) -> [String]
    /// Whether to grant synchronizing literals with `+`.
    let grantLiterals: Bool
    private var buffer: [UInt8] = []

    /// `greeting` nil: the server never greets.
    init(stream: ByteStream, greeting: String?, grantLiterals: Bool = true, handler: @escaping @Sendable (String) -> [String]) {
        self.stream = stream
        self.handler = handler
        self.grantLiterals = grantLiterals
        if let greeting { try? stream.write(Array((greeting + "\r\n").utf8)) }
        let t = Thread { [self] in self.run() }
        t.start()
    }

    /// A client stream and a server stream on the two ends of a socketpair, the client's with
    /// a silence limit of `timeout` seconds: what a hostile server test needs to time out.
    static func socketPair(timeout: Double) throws -> (client: SocketStream, server: SocketStream, silence: SilenceLimit) {
        var pair: [Int32] = [-1, -1]
        #if os(Linux)
        let type = Int32(SOCK_STREAM.rawValue)
        #else
        let type = SOCK_STREAM
        #endif
        guard socketpair(AF_UNIX, type, 0, &pair) == 0 else { throw TransportError.closed }
        let silence = SilenceLimit(seconds: timeout)
        return (SocketStream(adopting: pair[0], peer: "imap.test:143", silence: silence),
                SocketStream(adopting: pair[1], peer: "client"), silence)
    }

    func send(_ line: String) { try? stream.write(Array((line + "\r\n").utf8)) }

    private func readLine() -> [UInt8]? {
        while true {
            if let i = buffer.firstIndex(of: 10) {
                let line = Array(buffer[..<i])
                buffer.removeFirst(i + 1)
                return line.last == 13 ? Array(line.dropLast()) : line
            }
            guard let more = try? stream.read(maxLength: 4096), !more.isEmpty else { return nil }
            buffer += more
        }
    }

    private func readBytes(_ n: Int) -> [UInt8]? {
        while buffer.count < n {
            guard let more = try? stream.read(maxLength: 4096), !more.isEmpty else { return nil }
            buffer += more
        }
        let out = Array(buffer[..<n]); buffer.removeFirst(n); return out
    }

    private func run() {
        while var line = readLine() {
            var text = String(decoding: line, as: UTF8.self)
            var refused = false
            // Follow literals: `{n}` needs a `+` (or a refusal), `{n+}` does not.
            while let count = TrafficLog.literalCount(line) {
                let synchronizing = !text.hasSuffix("+}")
                if synchronizing {
                    if grantLiterals { send("+ go ahead") } else {
                        let tag = text.split(separator: " ").first.map(String.init) ?? "*"
                        send("\(tag) NO literal refused"); refused = true; break
                    }
                }
                guard let data = readBytes(count), let rest = readLine() else { return }
                text += String(decoding: data, as: UTF8.self) + String(decoding: rest, as: UTF8.self)
                line = rest
            }
            lock.lock(); _received.append(text); lock.unlock()
            // The refusal was the command's one tagged response.
            if refused { continue }
            for reply in handler(text) {
                if reply == "<close>" { stream.close(); return }
                send(reply)
            }
        }
    }
}
