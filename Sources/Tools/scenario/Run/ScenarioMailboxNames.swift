import Engine
import Foundation

/// How names of one mailbox read on each side and in the database, from the delimiters and the
/// `list-reference` of each side: the database holds the name below the reference with NUL as
/// hierarchy delimiter (interimap(1), `list-reference`; DESIGN.md, database schema).
///
/// The scenario's own reckoning of both sides at once, for writing and checking a scenario; the
/// engine's `MailboxNaming` (one server's delimiter and reference) is what interimap runs on.
struct ScenarioMailboxNames {
    let localDelimiter: Character
    let remoteDelimiter: Character
    let localReference: String
    let remoteReference: String

    init(scenario: Scenario) {
        localDelimiter = scenario.server("local")?.delimiter ?? "/"
        remoteDelimiter = scenario.server("remote")?.delimiter ?? "/"
        localReference = scenario.interimapOptions["local"]?.last(where: { $0.key == "list-reference" })?.value ?? ""
        remoteReference = scenario.interimapOptions["remote"]?.last(where: { $0.key == "list-reference" })?.value ?? ""
    }

    func delimiter(_ side: String) -> Character { side == "remote" ? remoteDelimiter : localDelimiter }
    func reference(_ side: String) -> String { side == "remote" ? remoteReference : localReference }

    /// The components of a name written with the local delimiter (how scenarios name a mailbox
    /// of the database).
    func components(ofLocalName name: String) -> [String] {
        name.split(separator: localDelimiter, omittingEmptySubsequences: false).map(String.init)
    }

    /// The server-side name on `side` of the mailbox whose components are given.
    func serverName(_ components: [String], side: String) -> String {
        reference(side) + components.joined(separator: String(delimiter(side)))
    }

    /// The database's `mailbox` value: components in modified UTF-7 joined by NUL.
    func databaseName(_ components: [String]) -> [UInt8] {
        var out: [UInt8] = []
        for (i, c) in components.enumerated() {
            if i > 0 { out.append(0) }
            out += Array(ModifiedUTF7.encode(c).utf8)
        }
        return out
    }

    /// A database `mailbox` value as a name with the local delimiter (Unicode).
    func localName(fromDatabase bytes: [UInt8]) -> String {
        bytes.split(separator: 0, omittingEmptySubsequences: false).map { part in
            let wire = String(decoding: part, as: UTF8.self)
            return (try? ModifiedUTF7.decode(wire)) ?? wire
        }.joined(separator: String(localDelimiter))
    }

    /// The server's mailboxes below `side`'s reference, with the reference removed and the
    /// delimiter replaced by `/`, for comparing the two sides.
    func comparableNames(_ snapshot: ServerSnapshot, side: String) -> [String: String] {
        var out: [String: String] = [:]
        let ref = reference(side)
        for name in snapshot.mailboxes.keys {
            var rest = name
            if !ref.isEmpty {
                guard name.hasPrefix(ref) else { continue }
                rest = String(name.dropFirst(ref.count))
                if rest.isEmpty { continue }
            }
            out[rest.split(separator: snapshot.delimiter, omittingEmptySubsequences: false).joined(separator: "/")] = name
        }
        return out
    }
}
