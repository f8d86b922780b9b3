import Engine
import Foundation

/// The mail store behind one fake server: shared by every session on it, so a test can act as
/// "another client" (append, store, expunge, create, rename, delete, change UIDVALIDITY, set
/// NOMODSEQ) while the client under test is connected, and sessions see those changes as a real
/// server's sessions would (unsolicited EXISTS, EXPUNGE/VANISHED, FETCH, NOTIFY events).
///
/// Thread-safe: every method may be called from any thread.
public final class FakeIMAPStore: @unchecked Sendable {
    /// Protects `state`, `generation` and `observers`.
    private let lock = NSLock()
    private var state: StoreState
    private var generation: UInt64 = 0
    private var observers: [Int: @Sendable () -> Void] = [:]
    private var nextObserver = 0

    /// A store holding only an empty INBOX.
    /// - Parameters:
    ///   - delimiter: the hierarchy delimiter LIST reports (RFC 3501 §6.3.8).
    ///   - firstUIDValidity: UIDVALIDITY of the first mailbox; later ones count up from it.
    public init(delimiter: Character = "/", firstUIDValidity: UInt32 = 1) {
        state = StoreState(delimiter: delimiter, firstUIDValidity: firstUIDValidity)
    }

    init(state: StoreState) { self.state = state }

    public var delimiter: Character { read { $0.delimiter } }

    /// Increases with every change; persistence compares it to know when to save.
    public var changeCount: UInt64 { lock.lock(); defer { lock.unlock() }; return generation }

    // MARK: Access for the sessions

    func read<T>(_ body: (StoreState) throws -> T) rethrows -> T {
        lock.lock(); defer { lock.unlock() }
        return try body(state)
    }

    /// Runs `body` on the state under the lock; if it returns normally the change is counted and
    /// every session is woken to report it. A thrown error leaves the state as it was.
    @discardableResult
    func mutate<T>(_ body: (inout StoreState) throws -> T) rethrows -> T {
        lock.lock()
        var copy = state
        let result: T
        do { result = try body(&copy) } catch { lock.unlock(); throw error }
        let changed = copy != state
        if changed { state = copy; generation += 1 }
        let toWake = changed ? Array(observers.values) : []
        lock.unlock()
        for wake in toWake { wake() }
        return result
    }

    /// Replaces everything (used when a state file changed under us).
    func replaceState(_ new: StoreState) {
        mutate { $0 = new }
    }

    func addObserver(_ wake: @escaping @Sendable () -> Void) -> Int {
        lock.lock(); defer { lock.unlock() }
        nextObserver += 1
        observers[nextObserver] = wake
        return nextObserver
    }

    func removeObserver(_ token: Int) {
        lock.lock(); defer { lock.unlock() }
        observers[token] = nil
    }

    // MARK: Looking

    /// Names of every mailbox, INBOX first.
    public var mailboxNames: [String] { read { $0.sortedMailboxes.map(\.name) } }

    /// A snapshot of one mailbox, or nil.
    public func mailbox(_ name: String) -> FakeMailbox? { read { $0.mailbox(named: name) } }

    /// A snapshot of every mailbox, INBOX first.
    public var mailboxes: [FakeMailbox] { read { $0.sortedMailboxes } }

    /// Subscribed names (RFC 3501 §6.3.6), sorted.
    public var subscriptions: [String] { read { $0.subscriptions.sorted() } }

    // MARK: Acting as another client

    @discardableResult
    public func createMailbox(_ name: String) throws -> FakeMailbox {
        try mutate { try $0.createMailbox(name) }
    }

    public func deleteMailbox(_ name: String) throws { try mutate { try $0.deleteMailbox(name) } }

    public func renameMailbox(_ name: String, to newName: String) throws {
        try mutate { try $0.renameMailbox(name, to: newName) }
    }

    public func subscribe(_ name: String) { mutate { $0.subscriptions.insert($0.canonicalName(name)) } }
    public func unsubscribe(_ name: String) { mutate { _ = $0.subscriptions.remove($0.canonicalName(name)) } }

    /// Appends one message; returns its UID.
    @discardableResult
    public func append(to mailbox: String, _ body: [UInt8], flags: Set<Flag> = [], internalDate: Date = Date(),
                       timeZoneOffset: Int = 0) throws -> UInt32 {
        try mutate { s in
            try s.withMailbox(mailbox) { $0.append([(body, flags, internalDate, timeZoneOffset)]) }
        }.first ?? 0
    }

    /// Appends one message given as text (lines should end in CRLF).
    @discardableResult
    public func append(to mailbox: String, _ text: String, flags: Set<Flag> = [], internalDate: Date = Date()) throws -> UInt32 {
        try append(to: mailbox, Array(text.utf8), flags: flags, internalDate: internalDate)
    }

    /// Changes flags as a STORE by another client would; returns the UIDs whose flags changed.
    @discardableResult
    public func store(in mailbox: String, uids: SequenceSet, flags: Set<Flag>,
                      _ operation: FakeMailbox.FlagOperation) throws -> [UInt32] {
        try mutate { s in
            try s.withMailbox(mailbox) { box in
                box.store(uids: box.messages.map(\.uid).filter { uids.contains($0) }, flags: flags, operation: operation).changed
            }
        }
    }

    /// Expunges the given UIDs whatever their flags (another client's `UID EXPUNGE` after setting
    /// `\Deleted`); returns the UIDs removed.
    @discardableResult
    public func expunge(in mailbox: String, uids: SequenceSet) throws -> [UInt32] {
        try mutate { s in
            try s.withMailbox(mailbox) { box in box.expunge(uids: box.messages.map(\.uid).filter { uids.contains($0) }) }
        }
    }

    /// Gives the mailbox a new UIDVALIDITY (by default the next one from the store's counter).
    /// With `renumber` the messages get fresh UIDs from 1, as a server rebuilding its index would
    /// (RFC 3501 §2.3.1.1), and the remembered expunges are forgotten.
    public func setUIDValidity(_ mailbox: String, to value: UInt32? = nil, renumber: Bool = false) throws {
        try mutate { s in
            let v = value ?? s.takeUIDValidity()
            try s.withMailbox(mailbox) { box in
                box.uidValidity = v
                if renumber {
                    for i in box.messages.indices { box.messages[i].uid = UInt32(i + 1) }
                    box.uidNext = UInt32(box.messages.count + 1)
                    box.expunged = []
                    box.firstRecentUID = 1
                }
                _ = box.nextModSeq()
            }
        }
    }

    /// Switches RFC 7162 §3.1.2.2 NOMODSEQ on or off for the mailbox.
    public func setNoModSeq(_ mailbox: String, _ on: Bool) throws {
        try mutate { s in try s.withMailbox(mailbox) { $0.noModSeq = on } }
    }

    /// Sets the extra LIST attributes of a mailbox (e.g. `\Sent`).
    public func setAttributes(_ mailbox: String, _ attributes: [String]) throws {
        try mutate { s in try s.withMailbox(mailbox) { $0.attributes = attributes } }
    }

    // MARK: Persistence

    /// The whole store as a state document (see `FakeIMAPStateFile` for the format).
    public func encodedState() throws -> Data {
        try read { try StateDocument(state: $0).encoded() }
    }

    /// A store loaded from a state document.
    public convenience init(encodedState data: Data) throws {
        self.init(state: try StateDocument.decode(data).storeState())
    }

    /// Replaces the whole content with a state document's.
    public func load(encodedState data: Data) throws {
        replaceState(try StateDocument.decode(data).storeState())
    }
}
