/// A line diff for failure reports: lines only in `expected` start with `-`, lines only in
/// `actual` with `+`, common lines with a blank; long runs of common lines are shortened.
enum TextDiff {
    static func render(expected: [String], actual: [String], expectedTitle: String = "expected",
                       actualTitle: String = "actual", context: Int = 3) -> String {
        let a = expected, b = actual
        // Longest common subsequence table (inputs are small: a mailbox listing, a log).
        var lcs = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : max(lcs[i + 1][j], lcs[i][j + 1])
            }
        }
        var lines: [(Character, String)] = []
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if i < a.count && j < b.count && a[i] == b[j] {
                lines.append((" ", a[i])); i += 1; j += 1
            } else if j < b.count && (i == a.count || lcs[i][j + 1] > lcs[i + 1][j]) {
                lines.append(("+", b[j])); j += 1
            } else {
                lines.append(("-", a[i])); i += 1
            }
        }
        // Keep `context` common lines around each change.
        let changed = lines.indices.filter { lines[$0].0 != " " }
        var keep = Set<Int>()
        for c in changed { for k in max(0, c - context)...min(lines.count - 1, c + context) { keep.insert(k) } }
        var out = ["--- \(expectedTitle)", "+++ \(actualTitle)"]
        var skipped = 0
        for (k, line) in lines.enumerated() {
            if keep.contains(k) || changed.isEmpty {
                if skipped > 0 { out.append("  ... \(skipped) same line(s)"); skipped = 0 }
                out.append("\(line.0)\(line.1)")
            } else {
                skipped += 1
            }
        }
        if skipped > 0 { out.append("  ... \(skipped) same line(s)") }
        if expected.isEmpty && actual.isEmpty { out.append(" (both empty)") }
        return out.joined(separator: "\n")
    }
}
