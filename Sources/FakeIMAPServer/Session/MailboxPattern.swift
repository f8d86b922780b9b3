/// A LIST/LSUB mailbox pattern (RFC 3501 §6.3.8): `*` matches anything, `%` anything but the
/// hierarchy delimiter. The `INBOX` level is matched case-insensitively (RFC 3501 §5.1).
struct MailboxPattern {
    let pattern: [Character]
    let delimiter: Character

    init(_ pattern: String, delimiter: Character) {
        var p = pattern
        if p.count >= 5, p.prefix(5).uppercased() == "INBOX" {
            let rest = p.dropFirst(5)
            if rest.isEmpty || rest.first == delimiter { p = "INBOX" + rest }
        }
        self.pattern = Array(p)
        self.delimiter = delimiter
    }

    func matches(_ name: String) -> Bool {
        let n = Array(name)
        // Dynamic programming over (pattern index, name index).
        var memo = [[Bool?]](repeating: [Bool?](repeating: nil, count: n.count + 1), count: pattern.count + 1)
        func match(_ i: Int, _ j: Int) -> Bool {
            if let v = memo[i][j] { return v }
            var result: Bool
            if i == pattern.count {
                result = j == n.count
            } else {
                switch pattern[i] {
                case "*":
                    result = match(i + 1, j) || (j < n.count && match(i, j + 1))
                case "%":
                    result = match(i + 1, j) || (j < n.count && n[j] != delimiter && match(i, j + 1))
                default:
                    result = j < n.count && n[j] == pattern[i] && match(i + 1, j + 1)
                }
            }
            memo[i][j] = result
            return result
        }
        return match(0, 0)
    }

    /// Whether some name below `name` could match (for RECURSIVEMATCH and `%` parents).
    var hasWildcards: Bool { pattern.contains("*") || pattern.contains("%") }
}
