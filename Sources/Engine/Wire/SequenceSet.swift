/// A set of message numbers or UIDs as IMAP writes it (RFC 3501 §9, `sequence-set`), e.g. `1:5,7,9:12`.
///
/// Stored as sorted, disjoint, non-adjacent closed ranges, so that encoding is always the compact
/// form and membership, union and iteration never need the whole list of numbers. `*` is kept
/// apart (`includesStar`) because its value depends on the mailbox (RFC 3501 §9, `seq-number`).
public struct SequenceSet: Sendable, Hashable, CustomStringConvertible {
    /// Sorted, disjoint, non-adjacent ranges.
    public private(set) var ranges: [ClosedRange<UInt32>]
    /// Whether the set ends with `N:*` or `*` (the largest number in use in the mailbox).
    public var includesStar: Bool

    public init() { ranges = []; includesStar = false }

    public init<S: Sequence>(_ numbers: S) where S.Element == UInt32 {
        self.init()
        // Increasing input (the common case) takes `insert`'s append fast path; anything else is
        // sorted and merged once instead of paying an O(n) insertion per number.
        var sorted = true
        var previous: UInt32 = 0
        var all: [UInt32] = []
        for n in numbers {
            if !all.isEmpty && n < previous { sorted = false }
            previous = n
            all.append(n)
        }
        if !sorted { all.sort() }
        for n in all { insert(n) }
    }

    public init(ranges: [ClosedRange<UInt32>]) {
        self.init()
        self.ranges = SequenceSet.normalized(ranges)
    }

    /// Sorts and merges overlapping or adjacent ranges: O(n log n).
    static func normalized(_ input: [ClosedRange<UInt32>]) -> [ClosedRange<UInt32>] {
        guard input.count > 1 else { return input }
        let sorted = input.sorted { $0.lowerBound < $1.lowerBound }
        var out: [ClosedRange<UInt32>] = []
        out.reserveCapacity(sorted.count)
        for r in sorted {
            if let last = out.last, last.upperBound == UInt32.max || r.lowerBound <= last.upperBound + 1 {
                out[out.count - 1] = last.lowerBound...max(last.upperBound, r.upperBound)
            } else {
                out.append(r)
            }
        }
        return out
    }

    /// `from:*`, e.g. `UID FETCH UIDNEXT:*`.
    public static func from(_ start: UInt32) -> SequenceSet {
        var s = SequenceSet(); s.ranges = [start...start]; s.includesStar = true; return s
    }

    public var isEmpty: Bool { ranges.isEmpty && !includesStar }

    /// Number of explicit numbers (a trailing `*` is not counted).
    public var count: Int { ranges.reduce(0) { $0 + Int($1.upperBound - $1.lowerBound) + 1 } }

    public var first: UInt32? { ranges.first?.lowerBound }
    public var last: UInt32? { ranges.last?.upperBound }

    public func contains(_ n: UInt32) -> Bool {
        var lo = 0, hi = ranges.count - 1
        while lo <= hi {
            let mid = (lo + hi) / 2
            if ranges[mid].upperBound < n { lo = mid + 1 } else if ranges[mid].lowerBound > n { hi = mid - 1 } else { return true }
        }
        return false
    }

    /// Whether a server's answer about `n` can be one the set asked for: its numbers, and with a
    /// trailing `*` any number from the last one on (`*` stands for the highest in use,
    /// RFC 3501 §9, `seq-number`).
    public func admits(_ n: UInt32) -> Bool {
        contains(n) || (includesStar && n >= (ranges.last?.upperBound ?? 1))
    }

    public mutating func insert(_ n: UInt32) { insert(n...n) }

