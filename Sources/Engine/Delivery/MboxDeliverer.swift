import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `deliver-method = mbox:PATH`: messages are appended to an mbox file in the mboxrd variant:
/// a `From SENDER DATE` line (the envelope sender, `MAILER-DAEMON` for the null path, and the
/// delivery time in asctime(3) form), the message with every line matching `^>*From ` quoted by
/// one more `>`, and an empty line.
///
/// Each append holds an fcntl(2) write lock on the whole file (the lock mail readers and MDAs
/// take, waited for rather than failed on) and is fsynced before the lock is released: the
/// message counts as delivered only then. A failed write is cut off again (ftruncate to the
/// size before), so the file never keeps half a message. The file (mode 0600) and its missing
/// parent directories are created.
public final class MboxDeliverer: MessageDeliverer {
    public let path: String
    public private(set) var isOpen = true
    private let file: LocalFile

    public init(path: String) throws(MailDeliveryError) {
        self.path = path
        try LocalFile.makeParentDirectories(of: path)
        file = try LocalFile.open(path, flags: O_RDWR | O_APPEND | O_CREAT)
    }

    deinit { file.close() }

    public func deliver(_ message: OutgoingMessage, next: OutgoingMessage?) throws(MailDeliveryError) {
        guard isOpen else { throw .localStoreFailed(path: path, operation: "write", reason: "closed", transient: false) }
        try lock(F_WRLCK)
        defer { try? lock(F_UNLCK) }
        var info = stat()
        guard fstat(file.fd, &info) == 0 else { throw LocalFile.failure(path, "fstat", errno) }
        let sizeBefore = info.st_size

        var text = separator(fileSize: sizeBefore)
        text += Array("From \(LocalMessageText.shellSafeSender(message.reversePath)) \(Self.asctime(Date()))\n".utf8)
        text += LocalMessageText.mboxrdQuoted(LocalMessageText.unixLines(message.body))
        text.append(0x0A)
        do {
            try file.write(text)
            CrashPoint.reached("mbox-written")
            try file.sync()
        } catch {
            _ = ftruncate(file.fd, sizeBefore)
            _ = fsync(file.fd)
            throw error
        }
    }

    public func quit() { isOpen = false }
    public func close() { isOpen = false }

    /// What must precede the `From ` line so that it starts after an empty line, whatever the
    /// file ended with (another program may have left it without one).
    private func separator(fileSize: off_t) -> [UInt8] {
        guard fileSize > 0 else { return [] }
        var tail: [UInt8] = [0, 0]
        let count = min(2, Int(fileSize))
        let read = tail.withUnsafeMutableBytes { pread(file.fd, $0.baseAddress, count, fileSize - off_t(count)) }
        guard read == count else { return [0x0A] }
        let last = Array(tail.prefix(count))
        if last == [0x0A, 0x0A] || (count == 1 && last == [0x0A]) { return [] }
        return last.last == 0x0A ? [0x0A] : [0x0A, 0x0A]
    }

    /// fcntl(2) lock of the whole file, waiting for other holders; retried on EINTR.
    private func lock(_ type: Int32) throws(MailDeliveryError) {
        var request = flock()
        request.l_type = Int16(type)
        request.l_whence = Int16(SEEK_SET)
        request.l_start = 0
        request.l_len = 0
        while fcntl(file.fd, F_SETLKW, &request) != 0 {
            guard errno == EINTR else { throw LocalFile.failure(path, "fcntl(F_SETLKW)", errno) }
        }
    }

    /// `Tue Dec  1 21:36:25 2026`, in local time (the traditional `From ` line date).
    static func asctime(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970)
        var parts = tm()
        localtime_r(&seconds, &parts)
        var buffer = [Int8](repeating: 0, count: 64)
        let length = strftime(&buffer, buffer.count, "%a %b %e %H:%M:%S %Y", &parts)
        return String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
