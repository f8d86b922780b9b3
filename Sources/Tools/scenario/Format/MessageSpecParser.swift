import Foundation

/// Reads message specifications: `LABEL [FLAG ...] [date=DATE] [age=AGE] [size=N] [body=TEXT]`.
///
/// - LABEL names the message in the rest of the scenario; `bulk{1..20}` stands for twenty
///   messages `bulk1` ... `bulk20`.
/// - FLAG: a system flag (`\Seen`, `\Answered`, `\Flagged`, `\Deleted`, `\Draft`) or a keyword.
/// - date: `2024-01-02`, `2024-01-02T10:00:00Z` or `2024-01-02T10:00:00+0100` (the internal
///   date, RFC 3501 §2.3.3); age: `3d`, `5h`, `30m` before the scenario started. Default: when
///   the scenario started.
/// - size: the generated body is padded to this many bytes.
/// - body: the whole message, to the end of the line; `\n` is a line break (CRLF), `\t` a tab,
///   `\\` a backslash. Without it a short message is generated with `Subject: LABEL` and
///   `Message-ID: <LABEL@scenario.example>`.
struct MessageSpecParser {
    /// The time the scenario started: default internal date, origin of `age=`.
    var now: Date

    static let systemFlags = ["\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft"]

    enum Failure: Error, CustomStringConvertible {
        case message(String)
        var description: String { switch self { case .message(let m): return m } }
    }

    func parse(_ value: String, line: Int) throws(Failure) -> [MessageSpec] {
        var head = value
        var explicitBody: [UInt8]?
        if let range = Self.bodyRange(in: value) {
            head = String(value[..<range.lowerBound])
            explicitBody = Self.unescape(String(value[range.upperBound...]))
        }
        let words: [String]
        do { words = try WordSplitter.split(head) } catch { throw .message("\(error)") }
        guard let labelWord = words.first else { throw .message("a message needs a label") }
        let labels = try Self.expandLabel(labelWord)
        var flags: [String] = []
        var date = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        var zone = 0
        var size: Int?
        for word in words.dropFirst() {
            if let eq = word.firstIndex(of: "="), !word.hasPrefix("\\") {
                let name = String(word[..<eq]), argument = String(word[word.index(after: eq)...])
                switch name {
                case "date":
                    guard let parsed = Self.parseDate(argument) else {
                        throw .message("date '\(argument)' is not YYYY-MM-DD[THH:MM:SS(Z|+HHMM)]")
                    }
                    (date, zone) = parsed
                case "age":
                    guard let seconds = Self.parseDuration(argument) else {
                        throw .message("age '\(argument)' is not a duration such as 3d, 5h or 30m")
                    }
                    date = Date(timeIntervalSince1970: (now.timeIntervalSince1970 - seconds).rounded(.down))
                case "size":
                    guard let n = Int(argument), n > 0, n <= 50_000_000 else { throw .message("size '\(argument)' is not a byte count") }
                    size = n
                default:
                    throw .message("unknown message attribute '\(name)=' (expected date=, age=, size= or body=)")
                }
            } else {
                flags.append(try Self.checkFlag(word))
            }
        }
        if explicitBody != nil && labels.count > 1 { throw .message("body= cannot be given for a range of labels") }
        return labels.map { label in
            var body = explicitBody ?? Self.generatedBody(label: label)
            if let size { body = Self.padded(body, to: size) }
            return MessageSpec(label: label, flags: flags, internalDate: date, timeZoneOffsetSeconds: zone, body: body, line: line)
        }
    }

    /// Checks a flag word: a known system flag or a keyword (RFC 3501 `flag-keyword` = atom).
    static func checkFlag(_ word: String) throws(Failure) -> String {
        if word.hasPrefix("\\") {
            guard let known = systemFlags.first(where: { $0.lowercased() == word.lowercased() }) else {
                throw .message("unknown system flag '\(word)' (expected one of \(systemFlags.joined(separator: " ")))")
            }
            return known
        }
        let forbidden = Set("(){ %*\"\\]")
        guard !word.isEmpty, !word.contains(where: { forbidden.contains($0) || $0.asciiValue.map { $0 < 0x21 || $0 > 0x7e } ?? true }) else {
            throw .message("'\(word)' is not a flag keyword (an atom such as $Label1 or Junk)")
        }
        return word
    }

    /// Where ` body=` (or a leading `body=`) starts: the rest of the line is the body.
    static func bodyRange(in value: String) -> Range<String.Index>? {
        if value.hasPrefix("body=") { return value.startIndex..<value.index(value.startIndex, offsetBy: 5) }
        return value.range(of: " body=")
    }

