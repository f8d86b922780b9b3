import Engine
import Foundation

/// A scriptable IMAP server over any `ByteStream`: one shared `FakeIMAPStore`, a configuration
/// (capabilities, authentication, latency) and a `FaultScript`. Each connection gets its own
/// session thread; sessions see each other's changes as a real server's would.
public final class FakeIMAPServer: @unchecked Sendable {
    public let store: FakeIMAPStore
    public let configuration: FakeIMAPServerConfiguration
    public let faults: FaultScript
    /// Optional lock-reload-save around every command (fake-imapd's `--state`).
    let persistence: StorePersistence?
    /// The connection limit's bookkeeping, when the configuration has one.
    let connectionSlots: ConnectionSlots?

    /// Protects `sessionCount`.
    private let lock = NSLock()
    private var sessionCount = 0

    public init(store: FakeIMAPStore = FakeIMAPStore(), configuration: FakeIMAPServerConfiguration = .init(),
                faults: FaultScript = FaultScript()) {
        self.store = store
        self.configuration = configuration
        self.faults = faults
        self.persistence = nil
        connectionSlots = configuration.connectionLimit.map { ConnectionSlots(limit: $0, directory: nil) }
    }

    /// A server whose store lives in a state file (see `FakeIMAPStateFile`): reloaded before
    /// each command when another process changed it, saved after each change.
    public init(stateFile: FakeIMAPStateFile, configuration: FakeIMAPServerConfiguration = .init(),
                faults: FaultScript = FaultScript()) throws {
        self.store = try stateFile.loadStore()
        self.configuration = configuration
        self.faults = faults
        self.persistence = stateFile
        connectionSlots = configuration.connectionLimit.map { ConnectionSlots(limit: $0, directory: stateFile.path + ".connections") }
    }

    /// Number of sessions started so far.
    public var sessionsStarted: Int { lock.lock(); defer { lock.unlock() }; return sessionCount }

    private func nextSessionNumber() -> Int {
        lock.lock(); defer { lock.unlock() }
        sessionCount += 1
        return sessionCount
    }

    /// Serves one connection on the calling thread until LOGOUT, end of stream or an injected
    /// drop; closes the stream at the end.
    public func serve(on stream: ByteStream) {
        ServerSession(server: self, number: nextSessionNumber(), stream: stream).run()
    }

    /// Starts a session on its own thread over an in-memory connection and returns the
    /// client's end.
    public func connect() -> ByteStream {
        let (client, serverEnd) = MemoryStream.pair()
        serveInBackground(serverEnd)
        return client
    }

    /// Serves `stream` on a new thread.
    public func serveInBackground(_ stream: ByteStream) {
        let thread = Thread { [self] in self.serve(on: stream) }
        thread.name = "fake-imap-session"
        thread.stackSize = 4 << 20
        thread.start()
    }
}

/// Keeps a store in step with durable storage around each command.
protocol StorePersistence: Sendable {
    /// Before a command: take the lock, reload if someone else changed the storage.
    func begin(_ store: FakeIMAPStore) throws
    /// After a command: save if `save` and the store changed since the last load or save;
    /// release the lock.
    func end(_ store: FakeIMAPStore, save: Bool) throws
}
