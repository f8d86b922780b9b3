import Foundation

/// Work done against work known, and what they make of the speed and the time left: the numbers
/// behind interimap's and pullimap's progress lines.
///
/// The speed is the average since the first unit of work was counted (steady, unlike an
/// instantaneous rate that jumps between a big message and a small one); the time left is what
/// remains at that speed. Neither is shown before a second of work, when they mean little.
public struct ProgressEstimate: Sendable, Equatable {
    public var done: Int64 = 0
    public var total: Int64 = 0
    /// When counting started (the clock of ``ProgressLine``), nil before.
    public var startedAt: TimeInterval?

    public init(done: Int64 = 0, total: Int64 = 0, startedAt: TimeInterval? = nil) {
        self.done = done
        self.total = total
        self.startedAt = startedAt
    }

    /// Counts `amount` more done at `now`; the total grows if the work outran it (new mail).
    public mutating func add(_ amount: Int64, at now: TimeInterval) {
        if startedAt == nil { startedAt = now }
        done += amount
        total = max(total, done)
    }

    /// Units per second, once counting has gone on for a second.
    public func rate(at now: TimeInterval) -> Double? {
        guard let startedAt, now - startedAt >= 1, done > 0 else { return nil }
        return Double(done) / (now - startedAt)
    }

    /// Seconds left at the average rate.
    public func remaining(at now: TimeInterval) -> TimeInterval? {
        guard let rate = rate(at: now), rate > 0, total > done else { return nil }
        return Double(total - done) / rate
    }
}

/// How the progress lines write their numbers.
public enum ProgressFormat {
    /// `512 B`, `4.1 KiB`, `20.0 MiB`, `1.2 GiB`.
    public static func bytes(_ count: Int64) -> String {
        guard count >= 1024 else { return "\(count) B" }
        var value = Double(count)
        for unit in ["KiB", "MiB", "GiB", "TiB"] {
            value /= 1024
            if value < 1024 || unit == "TiB" { return String(format: "%.1f %@", value, unit) }
        }
        return "\(count) B"
    }

    /// `0:07`, `12:34`, `1:02:03`.
    public static func duration(_ seconds: TimeInterval) -> String {
        let total = Int(min(seconds, 359_999).rounded(.up))
        let (hours, minutes, rest) = (total / 3600, total / 60 % 60, total % 60)
        let twoDigits = { (n: Int) in n < 10 ? "0\(n)" : "\(n)" }
        return hours > 0 ? "\(hours):\(twoDigits(minutes)):\(twoDigits(rest))" : "\(minutes):\(twoDigits(rest))"
    }

    /// `1.2/s` for small rates, `37/s` for larger ones.
    public static func rate(_ perSecond: Double) -> String {
        perSecond < 10 ? String(format: "%.1f/s", perSecond) : "\(Int(perSecond.rounded()))/s"
    }
}
