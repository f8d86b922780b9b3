import Foundation

/// A mail server a scenario runs against: the fake store (fake-imapd with a state file) or a real
/// dovecot store. The runner sets it up, changes it as another client would, gives the engine a
/// tunnel command to reach it, and reads it back for expectations.
protocol ServerBackend: AnyObject {
    var name: String { get }
    /// Creates the initial content.
    func setUp(_ spec: ServerSpec) throws
    /// Applies a change made by another client.
    func apply(_ change: ServerChange, labels: LabelIndex) throws
    /// Moves every internal date back (time passing, for `purge-after`).
    func moveInternalDates(back seconds: TimeInterval) throws
    func snapshot() throws -> ServerSnapshot
    /// The `command` of a `type = tunnel` section reaching this server, with `faults` armed.
    func tunnelCommand(faults: [ServerFault]) -> String
    /// Removes what `setUp` created.
    func tearDown()
}

/// A failure of the runner or of a backend (not of an expectation): one line.
struct RunnerError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Quoting for `/bin/sh`.
enum Shell {
    static func quote(_ word: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%")
        if !word.isEmpty && word.allSatisfy({ safe.contains($0) }) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    static func join(_ words: [String]) -> String { words.map(quote).joined(separator: " ") }
}
