import Engine
import Foundation

/// An in-process SMTP (RFC 5321) and LMTP (RFC 2033) receiver that records every message it
/// accepts, with scriptable faults: what pullimap's delivery is tested against.
///
/// A session is served over any ``ByteStream``: one end of a ``MemoryStream`` pair
/// (``connect()``), or accepted TCP connections (``listen(host:port:)``) so that a real program
/// can deliver to it. It keeps the protocol's rules: the greeting, LHLO for LMTP and HELO/EHLO for
/// SMTP (each refusing the other), command sequencing (503), MAIL parameters checked against
/// what was announced (555), DATA refused without an accepted recipient, dot-stuffing removed,
/// one reply per recipient after the data for LMTP (RFC 2033 §4.2). Replies to pipelined
/// commands are sent together when the input runs dry, as real servers do.
///
/// Besides the deliveries it records ``violations`` (client behaviour the RFCs forbid: a bare LF,
/// pipelining without PIPELINING, 8-bit data without BODY=8BITMIME) and ``clientTurns``, the
/// number of times it sent replies and then had to wait for the client: the round trips a
/// client costs.
public final class FakeMailReceiver: @unchecked Sendable {
    /// What the receiver announces and how it answers.
    public struct Configuration: Sendable, Equatable {
        public var transferProtocol: DeliveryMethod.TransferProtocol
        /// The name in the greeting and the hello reply.
        public var hostname = "fake.example"
        public var advertisesPipelining = true
        public var advertises8BITMIME = true
        public var advertisesSMTPUTF8 = false
        /// SIZE (RFC 1870): nil, not announced; 0, announced without a limit; otherwise the
        /// largest message accepted.
        public var maximumMessageSize: Int?
        /// SMTP only: whether EHLO is understood (if not it is refused with 502 and the client
        /// must fall back to HELO).
        public var acceptsEHLO = true
        /// Waited before each batch of replies is sent: a latency model.
        public var replyDelay: TimeInterval = 0

        public init(transferProtocol: DeliveryMethod.TransferProtocol) {
            self.transferProtocol = transferProtocol
        }
    }

    /// Protects every stored property below: sessions run on their own threads.
    private let lock = NSLock()
    private var _configuration: Configuration
    private var faults: [FakeMailFault] = []
    private var _deliveries: [FakeMailDelivery] = []
    private var _violations: [String] = []
    private var _transcript: [String] = []
    private var _transactionCount = 0
    private var _connectionCount = 0
    private var _clientTurns = 0
    private var activeStreams: [ObjectIdentifier: ByteStream] = [:]
    private var activeSessions = 0
    private let sessionsEnded = NSCondition()
    private var listener: TCPListener?

    public init(configuration: Configuration) {
        _configuration = configuration
    }

    public convenience init(_ transferProtocol: DeliveryMethod.TransferProtocol) {
        self.init(configuration: Configuration(transferProtocol: transferProtocol))
    }

    deinit { listener?.stop() }

    // MARK: - Configuration and faults

    /// The configuration; a change applies to the next connection (and to the reply delay at once).
    public var configuration: Configuration {
        get { lock.withLock { _configuration } }
        set { lock.withLock { _configuration = newValue } }
    }

    /// Adds a fault; the first fault matching a stage wins.
    public func inject(_ fault: FakeMailFault) {
        lock.withLock { faults.append(fault) }
    }

    public func removeAllFaults() {
        lock.withLock { faults.removeAll() }
    }

    // MARK: - What happened

    /// Every message accepted, in order.
    public var deliveries: [FakeMailDelivery] { lock.withLock { _deliveries } }
    /// Client behaviour the RFCs forbid, one line each, prefixed with the connection number.
    public var violations: [String] { lock.withLock { _violations } }
    /// Every command line received (message data excluded), prefixed with the connection number.
    public var transcript: [String] { lock.withLock { _transcript } }
    /// The number of MAIL commands received.
    public var transactionCount: Int { lock.withLock { _transactionCount } }
    /// The number of connections served.
    public var connectionCount: Int { lock.withLock { _connectionCount } }
    /// How many times the receiver sent replies and then waited for the client with nothing
    /// left to read: the client's round trips.
    public var clientTurns: Int { lock.withLock { _clientTurns } }

