import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `deliver-method = maildir:PATH`: each message becomes a file of the maildir, delivered the
/// way the maildir specification (cr.yp.to/proto/maildir.html) asks: written under a unique
/// name in `tmp/`, fsynced, then renamed into `new/`, whose directory is fsynced in turn. A
/// reader never sees a partial message, and once ``deliver(_:next:)`` returns the message
/// survives a crash; a crash before the rename leaves at most a file in `tmp/`, which readers
/// ignore (and which the specification lets them remove after 36 hours).
///
/// The maildir and its `cur/`, `new/` and `tmp/` are created (mode 0700) when missing.
public final class MaildirDeliverer: MessageDeliverer {
    public let path: String
    public private(set) var isOpen = true
    private var deliveries = 0
    private let host: String

    public init(path: String) throws(MailDeliveryError) {
        self.path = path
        try LocalFile.makeParentDirectories(of: path)
        try LocalFile.makeDirectory(path)
        for sub in ["cur", "new", "tmp"] { try LocalFile.makeDirectory(path + "/" + sub) }
        host = Self.hostPart()
    }

    public func deliver(_ message: OutgoingMessage, next: OutgoingMessage?) throws(MailDeliveryError) {
        let name = uniqueName()
        let temporary = path + "/tmp/" + name
        let final = path + "/new/" + name
        // O_EXCL: the name is unique by construction; should it exist all the same, nothing of
        // another delivery is overwritten.
        let file = try LocalFile.open(temporary, flags: O_WRONLY | O_CREAT | O_EXCL)
        do {
            try file.write(LocalMessageText.unixLines(message.body))
            try file.sync()
            file.close()
        } catch {
            file.close()
            unlink(temporary)
            throw error
        }
        CrashPoint.reached("maildir-tmp-written")
        guard rename(temporary, final) == 0 else {
            let failure = LocalFile.failure(final, "rename", errno)
            unlink(temporary)
            throw failure
        }
        try LocalFile.syncDirectory(path + "/new")
    }

    public func quit() { isOpen = false }
    public func close() { isOpen = false }

    /// `seconds.MmicrosecondsPpidQn.host`: the time, the process and its n-th delivery, so two
    /// deliveries by one process in the same microsecond still differ.
    private func uniqueName() -> String {
        var now = timeval()
        gettimeofday(&now, nil)
        deliveries += 1
        return "\(now.tv_sec).M\(now.tv_usec)P\(getpid())Q\(deliveries).\(host)"
    }

    /// The host name, with `/` and `:` written `\057` and `\072` as the specification asks.
    private static func hostPart() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        let name = gethostname(&buffer, buffer.count) == 0
            ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "localhost"
        return name.replacingOccurrences(of: "/", with: "\\057").replacingOccurrences(of: ":", with: "\\072")
    }
}
