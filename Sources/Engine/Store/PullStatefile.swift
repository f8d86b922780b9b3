import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The mailbox state a pullimap statefile records: everything below `uidNext` was delivered.
public struct PullMailboxState: Equatable, Sendable {
    public var uidValidity: UInt32
    public var uidNext: UInt32

    public init(uidValidity: UInt32, uidNext: UInt32) {
        self.uidValidity = uidValidity
        self.uidNext = uidNext
    }
}

/// What a statefile holds: the state of the last completed cycle (nil for a new, empty file)
/// and the UIDs delivered during a `UID FETCH` that did not finish.
public struct PullStatefileContents: Equatable, Sendable {
    public var state: PullMailboxState?
    public var stalledUIDs: [UInt32]

    public init(state: PullMailboxState?, stalledUIDs: [UInt32] = []) {
        self.state = state
        self.stalledUIDs = stalledUIDs
    }
}

/// The pullimap statefile (pullimap(1), "Control flow"), byte-compatible with the reference:
/// big-endian 32-bit words, UIDVALIDITY, UIDNEXT, then one UID per message delivered while a
/// `UID FETCH` is in progress.
///
/// The file is opened with `O_DSYNC`, so a write is on disk when it returns: a UID appended
/// after its delivery survives a crash, and the next run does not deliver that message again.
/// A fcntl write lock taken right after opening keeps a second pullimap (ours or the reference)
/// away; it is held until ``close()`` or the object goes away.
public final class PullStatefile: @unchecked Sendable {
    public let path: String
    /// Protects `fd`: the pull loop and a delivery thread may both append.
    private let lock = NSLock()
    private var fd: Int32

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    deinit { if fd >= 0 { _ = systemClose(fd) } }

    /// Opens (creating it with mode 0600, and its parent directory with mode 0700, if missing)
    /// and locks the statefile at `path`.
    public static func open(path: String) throws(PullStatefileError) -> PullStatefile {
        try createParentDirectory(of: path)
        var fd: Int32
        repeat {
            fd = systemOpen(path, O_RDWR | O_CREAT | O_DSYNC | O_CLOEXEC, 0o600)
        } while fd < 0 && errno == EINTR
        guard fd >= 0 else {
            let code = errno
            throw .system(call: "open", path: path, message: errnoText(code),
                          exitStatus: code == EACCES || code == ENOENT || code == ENOTDIR ? .cannotCreate : .ioError)
        }
        var request = flock()
        request.l_type = Int16(F_WRLCK)
        request.l_whence = Int16(SEEK_SET)
        request.l_start = 0
        request.l_len = 0  // the whole file, however long it grows
        if fcntl(fd, F_SETLK, &request) < 0 {
            let code = errno
            _ = systemClose(fd)
            if code == EAGAIN || code == EACCES { throw .locked(path: path) }
            throw .system(call: "fcntl(F_SETLK)", path: path, message: errnoText(code), exitStatus: .ioError)
        }
        return PullStatefile(path: path, fd: fd)
    }