    public mutating func insert(_ r: ClosedRange<UInt32>) {
        // Fast path: appending in increasing order, the common case when collecting UIDs.
        if let lastRange = ranges.last, r.lowerBound > lastRange.upperBound {
            if lastRange.upperBound != UInt32.max, r.lowerBound == lastRange.upperBound + 1 {
                ranges[ranges.count - 1] = lastRange.lowerBound...r.upperBound
            } else {
                ranges.append(r)
            }
            return
        }
        var lower = r.lowerBound, upper = r.upperBound
        var result: [ClosedRange<UInt32>] = []
        result.reserveCapacity(ranges.count + 1)
        var placed = false
        for x in ranges {
            let touchesBelow = x.upperBound < UInt32.max && x.upperBound + 1 < lower
            if touchesBelow { result.append(x); continue }
            let after = upper < UInt32.max && x.lowerBound > upper + 1
            if after {
                if !placed { result.append(lower...upper); placed = true }
                result.append(x)
                continue
            }
            lower = min(lower, x.lowerBound); upper = max(upper, x.upperBound)
        }
        if !placed { result.append(lower...upper) }
        ranges = result
    }

    public mutating func formUnion(_ other: SequenceSet) {
        if other.ranges.count <= 2 {
            for r in other.ranges { insert(r) }
        } else {
            ranges = SequenceSet.normalized(ranges + other.ranges)
        }
        includesStar = includesStar || other.includesStar
    }

    public func union(_ other: SequenceSet) -> SequenceSet { var s = self; s.formUnion(other); return s }

    public mutating func remove(_ n: UInt32) {
        guard let i = ranges.firstIndex(where: { $0.contains(n) }) else { return }
        let r = ranges[i]
        var repl: [ClosedRange<UInt32>] = []
        if r.lowerBound < n { repl.append(r.lowerBound...(n - 1)) }
        if n < r.upperBound { repl.append((n + 1)...r.upperBound) }
        ranges.replaceSubrange(i...i, with: repl)
    }

    /// The numbers of `self` not in `other` (`*` is ignored), by range arithmetic: O(n + m).
    public func subtracting(_ other: SequenceSet) -> SequenceSet {
        var out: [ClosedRange<UInt32>] = []
        var j = 0
        let cut = other.ranges
        for r in ranges {
            var lower = r.lowerBound
            let upper = r.upperBound
            var exhausted = false
            while j < cut.count && cut[j].upperBound < lower { j += 1 }
            var k = j
            while k < cut.count && cut[k].lowerBound <= upper {
                let c = cut[k]
                if c.lowerBound > lower { out.append(lower...(c.lowerBound - 1)) }
                if c.upperBound >= upper { exhausted = true; break }
                lower = c.upperBound + 1
                k += 1
            }
            if !exhausted { out.append(lower...upper) }
        }
        var s = SequenceSet()
        s.ranges = out
        return s
    }

    /// The numbers in both sets (`*` is ignored), O(n + m).
    public func intersection(_ other: SequenceSet) -> SequenceSet {
        var out: [ClosedRange<UInt32>] = []
        var i = 0, j = 0
        while i < ranges.count && j < other.ranges.count {
            let a = ranges[i], b = other.ranges[j]
            let lo = max(a.lowerBound, b.lowerBound), hi = min(a.upperBound, b.upperBound)
            if lo <= hi { out.append(lo...hi) }
            if a.upperBound < b.upperBound { i += 1 } else { j += 1 }
        }
        var s = SequenceSet()
        s.ranges = SequenceSet.normalized(out)
        return s
    }

    /// Every explicit number, in increasing order, without materialising the list.
    public var numbers: some Sequence<UInt32> { ranges.lazy.flatMap { $0 } }

    public func filter(_ isIncluded: (UInt32) -> Bool) -> [UInt32] {
        var out: [UInt32] = []
        for r in ranges { for n in r where isIncluded(n) { out.append(n) } }
        return out
    }

    /// The compact wire form: `1:5,7,9:12`, `4:*`, `*`. An empty set has no wire form; callers
    /// must not send a command with an empty set (RFC 3501 §9 requires at least one number).
    public var description: String {
        var parts: [String] = []
        parts.reserveCapacity(ranges.count + 1)
        for (i, r) in ranges.enumerated() {
            if includesStar && i == ranges.count - 1 {
                parts.append(r.lowerBound == r.upperBound ? "\(r.lowerBound):*" : "\(r.lowerBound):\(r.upperBound),\(r.upperBound):*")
                continue
            }
            parts.append(r.lowerBound == r.upperBound ? "\(r.lowerBound)" : "\(r.lowerBound):\(r.upperBound)")
        }
        if includesStar && ranges.isEmpty { parts.append("*") }
        return parts.joined(separator: ",")
    }

