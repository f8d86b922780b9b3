import Foundation

/// A message's INTERNALDATE (RFC 3501 §9 `date-time`), e.g. `17-Jul-1996 02:44:25 -0700`.
///
/// Kept as the calendar fields and zone offset the server sent, so that copying a message to
/// another server with APPEND preserves the date exactly, zone included.
///
/// The fake server formats and parses dates with its own code (`WireFormat.internalDate` and
/// `parseDateTime` in FakeIMAPServer) on purpose: it checks this code independently, as a real
/// server would.
public struct InternalDate: Sendable, Hashable, CustomStringConvertible {
    public let year: Int
    /// 1...12
    public let month: Int
    public let day: Int
    public let hour: Int
    public let minute: Int
    public let second: Int
    /// Offset from UTC in minutes (e.g. -420 for `-0700`).
    public let zoneOffsetMinutes: Int

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case invalid(String)
        public var description: String { switch self { case .invalid(let s): return "invalid IMAP date-time '\(s)'" } }
    }

    static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Creates a date-time from fields; returns nil if a field is out of range.
    public init?(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, zoneOffsetMinutes: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), (1...31).contains(day), (0...23).contains(hour),
              (0...59).contains(minute), (0...60).contains(second), abs(zoneOffsetMinutes) <= 99 * 60 + 59 else { return nil }
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.zoneOffsetMinutes = zoneOffsetMinutes
    }

    /// The date-time of `date` as seen in the zone `zoneOffsetMinutes` east of UTC.
    public init(date: Date, zoneOffsetMinutes: Int = 0) {
        // TimeZone accepts offsets up to ±18 hours.
        let zoneOffsetMinutes = min(max(zoneOffsetMinutes, -18 * 60), 18 * 60)
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(secondsFromGMT: zoneOffsetMinutes * 60) ?? TimeZone(secondsFromGMT: 0) ?? cal.timeZone
        let c = cal.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        year = c.year ?? 1970
        month = c.month ?? 1
        day = c.day ?? 1
        hour = c.hour ?? 0
        minute = c.minute ?? 0
        second = c.second ?? 0
        self.zoneOffsetMinutes = zoneOffsetMinutes
    }

    /// Parses `dd-Mon-yyyy hh:mm:ss +zzzz` (without the quotes). The day may be one digit or
    /// space-padded (`date-day-fixed`), the month name is case-insensitive.
    public init(parsing text: String) throws {
        guard let d = InternalDate.parse(Array(text.utf8)[...]) else { throw ParseError.invalid(text) }
        self = d
    }

    static func parse(_ s: ArraySlice<UInt8>) -> InternalDate? {
        var i = s.startIndex
        let end = s.endIndex
        func number(_ minDigits: Int, _ maxDigits: Int) -> Int? {
            var v = 0, n = 0
            while i < end, n < maxDigits, WireSyntax.isDigit(s[i]) { v = v * 10 + Int(s[i] - 0x30); i += 1; n += 1 }
            return n >= minDigits ? v : nil
        }
        func expect(_ b: UInt8) -> Bool {
            guard i < end, s[i] == b else { return false }
            i += 1
            return true
        }
        if i < end, s[i] == WireSyntax.sp { i += 1 }
        guard let day = number(1, 2), expect(0x2d), i + 3 <= end else { return nil }
        let mon = String(decoding: s[i..<(i + 3)], as: UTF8.self).lowercased()
        guard let month = monthNames.firstIndex(where: { $0.lowercased() == mon }) else { return nil }
        i += 3
        guard expect(0x2d), let year = number(4, 4), expect(WireSyntax.sp),
              let hour = number(2, 2), expect(0x3a), let minute = number(2, 2), expect(0x3a), let second = number(2, 2),
              expect(WireSyntax.sp), i < end else { return nil }
        let sign = s[i]
        guard sign == 0x2b || sign == 0x2d else { return nil }
        i += 1
        guard let zone = number(4, 4), i == end else { return nil }
        let offset = (zone / 100) * 60 + zone % 100
        return InternalDate(year: year, month: month + 1, day: day, hour: hour, minute: minute, second: second,
                            zoneOffsetMinutes: sign == 0x2d ? -offset : offset)
    }

    /// The absolute point in time.
    public var date: Date {
        var c = DateComponents()
        c.year = year; c.month = month; c.day = day; c.hour = hour; c.minute = minute; c.second = second
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(secondsFromGMT: 0) ?? cal.timeZone
        let utc = cal.date(from: c) ?? Date(timeIntervalSince1970: 0)
        return utc.addingTimeInterval(TimeInterval(-zoneOffsetMinutes * 60))
    }

    /// The wire form without quotes, with a two-digit day: `17-Jul-1996 02:44:25 -0700`.
    public var description: String {
        let z = abs(zoneOffsetMinutes)
        return String(day).leftPadded(to: 2) + "-" + InternalDate.monthNames[month - 1] + "-" + String(year).leftPadded(to: 4)
            + " " + String(hour).leftPadded(to: 2) + ":" + String(minute).leftPadded(to: 2) + ":" + String(second).leftPadded(to: 2)
            + " " + (zoneOffsetMinutes < 0 ? "-" : "+") + String(z / 60).leftPadded(to: 2) + String(z % 60).leftPadded(to: 2)
    }
}
