import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A fake store kept in a file (format: see `StateDocument`, JSON, versioned), as fake-imapd's
/// `--state FILE` uses it: loaded at start, reloaded when another process changed it, saved
/// atomically (temporary file, fsync, rename) after every state-changing command, so a killed
/// client or server never loses server state. A lock file (`FILE.lock`, fcntl write lock)
/// serialises the processes sharing one state file, one command at a time.
public final class FakeIMAPStateFile: StorePersistence, @unchecked Sendable {
    public enum Failure: Error, CustomStringConvertible {
        case io(path: String, operation: String, message: String)
        case format(path: String, message: String)
        public var description: String {
            switch self {
            case let .io(path, op, message): return "state file \(path): \(op) failed: \(message)"
            case let .format(path, message): return "state file \(path): \(message)"
            }
        }
    }

    public let path: String
    /// Delimiter and first UIDVALIDITY used when the file does not exist yet.
    private let newStoreDelimiter: Character
    private let newStoreUIDValidity: UInt32
    /// Protects the fields below (the lock descriptor and what was last loaded or saved).
    private let mutex = NSRecursiveLock()
    private var lockFD: Int32 = -1
    private var lockDepth = 0
    private var lastSeen: (mtime: timespec, size: Int64, inode: UInt64)?
    private var lastChangeCount: UInt64 = 0

    /// - Parameters:
    ///   - delimiter, firstUIDValidity: for a store created because the file does not exist.
    public init(path: String, delimiter: Character = "/", firstUIDValidity: UInt32 = 1) {
        self.path = path
        self.newStoreDelimiter = delimiter
        self.newStoreUIDValidity = firstUIDValidity
    }

    /// Loads the store (a new one with only INBOX if the file does not exist), under the lock.
    public func loadStore() throws -> FakeIMAPStore {
        try withLock {
            if let data = try readIfExists() {
                do {
                    let store = try FakeIMAPStore(encodedState: data)
                    lastChangeCount = store.changeCount
                    return store
                } catch {
                    throw Failure.format(path: path, message: String(describing: error))
                }
            }
            let store = FakeIMAPStore(delimiter: newStoreDelimiter, firstUIDValidity: newStoreUIDValidity)
            try write(store)
            return store
        }
    }

    /// Saves `store` now, under the lock.
    public func save(_ store: FakeIMAPStore) throws {
        try withLock { try write(store) }
    }

    /// Runs `body` holding the file lock (re-entrant within this process).
    public func withLock<T>(_ body: () throws -> T) throws -> T {
        try lock()
        defer { unlock() }
        return try body()
    }

    // MARK: StorePersistence

    func begin(_ store: FakeIMAPStore) throws {
        try lock()
        do {
            if changedOnDisk(), let data = try readIfExists() {
                do { try store.load(encodedState: data) } catch { throw Failure.format(path: path, message: String(describing: error)) }
                lastChangeCount = store.changeCount
                lastSeen = fileInfo()
            }
        } catch {
            unlock()
            throw error
        }
    }

    func end(_ store: FakeIMAPStore, save: Bool) throws {
        defer { unlock() }
        if save && store.changeCount != lastChangeCount { try write(store) }
    }

    // MARK: Internals

    private func lock() throws {
        mutex.lock()
        if lockDepth == 0 {
            let fd = open(path + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                mutex.unlock()
                throw Failure.io(path: path + ".lock", operation: "open", message: String(cString: strerror(errno)))
            }
            var fl = flock()
            fl.l_type = Int16(F_WRLCK)
            fl.l_whence = Int16(SEEK_SET)
            while fcntl(fd, F_SETLKW, &fl) != 0 {
                if errno == EINTR { continue }
                let message = String(cString: strerror(errno))
                Glibc.close(fd)
                mutex.unlock()
                throw Failure.io(path: path + ".lock", operation: "fcntl(F_SETLKW)", message: message)
            }
            lockFD = fd
        }
        lockDepth += 1
    }

    private func unlock() {
        lockDepth -= 1
        if lockDepth == 0 && lockFD >= 0 {
            Glibc.close(lockFD)  // closing releases the fcntl lock
            lockFD = -1
        }
        mutex.unlock()
    }

    private func fileInfo() -> (mtime: timespec, size: Int64, inode: UInt64)? {
        var st = Glibc.stat()
        guard lstat(path, &st) == 0 else { return nil }
        return (st.st_mtim, Int64(st.st_size), UInt64(st.st_ino))
    }

    private func changedOnDisk() -> Bool {
        guard let now = fileInfo() else { return false }
        guard let last = lastSeen else { return true }
        return now.inode != last.inode || now.size != last.size || now.mtime.tv_sec != last.mtime.tv_sec || now.mtime.tv_nsec != last.mtime.tv_nsec
    }

    private func readIfExists() throws -> Data? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            lastSeen = fileInfo()
            return data
        } catch {
            throw Failure.io(path: path, operation: "read", message: error.localizedDescription)
        }
    }

    private func write(_ store: FakeIMAPStore) throws {
        let count = store.changeCount
        let data = try store.encodedState()
        let tmp = path + ".tmp.\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure.io(path: tmp, operation: "open", message: String(cString: strerror(errno))) }
        var ok = true
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress.map { $0 + offset }, raw.count - offset)
                if n < 0 { if errno == EINTR { continue }; ok = false; break }
                offset += n
            }
        }
        let message = String(cString: strerror(errno))
        if ok && fsync(fd) != 0 { ok = false }
        Glibc.close(fd)
        guard ok else { unlink(tmp); throw Failure.io(path: tmp, operation: "write", message: message) }
        guard rename(tmp, path) == 0 else {
            let m = String(cString: strerror(errno)); unlink(tmp)
            throw Failure.io(path: path, operation: "rename", message: m)
        }
        lastSeen = fileInfo()
        lastChangeCount = count
    }
}
