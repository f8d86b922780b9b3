import Foundation

/// A command continuation request (RFC 3501 §7.5): the server is ready for the rest of a command
/// (after a synchronising literal or IDLE) or sends a SASL challenge (base64) during AUTHENTICATE.
public struct ContinuationRequest: Sendable, Hashable, CustomStringConvertible {
    /// Everything after `+ `, without the line ending.
    public var text: String

    public init(text: String) { self.text = text }

    /// The text decoded as a base64 SASL challenge (RFC 3501 §6.2.2), or nil if it is not base64.
    /// An empty text is an empty challenge.
    public var base64Decoded: [UInt8]? {
        if text.isEmpty { return [] }
        return Data(base64Encoded: text).map { Array($0) }
    }

    public var description: String { text.isEmpty ? "+" : "+ \(text)" }
}
