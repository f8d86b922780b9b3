import Foundation

/// `deliver-method = mda:COMMAND`: each message goes to a mail delivery agent (procmail,
/// maildrop, dovecot-lda, sendmail …) run as `/bin/sh -c COMMAND` with the message on its
/// standard input (LF line endings) and every `%F` replaced by the envelope sender
/// (`MAILER-DAEMON` for the null path; characters other than letters, digits and `.@_-+/`
/// become `_`, so it is safe inside single quotes: `-f '%F'`).
///
/// The exit status decides, as sysexits(3) and every MDA agree: 0 delivered; 75 (EX_TEMPFAIL)
/// a temporary failure, the message stays for the next run; anything else (or a signal) a
/// permanent failure. The MDA's standard output is read while it runs (so it never blocks on a
/// full pipe) and quoted in the error; its standard error is ours.
public final class MDADeliverer: MessageDeliverer {
    public let command: String
    public private(set) var isOpen = true
    /// How long the MDA may run on after closing its output before it gets SIGTERM.
    public var terminationGracePeriod: Double = 300

    public init(command: String) { self.command = command }

    /// The command line for a message from `reversePath`.
    public func commandLine(reversePath: String) -> String {
        command.replacingOccurrences(of: "%F", with: LocalMessageText.shellSafeSender(reversePath))
    }

    public func deliver(_ message: OutgoingMessage, next: OutgoingMessage?) throws(MailDeliveryError) {
        let line = commandLine(reversePath: message.reversePath)
        let child: TunnelStream
        do {
            child = try TunnelStream.spawn(arguments: ["/bin/sh", "-c", line], command: line,
                                           terminationGracePeriod: terminationGracePeriod)
        } catch {
            throw .localStoreFailed(path: command, operation: "spawn /bin/sh", reason: String(describing: error), transient: true)
        }
        let output = OutputCollector()
        let reader = Thread { output.drain(child) }
        reader.name = "mda-output"
        reader.start()
        // An MDA that exits without reading all of its input makes this write fail (EPIPE);
        // its exit status, not the write, says whether it delivered.
        try? child.write(LocalMessageText.unixLines(message.body))
        child.shutdownWrite()
        CrashPoint.reached("mda-running")
        output.waitForEnd()
        child.close()
        let status = child.exitStatus ?? .unavailable
        guard status.isSuccess else { throw .mdaFailed(command: line, status: status, output: output.text) }
    }

    public func quit() { isOpen = false }
    public func close() { isOpen = false }
}

/// Reads an MDA's standard output to its end, keeping the first few hundred octets.
private final class OutputCollector: @unchecked Sendable {
    /// `condition` protects the fields below.
    private let condition = NSCondition()
    private var kept: [UInt8] = []
    private var ended = false
    private static let limit = 400

    func drain(_ stream: ByteStream) {
        while let chunk = try? stream.read(maxLength: 65536), !chunk.isEmpty {
            condition.withLock { if kept.count < Self.limit { kept += chunk.prefix(Self.limit - kept.count) } }
        }
        condition.withLock { ended = true; condition.broadcast() }
    }

    func waitForEnd() {
        condition.withLock { while !ended { condition.wait() } }
    }

    var text: String {
        condition.withLock {
            String(decoding: kept, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                .replacingOccurrences(of: "\n", with: " ")
        }
    }
}
