import Engine
import Foundation

/// Builds one server response (RFC 3501 §7) as bytes: text, quoted strings, literals and mailbox
/// names, choosing the wire form a real server would.
struct ResponseBuilder {
    private(set) var bytes: [UInt8] = []

    init(_ start: String = "") { text(start) }

    mutating func text(_ s: String) { bytes.append(contentsOf: s.utf8) }

    mutating func literal(_ data: [UInt8]) {
        text("{\(data.count)}\r\n")
        bytes.append(contentsOf: data)
    }

    /// A `string`: quoted when plain printable text, else a literal (dovecot sends a literal
    /// rather than escape `"` or `\\`).
    mutating func string(_ data: [UInt8]) {
        if data.count < 1024, data.allSatisfy({ $0 >= 0x20 && $0 < 0x7f && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
            bytes.append(UInt8(ascii: "\""))
            bytes.append(contentsOf: data)
            bytes.append(UInt8(ascii: "\""))
        } else {
            literal(data)
        }
    }

    mutating func string(_ s: String) { string(Array(s.utf8)) }

    /// An `nstring`: NIL or a string.
    mutating func nstring(_ data: [UInt8]?) {
        if let data { string(data) } else { text("NIL") }
    }

    /// An `astring`: an atom when possible (as dovecot writes `INBOX`, `foo/bar`), else a string.
    mutating func astring(_ s: String) {
        let u = Array(s.utf8)
        if !u.isEmpty, u.allSatisfy(Self.isAtomChar), s.uppercased() != "NIL" { bytes.append(contentsOf: u) } else { string(u) }
    }

    /// A mailbox name in modified UTF-7 (RFC 3501 §5.1.3).
    mutating func mailbox(_ name: String) { astring(ModifiedUTF7.encode(name)) }

    mutating func crlf() { text("\r\n") }

    static func isAtomChar(_ c: UInt8) -> Bool {
        c > 0x20 && c < 0x7f && c != UInt8(ascii: "(") && c != UInt8(ascii: ")") && c != UInt8(ascii: "{")
            && c != UInt8(ascii: "%") && c != UInt8(ascii: "*") && c != UInt8(ascii: "\"") && c != UInt8(ascii: "\\")
            && c != UInt8(ascii: "]")
    }
}

/// Wire forms of message attributes.
enum WireFormat {
    static let systemFlagOrder: [Flag] = [.answered, .flagged, .deleted, .seen, .draft]

    /// A flag list in dovecot's order: system flags, keywords, then `\Recent`.
    static func flagList(_ flags: Set<Flag>, recent: Bool = false) -> String {
        var parts = systemFlagOrder.filter { flags.contains($0) }.map(\.rawValue)
        parts += flags.filter { !$0.isSystem }.map(\.rawValue).sorted()
        parts += flags.filter { $0.isSystem && !systemFlagOrder.contains($0) && $0 != .recent }.map(\.rawValue).sorted()
        if recent { parts.append(Flag.recent.rawValue) }
        return "(" + parts.joined(separator: " ") + ")"
    }

    /// The flags a mailbox defines (FLAGS response, RFC 3501 §7.2.6).
    static func mailboxFlags(_ keywords: [String]) -> String {
        "(" + (systemFlagOrder.map(\.rawValue) + keywords).joined(separator: " ") + ")"
    }

    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// RFC 3501 `date-time`: `"21-Nov-2026 17:46:44 +0000"` (two-digit day, as dovecot writes).
    ///
    /// Independent of the engine's `InternalDate` on purpose: the fake server stands where
    /// dovecot stands, writing the dates the engine parses and parsing the dates the engine's
    /// APPEND writes, so a mistake in the engine's date code must show as a mismatch here,
    /// not be mirrored by the same code on both ends.
    /// Messages report it in UTC: dovecot's maildir keeps the instant, not the zone.
    static func internalDate(_ date: Date, zone: Int = 0) -> String {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(secondsFromGMT: zone) ?? TimeZone(secondsFromGMT: 0) ?? cal.timeZone
        let c = cal.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let sign = zone < 0 ? "-" : "+"
        let z = abs(zone) / 60
        func two(_ v: Int?) -> String { let v = v ?? 0; return v < 10 ? "0\(v)" : "\(v)" }
        let month = months[max(0, min(11, (c.month ?? 1) - 1))]
        return "\"\(two(c.day))-\(month)-\(c.year ?? 1970) \(two(c.hour)):\(two(c.minute)):\(two(c.second)) \(sign)\(two(z / 60))\(two(z % 60))\""
    }

    /// Parses RFC 3501 `date-time` (without the quotes): `dd-Mon-yyyy hh:mm:ss +zzzz`, the day
    /// possibly space-padded.
    static func parseDateTime(_ s: String) -> (Date, Int)? {
        let t = s.trimmingCharacters(in: .whitespaces)
        let parts = t.split(separator: " ")
        guard parts.count == 3 else { return nil }
        let dmy = parts[0].split(separator: "-")
        let hms = parts[1].split(separator: ":")
        let zone = parts[2]
        guard dmy.count == 3, hms.count == 3, zone.count == 5,
              let day = Int(dmy[0]), let monthIndex = months.firstIndex(where: { $0.lowercased() == dmy[1].lowercased() }),
              let year = Int(dmy[2]), let h = Int(hms[0]), let m = Int(hms[1]), let sec = Int(hms[2]),
              let zh = Int(zone.dropFirst().prefix(2)), let zm = Int(zone.suffix(2)),
              zone.first == "+" || zone.first == "-", (1...31).contains(day), (0...23).contains(h),
              (0...59).contains(m), (0...60).contains(sec) else { return nil }
        let offset = (zone.first == "-" ? -1 : 1) * (zh * 3600 + zm * 60)
        var cal = Calendar(identifier: .gregorian)
        guard let tz = TimeZone(secondsFromGMT: offset) else { return nil }
        cal.timeZone = tz
        guard let date = cal.date(from: DateComponents(year: year, month: monthIndex + 1, day: day, hour: h, minute: m, second: sec)) else { return nil }
        return (date, offset)
    }

    /// Parses RFC 3501 `date` for SEARCH (`1-Feb-1994`), as a calendar day.
    static func parseSearchDate(_ s: String) -> DateComponents? {
        let dmy = s.split(separator: "-")
        guard dmy.count == 3, let day = Int(dmy[0]), let year = Int(dmy[2]),
              let monthIndex = months.firstIndex(where: { $0.lowercased() == dmy[1].lowercased() }) else { return nil }
        return DateComponents(year: year, month: monthIndex + 1, day: day)
    }
}
