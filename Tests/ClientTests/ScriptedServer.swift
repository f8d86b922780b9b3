import Foundation
@testable import Engine

/// A minimal IMAP peer for client tests: reads command lines (following synchronizing literals,
/// answering `+` only when told to) and answers with whatever the test's handler returns.
final class ScriptedServer: @unchecked Sendable {
    let stream: MemoryStream
    private let lock = NSLock()
    private var _received: [String] = []
    /// Every complete command line received, literals inlined.
    var received: [String] { lock.lock(); defer { lock.unlock() }; return _received }
    /// Decides the answer to a command line (without CRLF); returns the raw lines to send.
    let handler: @Sendable (String) -> [String]
    /// Whether to grant synchronizing literals with `+`.
    let grantLiterals: Bool
    private var buffer: [UInt8] = []

    init(stream: MemoryStream, greeting: String, grantLiterals: Bool = true, handler: @escaping @Sendable (String) -> [String]) {
        self.stream = stream
        self.handler = handler
        self.grantLiterals = grantLiterals
        try? stream.write(Array((greeting + "\r\n").utf8))
        let t = Thread { [self] in self.run() }
        t.start()
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
            // Follow literals: `{n}` needs a `+` (or a refusal), `{n+}` does not.
            while let count = TrafficLog.literalCount(line) {
                let synchronizing = !text.hasSuffix("+}")
                if synchronizing {
                    if grantLiterals { send("+ go ahead") } else {
                        let tag = text.split(separator: " ").first.map(String.init) ?? "*"
                        send("\(tag) NO literal refused"); break
                    }
                }
                guard let data = readBytes(count), let rest = readLine() else { return }
                text += String(decoding: data, as: UTF8.self) + String(decoding: rest, as: UTF8.self)
                line = rest
            }
            lock.lock(); _received.append(text); lock.unlock()
            for reply in handler(text) {
                if reply == "<close>" { stream.close(); return }
                send(reply)
            }
        }
    }
}
