import Foundation

/// An IMAP failure on one of the two servers, named as log lines name it: `local(INBOX): ...`.
struct ServerFailure: Error, CustomStringConvertible, ExitStatusProviding {
    let server: String
    let mailbox: String?
    let error: IMAPClientError
    /// What was being done, e.g. `Couldn't create mailbox Work`.
    var context: String?
    var description: String { server + (mailbox.map { "(\($0))" } ?? "") + ": " + message }
    /// The server's own status, response code and words (`NO [CANNOT] ...`, `BAD ...`), as the
    /// reference logs them; with `--debug` the traffic shows which command it answered.
    var message: String {
        let reason: String
        switch error {
        case let .commandFailed(_, text): reason = "NO \(text)"
        case let .commandRejected(_, text): reason = "BAD \(text)"
        default: reason = String(describing: error)
        }
        return context.map { "\($0): \(reason)" } ?? reason
    }
    var exitStatus: ExitStatus { error.exitStatus }
}
