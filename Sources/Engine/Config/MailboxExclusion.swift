import Foundation

/// The `ignore-mailbox` option of interimap(1): "An optional Perl Compatible Regular Expressions
/// (PCRE) covering mailboxes to exclude: any (UTF-7 encoded and unquoted) mailbox listed in the
/// initial LIST responses is ignored if it matches the given expression after trimming the
/// reference names and substituting the hierarchy delimiter with the null character."
///
/// Compiled with ICU regular expressions (`NSRegularExpression`), which cover the PCRE syntax
/// used for this purpose, including `\x00` for the hierarchy delimiter, e.g. `^virtual(?:\x00|$)`.
public struct MailboxExclusion: @unchecked Sendable, Equatable, CustomStringConvertible {
    // @unchecked Sendable: NSRegularExpression is immutable once built and documented as safe to
    // use from several threads; nothing here is mutated after init.

    /// The expression as written.
    public let pattern: String
    private let expression: NSRegularExpression

    /// Compiles `pattern`; the error text comes from ICU.
    public init(pattern: String) throws(MailboxExclusionError) {
        do {
            expression = try NSRegularExpression(pattern: pattern, options: [])
        } catch {
            throw MailboxExclusionError(pattern: pattern)
        }
        self.pattern = pattern
    }

    /// Whether `mailbox` (hierarchy delimiter already replaced by NUL) is excluded.
    public func excludes(_ mailbox: String) -> Bool {
        let range = NSRange(mailbox.startIndex..<mailbox.endIndex, in: mailbox)
        return expression.firstMatch(in: mailbox, options: [], range: range) != nil
    }

    public var description: String { pattern }

    public static func == (lhs: MailboxExclusion, rhs: MailboxExclusion) -> Bool { lhs.pattern == rhs.pattern }
}

/// `ignore-mailbox` is not a valid regular expression.
public struct MailboxExclusionError: Error, Equatable, Sendable, CustomStringConvertible {
    public var pattern: String
    public var description: String { "invalid regular expression \(quoted(pattern))" }
}
