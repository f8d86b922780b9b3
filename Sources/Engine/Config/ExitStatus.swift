/// Process exit statuses, from sysexits(3) as mail tools use them, so that a cron job or a service
/// manager can tell a bad configuration from a server that is down for a while.
public enum ExitStatus: Int32, Sendable {
    case success = 0
    /// The command line was wrong (also what the reference uses for usage errors: 1 would be
    /// ambiguous with a generic failure, so sysexits' EX_USAGE is used).
    case usage = 64
    /// Data from outside (a server response, the database, a statefile) is not what it must be.
    case dataError = 65
    /// An input file (configuration, statefile) does not exist or cannot be read.
    case noInput = 66
    /// A service (IMAP, SMTP/LMTP server) refused or is unavailable.
    case unavailable = 69
    /// An internal inconsistency: a bug.
    case software = 70
    /// A system call failed.
    case osError = 71
    /// An output file cannot be created.
    case cannotCreate = 73
    /// Reading or writing a file failed.
    case ioError = 74
    /// A temporary failure (connection lost, 4xx reply, busy database or statefile): try again later.
    case temporaryFailure = 75
    /// The peer violated the protocol.
    case protocolError = 76
    /// Permission denied (e.g. authentication failed).
    case permissionDenied = 77
    /// The configuration is wrong.
    case configuration = 78
}

/// An error that knows which exit status it deserves.
public protocol ExitStatusProviding: Error {
    var exitStatus: ExitStatus { get }
}
