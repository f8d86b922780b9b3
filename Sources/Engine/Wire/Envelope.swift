/// The ENVELOPE of a message (RFC 3501 §7.4.2): the parsed header fields a client most often
/// needs. Strings are decoded as UTF-8 (servers send RFC 2047 encoded words undecoded).
public struct Envelope: Sendable, Hashable {
    public var date: String?
    public var subject: String?
    public var from: [EnvelopeAddress]
    public var sender: [EnvelopeAddress]
    public var replyTo: [EnvelopeAddress]
    public var to: [EnvelopeAddress]
    public var cc: [EnvelopeAddress]
    public var bcc: [EnvelopeAddress]
    public var inReplyTo: String?
    public var messageID: String?

    public init(date: String? = nil, subject: String? = nil, from: [EnvelopeAddress] = [], sender: [EnvelopeAddress] = [],
                replyTo: [EnvelopeAddress] = [], to: [EnvelopeAddress] = [], cc: [EnvelopeAddress] = [],
                bcc: [EnvelopeAddress] = [], inReplyTo: String? = nil, messageID: String? = nil) {
        self.date = date
        self.subject = subject
        self.from = from
        self.sender = sender
        self.replyTo = replyTo
        self.to = to
        self.cc = cc
        self.bcc = bcc
        self.inReplyTo = inReplyTo
        self.messageID = messageID
    }
}
