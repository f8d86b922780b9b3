import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Counts a server's simultaneous connections against a limit (Gmail refuses the sixteenth).
/// With a directory, each connection holds an `flock` on one of `limit` slot files in it, so
/// the fake-imapd processes of one state file (one per tunnel) count together and a killed
/// process frees its slot; without one, a counter in this process does.
final class ConnectionSlots: @unchecked Sendable {
    /// A claimed slot, given back by `release()` (or by the process's death).
    final class Slot: @unchecked Sendable {
        private let release_: () -> Void
        private var released = false
        init(release: @escaping () -> Void) { release_ = release }
        func release() {
            guard !released else { return }
            released = true
            release_()
        }
    }

    let limit: Int
    let directory: String?
    private let lock = NSLock()
    private var active = 0

    init(limit: Int, directory: String?) {
        self.limit = limit
        self.directory = directory
    }

    /// A free slot, or nil when `limit` connections are open.
    func claim() -> Slot? {
        guard let directory else {
            lock.lock(); defer { lock.unlock() }
            guard active < limit else { return nil }
            active += 1
            return Slot { [self] in lock.lock(); active -= 1; lock.unlock() }
        }
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for i in 0..<limit {
            let fd = open("\(directory)/slot-\(i)", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { continue }
            if flock(fd, LOCK_EX | LOCK_NB) == 0 { return Slot { Glibc.close(fd) } }
            Glibc.close(fd)
        }
        return nil
    }
}
