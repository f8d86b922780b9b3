import Foundation

/// How long a connection may stay silent while we wait for the server: the `timeout` option.
///
/// Every byte that goes either way counts as progress, so a slow but moving transfer never times
/// out (a long APPEND literal streamed from the other server gets no answer until its end), while
/// a server that accepts and never greets, or stops answering in the middle of a command, is
/// given up on once `seconds` pass with nothing moving. While the client waits on purpose (IDLE,
/// NOTIFY: RFC 2177 §3 lets the server stay silent for up to 29 minutes) the limit is suspended
/// and TCP keep-alive watches the connection instead.
///
/// One instance is shared by the socket at the bottom of a connection's layers (which enforces
/// it, see `SocketStream`) and the IMAP session on top (which suspends it around IDLE).
public final class SilenceLimit: @unchecked Sendable {
    /// The default of the `timeout` option: what the reference implementation waits.
    public static let defaultSeconds: Double = 30

    public let seconds: Double
    /// `lock` protects the fields below.
    private let lock = NSLock()
    private var lastProgress = Date()
    private var suspended = false

    /// `seconds` must be positive (a `timeout` of 0 means no limit at all: no instance).
    public init(seconds: Double) { self.seconds = seconds }

    /// Bytes moved: the silence starts again from now.
    public func progress() { lock.withLock { lastProgress = Date() } }

    /// The client is about to wait on purpose (IDLE): no limit until ``resume()``.
    public func suspend() { lock.withLock { suspended = true } }

    /// The purposeful wait is over (IDLE's DONE is sent): the answer is due within `seconds`.
    public func resume() {
        lock.withLock {
            suspended = false
            lastProgress = Date()
        }
    }

    /// "30", "0.5": seconds as the `timeout` option spells them.
    public static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() && seconds < 1e15 ? String(Int(seconds)) : String(seconds)
    }

    /// What a blocked read or write may wait before looking again, in milliseconds for poll(2);
    /// nil once the limit is exceeded. While suspended the answer is a short slice, so that a
    /// ``resume()`` from another thread is noticed.
    func pollWait() -> Int32? {
        lock.withLock {
            if suspended { return 1000 }
            let left = lastProgress.addingTimeInterval(seconds).timeIntervalSinceNow
            if left <= 0 { return nil }
            return Int32(min(left * 1000, 1_000_000).rounded(.up))
        }
    }
}
