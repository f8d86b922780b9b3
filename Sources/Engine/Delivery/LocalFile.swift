import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open file of a local mail store (a maildir's `tmp/` file, an mbox), with the system calls
/// delivery needs and errors that say which file and which call failed.
struct LocalFile {
    let path: String
    let fd: Int32

    /// open(2), retried on EINTR; close-on-exec so that an MDA never inherits it.
    static func open(_ path: String, flags: Int32, mode: mode_t = 0o600) throws(MailDeliveryError) -> LocalFile {
        var fd: Int32
        repeat { fd = openFile(path, flags | O_CLOEXEC, mode) } while fd < 0 && errno == EINTR
        guard fd >= 0 else { throw failure(path, "open", errno) }
        return LocalFile(path: path, fd: fd)
    }

    /// Writes all of `bytes` (write(2) may take less than asked).
    func write(_ bytes: [UInt8]) throws(MailDeliveryError) {
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { raw in writeFile(fd, raw.baseAddress! + written, raw.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Self.failure(path, "write", errno)
            }
            written += n
        }
    }

    /// fsync(2): the data is on disk when it returns.
    func sync() throws(MailDeliveryError) {
        guard fsync(fd) == 0 else { throw Self.failure(path, "fsync", errno) }
    }

    func close() { _ = closeFile(fd) }

    /// Creates `path` as a directory (mode 0700) unless it is one already.
    static func makeDirectory(_ path: String) throws(MailDeliveryError) {
        var info = stat()
        if stat(path, &info) == 0 {
            guard (info.st_mode & S_IFMT) == S_IFDIR else {
                throw MailDeliveryError.localStoreFailed(path: path, operation: "mkdir", reason: "exists and is not a directory",
                                                         transient: false)
            }
            return
        }
        guard mkdir(path, 0o700) == 0 || errno == EEXIST else { throw failure(path, "mkdir", errno) }
    }

    /// Creates the parent directories of `path` that are missing (mode 0700).
    static func makeParentDirectories(of path: String) throws(MailDeliveryError) {
        let parent = (path as NSString).deletingLastPathComponent
        guard !parent.isEmpty, parent != "/" else { return }
        var info = stat()
        if stat(parent, &info) == 0 { return }
        try makeParentDirectories(of: parent)
        try makeDirectory(parent)
    }

    /// fsync(2) of a directory, so a rename into it survives a crash.
    static func syncDirectory(_ path: String) throws(MailDeliveryError) {
        let directory = try open(path, flags: O_RDONLY)
        defer { directory.close() }
        try directory.sync()
    }

    /// The error for `call` on `path` failing with errno `code`. A full disk or quota and an
    /// interrupted call may go away by themselves: worth another try at the next run.
    static func failure(_ path: String, _ call: String, _ code: Int32) -> MailDeliveryError {
        let transient = [ENOSPC, EDQUOT, EAGAIN, EINTR, ENOLCK].contains(code)
        return .localStoreFailed(path: path, operation: call, reason: errnoText(code), transient: transient)
    }
}

#if canImport(Glibc)
private func openFile(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { Glibc.open(path, flags, mode) }
private func writeFile(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int { Glibc.write(fd, bytes, count) }
private func closeFile(_ fd: Int32) -> Int32 { Glibc.close(fd) }
#else
private func openFile(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { Darwin.open(path, flags, mode) }
private func writeFile(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int { Darwin.write(fd, bytes, count) }
private func closeFile(_ fd: Int32) -> Int32 { Darwin.close(fd) }
#endif