    /// Split into sets whose wire form stays under `maxLength` bytes, since servers limit command
    /// line length (RFC 7162 §4 recommends clients keep lines under 8192 octets).
    public func chunked(maxLength: Int) -> [SequenceSet] {
        var out: [SequenceSet] = []
        var cur = SequenceSet(); var len = 0
        for r in ranges {
            let piece = r.lowerBound == r.upperBound ? "\(r.lowerBound)".utf8.count : "\(r.lowerBound):\(r.upperBound)".utf8.count
            if len > 0 && len + 1 + piece > maxLength { out.append(cur); cur = SequenceSet(); len = 0 }
            cur.insert(r); len += (len > 0 ? 1 : 0) + piece
        }
        if !cur.isEmpty { out.append(cur) }
        // A trailing `*` belongs with the last numbers (`N:*` is written from the last range).
        if includesStar {
            if out.isEmpty { out.append(self) } else { out[out.count - 1].includesStar = true }
        }
        return out
    }
}

extension SequenceSet {
    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case invalid(String)
        public var description: String { switch self { case .invalid(let s): return "invalid sequence set '\(s)'" } }
    }

    /// Parses a set of explicit numbers as servers send them (`1:3,5,9:7`; no `*`, no zero),
    /// in any order, in O(n log n). Returns nil if the bytes are not such a set.
    init?(wireBytes bytes: UnsafeBufferPointer<UInt8>) {
        self.init()
        var collected: [ClosedRange<UInt32>] = []
        var i = 0
        let n = bytes.count
        func number() -> UInt32? {
            var v: UInt64 = 0
            let s = i
            while i < n, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                v = v * 10 + UInt64(bytes[i] - 0x30)
                guard v <= UInt64(UInt32.max) else { return nil }
                i += 1
            }
            guard i > s, v > 0 else { return nil }
            return UInt32(v)
        }
        guard n > 0 else { return nil }
        var sorted = true
        while true {
            guard let a = number() else { return nil }
            var b = a
            if i < n, bytes[i] == 0x3a {
                i += 1
                guard let v = number() else { return nil }
                b = v
            }
            let r = min(a, b)...max(a, b)
            if let last = collected.last, r.lowerBound <= last.upperBound { sorted = false }
            collected.append(r)
            if i == n { break }
            guard bytes[i] == 0x2c else { return nil }
            i += 1
        }
        if sorted {
            for r in collected { insert(r) }
        } else {
            ranges = SequenceSet.normalized(collected)
        }
    }

    /// Parse the wire form (`1:5,7,9:*`). `*` is recorded in `includesStar`; a range `N:*` keeps N.
    /// `largest` resolves `*` when the caller knows the mailbox's largest number.
    public init(parsing text: String, largest: UInt32? = nil) throws {
        self.init()
        guard !text.isEmpty else { throw ParseError.invalid(text) }
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = item.split(separator: ":", omittingEmptySubsequences: false)
            guard bounds.count == 1 || bounds.count == 2 else { throw ParseError.invalid(text) }
            func value(_ s: Substring) throws -> UInt32? {
                if s == "*" { return nil }
                guard !s.isEmpty, s.allSatisfy({ $0.isASCII && $0.isNumber }), let v = UInt32(s), v > 0 else { throw ParseError.invalid(text) }
                return v
            }
            let a = try value(bounds[0])
            let b = bounds.count == 2 ? try value(bounds[1]) : a
            switch (a, b) {
            case let (x?, y?): insert(min(x, y)...max(x, y))
            case let (x?, nil), let (nil, x?):
                if let l = largest { insert(min(x, l)...max(x, l)) } else { insert(x); includesStar = true }
            case (nil, nil):
                if let l = largest, l > 0 { insert(l) } else { includesStar = true }
            }
        }
    }
}