    /// Reads the whole file. An empty file is a new statefile (nil state).
    public func read() throws(PullStatefileError) -> PullStatefileContents {
        try withDescriptor { fd throws(PullStatefileError) in
            var info = stat()
            guard fstat(fd, &info) == 0 else { throw systemError("fstat") }
            let length = Int(info.st_size)
            if length == 0 { return PullStatefileContents(state: nil) }
            guard length >= 8, length % 4 == 0 else { throw .badLength(path: path, length: length) }
            var bytes = [UInt8](repeating: 0, count: length)
            var offset = 0
            while offset < length {
                let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress.map { $0 + offset }, length - offset, off_t(offset)) }
                if n < 0, errno == EINTR { continue }
                guard n > 0 else {
                    if n == 0 { throw .badLength(path: path, length: offset) }
                    throw systemError("read")
                }
                offset += n
            }
            return try Self.decode(bytes, path: path)
        }
    }

    /// The contents of the statefile at `path` without opening it for writing nor locking it
    /// (a running `pullimap --idle` holds the lock): nil when there is no such file.
    public static func peek(path: String) throws(PullStatefileError) -> PullStatefileContents? {
        guard let data = FileManager.default.contents(atPath: path) else {
            if FileManager.default.fileExists(atPath: path) {
                throw .system(call: "open", path: path, message: "cannot read", exitStatus: .noInput)
            }
            return nil
        }
        return try decode(Array(data), path: path)
    }

    /// Decodes the big-endian words of a statefile.
    private static func decode(_ bytes: [UInt8], path: String) throws(PullStatefileError) -> PullStatefileContents {
        let length = bytes.count
        if length == 0 { return PullStatefileContents(state: nil) }
        guard length >= 8, length % 4 == 0 else { throw .badLength(path: path, length: length) }
        var words: [UInt32] = []
        words.reserveCapacity(length / 4)
        for start in stride(from: 0, to: length, by: 4) {
            words.append(UInt32(bytes[start]) << 24 | UInt32(bytes[start + 1]) << 16 | UInt32(bytes[start + 2]) << 8 | UInt32(bytes[start + 3]))
        }
        return PullStatefileContents(state: PullMailboxState(uidValidity: words[0], uidNext: words[1]),
                                     stalledUIDs: Array(words[2...]))
    }

    /// Records the UID of a message just delivered: one 4-octet write at the end of the file,
    /// durable when this returns (`O_DSYNC`).
    public func appendDeliveredUID(_ uid: UInt32) throws(PullStatefileError) {
        try withDescriptor { fd throws(PullStatefileError) in
            let end = lseek(fd, 0, SEEK_END)
            guard end >= 0 else { throw systemError("lseek") }
            try writeFully(fd, Self.bigEndian([uid]), at: end)
        }
    }

    /// Replaces UIDNEXT (octets 5-8), once the `UID FETCH` finished.
    public func writeUIDNext(_ uidNext: UInt32) throws(PullStatefileError) {
        try withDescriptor { fd throws(PullStatefileError) in try writeFully(fd, Self.bigEndian([uidNext]), at: 4) }
    }

    /// Writes UIDVALIDITY and UIDNEXT (octets 1-8), e.g. on the first run.
    public func setState(_ state: PullMailboxState) throws(PullStatefileError) {
        try withDescriptor { fd throws(PullStatefileError) in
            try writeFully(fd, Self.bigEndian([state.uidValidity, state.uidNext]), at: 0)
        }
    }

    /// Drops the stalled UIDs: the file keeps only UIDVALIDITY and UIDNEXT.
    public func truncateToState() throws(PullStatefileError) {
        try withDescriptor { fd throws(PullStatefileError) in
            var result: Int32
            repeat { result = ftruncate(fd, 8) } while result < 0 && errno == EINTR
            guard result == 0 else { throw systemError("ftruncate") }
        }
    }

    /// Releases the lock and the descriptor. Later calls fail with ``PullStatefileError/closed(path:)``.
    public func close() {
        lock.withLock {
            if fd >= 0 { _ = systemClose(fd) }
            fd = -1
        }
    }

    // MARK: - Helpers

    private func withDescriptor<T>(_ body: (Int32) throws(PullStatefileError) -> T) throws(PullStatefileError) -> T {
        lock.lock()
        defer { lock.unlock() }
        guard fd >= 0 else { throw .closed(path: path) }
        return try body(fd)
    }

    private func writeFully(_ fd: Int32, _ bytes: [UInt8], at start: off_t) throws(PullStatefileError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress.map { $0 + offset }, bytes.count - offset, start + off_t(offset)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw systemError("write")
            }
            offset += n
        }
    }

    private func systemError(_ call: String) -> PullStatefileError {
        .system(call: call, path: path, message: errnoText(errno), exitStatus: .ioError)
    }

    static func bigEndian(_ words: [UInt32]) -> [UInt8] {
        words.flatMap { [UInt8($0 >> 24), UInt8(($0 >> 16) & 0xFF), UInt8(($0 >> 8) & 0xFF), UInt8($0 & 0xFF)] }
    }

    /// Creates the missing directories above `path`, each with mode 0700 (the statefile tells
    /// which mail was fetched: private to the user).
    private static func createParentDirectory(of path: String) throws(PullStatefileError) {
        let parent = (path as NSString).deletingLastPathComponent
        guard !parent.isEmpty else { return }
        var missing: [String] = []
        var directory = parent
        while !directory.isEmpty, directory != "/" {
            var info = stat()
            if stat(directory, &info) == 0 { break }
            missing.append(directory)
            directory = (directory as NSString).deletingLastPathComponent
        }
        for directory in missing.reversed() where mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw .system(call: "mkdir", path: directory, message: errnoText(errno), exitStatus: .cannotCreate)
        }
    }
}

/// Why the statefile cannot be used.
public enum PullStatefileError: Error, Equatable, Sendable, CustomStringConvertible, ExitStatusProviding {
    /// Another process holds the lock.
    case locked(path: String)
    /// The length is not 0, 8, or 8 plus a multiple of 4: the file is not a statefile.
    case badLength(path: String, length: Int)
    /// A system call failed.
    case system(call: String, path: String, message: String, exitStatus: ExitStatus)
    /// Used after ``PullStatefile/close()``.
    case closed(path: String)

    public var exitStatus: ExitStatus {
        switch self {
        case .locked: return .temporaryFailure
        case .badLength: return .dataError
        case .system(_, _, _, let status): return status
        case .closed: return .software
        }
    }

    public var description: String {
        switch self {
        case .locked(let path):
            return "statefile \(path) is locked: is another pullimap running?"
        case let .badLength(path, length):
            return "statefile \(path) is corrupt: \(length) octets (expected 0, 8, or 8 plus 4 per stalled UID)"
        case let .system(call, path, message, _):
            return "statefile \(path): \(call): \(message)"
        case .closed(let path):
            return "statefile \(path) is already closed"
        }
    }
}

#if canImport(Glibc)
private func systemClose(_ fd: Int32) -> Int32 { Glibc.close(fd) }
private func systemOpen(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { Glibc.open(path, flags, mode) }
#elseif canImport(Darwin)
private func systemClose(_ fd: Int32) -> Int32 { Darwin.close(fd) }
private func systemOpen(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { Darwin.open(path, flags, mode) }
#endif
