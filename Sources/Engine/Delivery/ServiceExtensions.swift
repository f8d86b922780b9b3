/// The service extensions a server announced in its reply to EHLO or LHLO (RFC 5321 §4.1.1.1:
/// every line after the first is `keyword [parameters]`). Keywords are case-insensitive.
public struct ServiceExtensions: Sendable, Hashable {
    /// Upper-cased keyword → its parameters as sent (empty when none).
    public private(set) var keywords: [String: String]

    /// No extensions (a HELO session, RFC 5321 §4.1.1.1).
    public static let none = ServiceExtensions(keywords: [:])

    public init(keywords: [String: String]) {
        self.keywords = [:]
        for (keyword, parameters) in keywords { self.keywords[keyword.uppercased()] = parameters }
    }

    /// Parses the lines of a 250 reply to EHLO/LHLO; the first line is the server's greeting name.
    public init(helloReply: MailReply) {
        var keywords: [String: String] = [:]
        for line in helloReply.lines.dropFirst() {
            let trimmed = line.drop { $0 == " " }
            guard !trimmed.isEmpty else { continue }
            let keyword = trimmed.prefix { $0 != " " }
            let parameters = trimmed.dropFirst(keyword.count).drop { $0 == " " }
            keywords[keyword.uppercased()] = String(parameters)
        }
        self.keywords = keywords
    }

    public func contains(_ keyword: String) -> Bool { keywords[keyword.uppercased()] != nil }

    /// PIPELINING (RFC 2920): MAIL, RCPT and DATA may be sent as one group.
    public var pipelining: Bool { contains("PIPELINING") }
    /// 8BITMIME (RFC 6152): `BODY=8BITMIME` may declare a message with 8-bit octets.
    public var eightBitMIME: Bool { contains("8BITMIME") }
    /// SMTPUTF8 (RFC 6531): addresses may contain UTF-8.
    public var smtpUTF8: Bool { contains("SMTPUTF8") }
    /// SIZE (RFC 1870 §4): nil when not announced, otherwise the largest accepted message in
    /// octets, 0 meaning no fixed limit.
    public var maximumMessageSize: Int? {
        guard let parameters = keywords["SIZE"] else { return nil }
        return Int(parameters.prefix { $0 != " " }) ?? 0
    }
}