    static func unescape(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let b = iterator.next() {
            guard b == UInt8(ascii: "\\"), let next = iterator.next() else { out.append(b); continue }
            switch next {
            case UInt8(ascii: "n"): out += [13, 10]
            case UInt8(ascii: "t"): out.append(9)
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
            default: out += [b, next]
            }
        }
        if out.suffix(2) != [13, 10] { out += [13, 10] }
        return out
    }

    static let labelCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-")

    /// `name` or `name{A..B}` (A ≤ B, at most 10000 messages).
    static func expandLabel(_ word: String) throws(Failure) -> [String] {
        if let open = word.firstIndex(of: "{") {
            guard word.last == "}" else { throw .message("label range '\(word)' must end with '}' (e.g. bulk{1..20})") }
            let prefix = String(word[..<open])
            let inner = word[word.index(after: open)..<word.index(before: word.endIndex)]
            let bounds = inner.components(separatedBy: "..")
            guard bounds.count == 2, let a = Int(bounds[0]), let b = Int(bounds[1]), a <= b, b - a < 10000 else {
                throw .message("label range '\(word)' must be NAME{FIRST..LAST}")
            }
            try checkLabel(prefix.isEmpty ? "m" : prefix)
            return (a...b).map { prefix + String($0) }
        }
        try checkLabel(word)
        return [word]
    }

    static func checkLabel(_ label: String) throws(Failure) {
        guard !label.isEmpty, label.allSatisfy({ labelCharacters.contains($0) }) else {
            throw .message("'\(label)' is not a message label (letters, digits and . _ + - only)")
        }
    }

    /// A short message naming its label in Subject and Message-ID.
    static func generatedBody(label: String) -> [UInt8] {
        Array(("From: Scenario <scenario@example.org>\r\nTo: user@example.net\r\nSubject: \(label)\r\n"
               + "Message-ID: <\(label)@scenario.example>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
               + "Message \(label).\r\n").utf8)
    }

    /// `body` with filler lines appended until it is `size` bytes long.
    static func padded(_ body: [UInt8], to size: Int) -> [UInt8] {
        var out = body
        let line = Array(String(repeating: "x", count: 74).utf8) + [13, 10]
        while out.count + line.count <= size { out += line }
        let rest = size - out.count
        if rest >= 2 { out += Array(repeating: UInt8(ascii: "y"), count: rest - 2) + [13, 10] }
        return out
    }

    static func parseDuration(_ text: String) -> TimeInterval? {
        guard let unit = text.last, let n = Double(text.dropLast()), n >= 0 else { return nil }
        switch unit {
        case "d": return n * 86400
        case "h": return n * 3600
        case "m": return n * 60
        case "s": return n
        default: return nil
        }
    }

    /// `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SS` followed by `Z`, `+HHMM` or `+HH:MM` (default UTC).
    static func parseDate(_ text: String) -> (Date, Int)? {
        let scalars = Array(text)
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= scalars.count else { return nil }
            return Int(String(scalars[from..<(from + count)]))
        }
        guard scalars.count >= 10, scalars[4] == "-", scalars[7] == "-",
              let y = number(0, 4), let mo = number(5, 2), let d = number(8, 2) else { return nil }
        var h = 0, mi = 0, s = 0, zone = 0
        if scalars.count > 10 {
            guard scalars[10] == "T" || scalars[10] == " ", scalars.count >= 19, scalars[13] == ":", scalars[16] == ":",
                  let hh = number(11, 2), let mm = number(14, 2), let ss = number(17, 2) else { return nil }
            (h, mi, s) = (hh, mm, ss)
            let zoneText = String(scalars[19...]).replacingOccurrences(of: ":", with: "")
            if zoneText.isEmpty || zoneText == "Z" {
                zone = 0
            } else {
                guard zoneText.count == 5, let sign = zoneText.first, sign == "+" || sign == "-",
                      let hours = Int(zoneText.dropFirst().prefix(2)), let minutes = Int(zoneText.suffix(2)) else { return nil }
                zone = (sign == "-" ? -1 : 1) * (hours * 3600 + minutes * 60)
            }
        }
        guard (1...12).contains(mo), (1...31).contains(d), (0...23).contains(h), (0...59).contains(mi), (0...60).contains(s) else { return nil }
        var components = DateComponents()
        components.year = y; components.month = mo; components.day = d
        components.hour = h; components.minute = mi; components.second = s
        var calendar = Calendar(identifier: .gregorian)
        guard let utc = TimeZone(secondsFromGMT: 0) else { return nil }
        calendar.timeZone = utc
        guard let local = calendar.date(from: components) else { return nil }
        return (local.addingTimeInterval(TimeInterval(-zone)), zone)
    }
}
