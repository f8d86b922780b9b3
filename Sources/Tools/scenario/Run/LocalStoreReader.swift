import Foundation

/// Reads back the messages pullimap stored in a maildir or an mbox file, in the form the
/// server held them (CRLF line endings, the mbox's `From ` line and `>`-quoting undone), so
/// that they are recognised by label like the receiver's deliveries.
enum LocalStoreReader {
    static func messages(_ kind: LocalStoreKind, at path: String) throws -> [[UInt8]] {
        switch kind {
        case .maildir:
            var found: [[UInt8]] = []
            for sub in ["new", "cur"] {
                let directory = path + "/" + sub
                for name in ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted() {
                    guard let data = FileManager.default.contents(atPath: directory + "/" + name) else { continue }
                    found.append(crlf(String(decoding: data, as: UTF8.self)))
                }
            }
            return found
        case .mbox:
            guard let data = FileManager.default.contents(atPath: path) else { return [] }
            let text = String(decoding: data, as: UTF8.self)
            // Each message: a `From ` line, the quoted text, an empty line.
            return ("\n\n" + text).components(separatedBy: "\n\nFrom ").dropFirst().map { chunk in
                var lines = chunk.components(separatedBy: "\n").dropFirst()  // the rest of the From line
                while lines.last == "" { lines.removeLast() }
                let unquoted = lines.map { line -> String in
                    let stripped = line.drop { $0 == ">" }
                    return stripped.hasPrefix("From ") && line.hasPrefix(">") ? String(line.dropFirst()) : line
                }
                return crlf(unquoted.joined(separator: "\n") + "\n")
            }
        }
    }

    private static func crlf(_ text: String) -> [UInt8] {
        Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8)
    }
}
