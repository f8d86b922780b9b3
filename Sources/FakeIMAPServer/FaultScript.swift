import Foundation

/// Fault injection and scripting for a fake server: hooks before and after any command, dropped
/// connections in the middle of a command, silent servers (no greeting, no answer), FETCH responses out of UID order, commands answered
/// NO or BAD, capabilities withheld or added. Shared by every session of a server; thread-safe.
///
/// Command names are matched case-insensitively and include the `UID ` prefix of UID commands:
/// `"UID FETCH"` and `"FETCH"` are different commands.
public final class FaultScript: @unchecked Sendable {
    /// What a session is about to run or has just run.
    public struct CommandInfo: Sendable {
        /// The session's number on its server (1, 2, ... in order of connection).
        public let session: Int
        public let tag: String
        /// Upper-case command name, `UID ` included (e.g. `UID FETCH`).
        public let name: String
        /// The arguments as text (literals shown as `{n}`).
        public let arguments: String
        /// For `after` hooks: the tagged status sent (`OK`, `NO`, `BAD`); empty for `before` hooks.
        public let status: String
    }

    /// What a `before` hook may make the session do instead of running the command.
    public enum Action: Sendable, Equatable {
        /// Answer the command with this tagged status (`NO` or `BAD`), response code and text.
        case respond(status: String, code: String?, text: String)
        /// Close the connection without answering.
        case dropConnection
    }

    /// How out-of-order FETCH responses are arranged.
    public enum FetchOrder: Sendable, Equatable {
        case reversed
        /// A deterministic shuffle from the seed.
        case shuffled(seed: UInt64)
    }

    public typealias BeforeHook = @Sendable (CommandInfo, FakeIMAPStore) -> Action?
    public typealias AfterHook = @Sendable (CommandInfo, FakeIMAPStore) -> Void

    struct Drop { var command: String; var afterUntagged: Int; var remaining: Int }
    struct Stall { var command: String; var afterUntagged: Int; var remaining: Int }
    struct AppendDrop { var afterMessages: Int; var remaining: Int }
    struct Reorder { var command: String; var order: FetchOrder; var remaining: Int }
    struct Failure { var command: String; var action: Action; var remaining: Int }

    /// Protects every stored fault.
    private let lock = NSLock()
    private var before: [BeforeHook] = []
    private var after: [AfterHook] = []
    private var drops: [Drop] = []
    private var appendDrops: [AppendDrop] = []
    private var stalls: [Stall] = []
    private var greetingStalls = 0
    private var reorders: [Reorder] = []
    private var failures: [Failure] = []
    private var withheld: Set<String> = []
    private var added: [String] = []

    public init() {}

    /// Runs `hook` before every command; a non-nil action replaces the command.
    public func beforeCommand(_ hook: @escaping BeforeHook) { locked { before.append(hook) } }
    /// Runs `hook` after every command, once its tagged response has been sent.
    public func afterCommand(_ hook: @escaping AfterHook) { locked { after.append(hook) } }

    /// Closes the connection once `count` untagged responses of `command` have been sent
    /// (0: before any), for the next `times` such commands.
    public func dropConnection(during command: String, afterUntagged count: Int, times: Int = 1) {
        locked { drops.append(Drop(command: command.uppercased(), afterUntagged: count, remaining: times)) }
    }

    /// Accepts the next `times` connections and never greets them: the session reads and
    /// discards what the client sends until the client closes the connection.
    public func stallGreeting(times: Int = 1) { locked { greetingStalls += times } }

    /// Stops answering once `count` untagged responses of `command` have been sent (0: before
    /// any), for the next `times` such commands: the connection stays open, silent, until the
    /// client closes it.
    public func stall(during command: String, afterUntagged count: Int, times: Int = 1) {
        locked { stalls.append(Stall(command: command.uppercased(), afterUntagged: count, remaining: times)) }
    }

    /// Closes the connection once `count` messages of an APPEND (MULTIAPPEND batch) have been
    /// received, before the command completes, for the next `times` APPENDs that get that far.
    public func dropConnection(duringAppendAfterMessages count: Int, times: Int = 1) {
        locked { appendDrops.append(AppendDrop(afterMessages: count, remaining: times)) }
    }

    /// Sends the FETCH responses of `command` (`UID FETCH` or `FETCH`) out of UID order.
    public func reorderFetchResponses(of command: String = "UID FETCH", _ order: FetchOrder = .reversed, times: Int = .max) {
        locked { reorders.append(Reorder(command: command.uppercased(), order: order, remaining: times)) }
    }

    /// Answers the next `times` `command`s with `status` (`NO` or `BAD`) without running them.
    public func fail(_ command: String, status: String = "NO", code: String? = nil, text: String = "Injected failure.", times: Int = 1) {
        locked { failures.append(Failure(command: command.uppercased(), action: .respond(status: status.uppercased(), code: code, text: text), remaining: times)) }
    }

    /// Stops advertising (and supporting) a capability.
    public func withholdCapability(_ capability: String) { locked { _ = withheld.insert(capability.uppercased()) } }
    /// Advertises an extra capability.
    public func addCapability(_ capability: String) { locked { added.append(capability) } }

    /// Removes every fault and hook.
    public func reset() {
        locked {
            before = []; after = []; drops = []; appendDrops = []; reorders = []; failures = []
            stalls = []; greetingStalls = 0
            withheld = []; added = []
        }
    }

    // MARK: Used by sessions

    private func locked<T>(_ body: () -> T) -> T { lock.lock(); defer { lock.unlock() }; return body() }

    func capabilities(from base: [String]) -> [String] {
        locked { base.filter { !withheld.contains($0.uppercased()) } + added.filter { a in !base.contains(a) } }
    }

    func beforeHooks() -> [BeforeHook] { locked { before } }
    func afterHooks() -> [AfterHook] { locked { after } }

    func takeFailure(for command: String) -> Action? {
        locked {
            guard let i = failures.firstIndex(where: { $0.command == command && $0.remaining > 0 }) else { return nil }
            failures[i].remaining -= 1
            return failures[i].action
        }
    }

    func takeDrop(for command: String) -> Int? {
        locked {
            guard let i = drops.firstIndex(where: { $0.command == command && $0.remaining > 0 }) else { return nil }
            drops[i].remaining -= 1
            return drops[i].afterUntagged
        }
    }

    /// Whether this connection's greeting must be withheld (the stall-greeting fault).
    func takeGreetingStall() -> Bool {
        locked {
            guard greetingStalls > 0 else { return false }
            greetingStalls -= 1
            return true
        }
    }

    func takeStall(for command: String) -> Int? {
        locked {
            guard let i = stalls.firstIndex(where: { $0.command == command && $0.remaining > 0 }) else { return nil }
            stalls[i].remaining -= 1
            return stalls[i].afterUntagged
        }
    }

    /// Whether an APPEND that has received `messages` messages so far must be dropped now.
    func shouldDropAppend(afterMessages messages: Int) -> Bool {
        locked {
            guard let i = appendDrops.firstIndex(where: { $0.afterMessages == messages && $0.remaining > 0 }) else { return false }
            appendDrops[i].remaining -= 1
            return true
        }
    }

    func takeReorder(for command: String) -> FetchOrder? {
        locked {
            guard let i = reorders.firstIndex(where: { $0.command == command && $0.remaining > 0 }) else { return nil }
            reorders[i].remaining -= 1
            return reorders[i].order
        }
    }
}
