/// Splits a value into words at blanks; a word may be double-quoted to hold blanks, with `\"` and
/// `\\` escaped inside the quotes (`"Sent Items" Work` is two words). Outside quotes a backslash
/// is an ordinary character, so flags such as `\Seen` need no escaping.
enum WordSplitter {
    enum Failure: Error, Equatable, CustomStringConvertible {
        case unterminatedQuote
        var description: String { "unterminated double quote" }
    }

    static func split(_ text: String) throws(Failure) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var inQuotes = false
        var iterator = text.makeIterator()
        while let c = iterator.next() {
            if inQuotes {
                if c == "\\" {
                    if let next = iterator.next() { current.append(next) }
                } else if c == "\"" {
                    inQuotes = false
                } else {
                    current.append(c)
                }
            } else if c == " " || c == "\t" {
                if inWord { words.append(current); current = ""; inWord = false }
            } else if c == "\"" {
                inQuotes = true
                inWord = true
            } else {
                current.append(c)
                inWord = true
            }
        }
        if inQuotes { throw .unterminatedQuote }
        if inWord { words.append(current) }
        return words
    }

    /// The word quoted for display if it needs quotes.
    static func quote(_ word: String) -> String {
        if !word.isEmpty && !word.contains(where: { $0 == " " || $0 == "\t" || $0 == "\"" }) { return word }
        return "\"" + word.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
