/// One namespace of a NAMESPACE response (RFC 2342 §5): a prefix and its hierarchy delimiter.
public struct Namespace: Sendable, Hashable {
    /// The prefix in wire form (modified UTF-7), e.g. `""` or `"#shared/"`.
    public var prefix: MailboxName
    public var delimiter: Character?
    /// Namespace response extensions (name and values), kept as sent.
    public var extensions: [WireValue]

    public init(prefix: MailboxName, delimiter: Character?, extensions: [WireValue] = []) {
        self.prefix = prefix
        self.delimiter = delimiter
        self.extensions = extensions
    }
}

/// The data of `* NAMESPACE personal other shared` (RFC 2342 §5); NIL is an empty list.
public struct NamespaceResponse: Sendable, Hashable {
    public var personal: [Namespace]
    public var otherUsers: [Namespace]
    public var shared: [Namespace]

    public init(personal: [Namespace], otherUsers: [Namespace], shared: [Namespace]) {
        self.personal = personal
        self.otherUsers = otherUsers
        self.shared = shared
    }
}
