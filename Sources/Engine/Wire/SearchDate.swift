import Foundation

/// A date as SEARCH takes it (RFC 3501 §9 `date`), e.g. `1-Feb-1994`: a calendar day without
/// time or zone.
public struct SearchDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Creates a day from fields; returns nil if a field is out of range.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), (1...31).contains(day) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// The calendar day of `date` in `timeZone` (SEARCH dates are interpreted in the server's zone).
    public init(date: Date, timeZone: TimeZone = TimeZone(secondsFromGMT: 0) ?? .current) {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = timeZone
        let c = cal.dateComponents([.year, .month, .day], from: date)
        year = c.year ?? 1970
        month = c.month ?? 1
        day = c.day ?? 1
    }

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case invalid(String)
        public var description: String { switch self { case .invalid(let s): return "invalid IMAP date '\(s)'" } }
    }

    /// Parses `d-Mon-yyyy` or `dd-Mon-yyyy`, optionally in double quotes.
    public init(parsing text: String) throws {
        var t = Substring(text)
        if t.count >= 2, t.first == "\"", t.last == "\"" { t = t.dropFirst().dropLast() }
        let parts = t.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, (1...2).contains(parts[0].count), parts[0].allSatisfy({ $0.isASCII && $0.isNumber }),
              let d = Int(parts[0]), let m = InternalDate.monthNames.firstIndex(where: { $0.lowercased() == parts[1].lowercased() }),
              parts[2].count == 4, parts[2].allSatisfy({ $0.isASCII && $0.isNumber }), let y = Int(parts[2]),
              let value = SearchDate(year: y, month: m + 1, day: d) else { throw ParseError.invalid(text) }
        self = value
    }

    /// `1-Feb-1994`.
    public var description: String { "\(day)-\(InternalDate.monthNames[month - 1])-\(String(year).leftPadded(to: 4))" }

    public static func < (a: SearchDate, b: SearchDate) -> Bool { (a.year, a.month, a.day) < (b.year, b.month, b.day) }
}