    /// Forgets the recorded deliveries, violations and transcript (counters keep counting).
    public func clearRecords() {
        lock.withLock {
            _deliveries.removeAll()
            _violations.removeAll()
            _transcript.removeAll()
        }
    }

    // MARK: - Serving

    /// Serves one session on `stream` on the calling thread, until QUIT or end of stream.
    public func serve(_ stream: ByteStream) {
        let connection = lock.withLock { () -> Int in
            _connectionCount += 1
            activeStreams[ObjectIdentifier(stream)] = stream
            return _connectionCount
        }
        sessionsEnded.withLock { activeSessions += 1 }
        var session = FakeMailSession(receiver: self, stream: stream, connection: connection)
        session.run()
        stream.close()
        _ = lock.withLock { activeStreams.removeValue(forKey: ObjectIdentifier(stream)) }
        sessionsEnded.withLock {
            activeSessions -= 1
            sessionsEnded.broadcast()
        }
    }

    /// Serves a session on `stream` on a new thread.
    public func serveInBackground(_ stream: ByteStream) {
        sessionsEnded.withLock { activeSessions += 1 }  // counted before the thread starts
        Thread.detachNewThread { [self] in
            serve(stream)
            sessionsEnded.withLock {
                activeSessions -= 1
                sessionsEnded.broadcast()
            }
        }
    }

    /// A client end connected to a new session served in the background.
    public func connect() -> MemoryStream {
        let (client, server) = MemoryStream.pair()
        serveInBackground(server)
        return client
    }

    /// Listens for TCP connections on `host` (an IP address) and `port` (0: any free port) and
    /// serves each on its own thread; returns the port.
    @discardableResult
    public func listen(host: String = "127.0.0.1", port: UInt16 = 0) throws -> UInt16 {
        let listener = try TCPListener(host: host, port: port)
        listener.start { [weak self] stream in self?.serveInBackground(stream) }
        lock.withLock { self.listener = listener }
        return listener.port
    }

    /// Stops listening and closes every open session.
    public func stop() {
        let (listener, streams) = lock.withLock { () -> (TCPListener?, [ByteStream]) in
            defer { self.listener = nil }
            return (self.listener, Array(activeStreams.values))
        }
        listener?.stop()
        for stream in streams { stream.close() }
    }

    /// Waits until no session is running (after the clients quit); false on timeout.
    @discardableResult
    public func waitForSessions(timeout: TimeInterval = 10) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        return sessionsEnded.withLock {
            while activeSessions > 0 {
                if !sessionsEnded.wait(until: deadline) { return false }
            }
            return true
        }
    }

    // MARK: - Called by sessions

    func beginTransaction() -> Int {
        lock.withLock {
            _transactionCount += 1
            return _transactionCount
        }
    }

    /// The action of the first fault matching `stage` now; a `.once` fault is spent.
    func fault(at stage: FakeMailFault.Stage, transaction: Int?, connection: Int) -> FakeMailFault.Action? {
        lock.withLock {
            guard let index = faults.firstIndex(where: { fault in
                guard fault.stage == stage else { return false }
                switch fault.trigger {
                case .always, .once: return true
                case .transaction(let n): return transaction == n
                case .connection(let n): return connection == n
                }
            }) else { return nil }
            let fault = faults[index]
            if fault.trigger == .once { faults.remove(at: index) }
            return fault.action
        }
    }

    func record(_ delivery: FakeMailDelivery) { lock.withLock { _deliveries.append(delivery) } }
    func recordViolation(_ text: String, connection: Int) { lock.withLock { _violations.append("#\(connection): \(text)") } }
    func recordCommand(_ line: String, connection: Int) { lock.withLock { _transcript.append("#\(connection): \(line)") } }
    func recordTurn() { lock.withLock { _clientTurns += 1 } }
}
