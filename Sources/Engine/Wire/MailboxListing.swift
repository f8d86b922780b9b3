/// One mailbox of a LIST or LSUB response (RFC 3501 §7.2.2, RFC 5258 §3), e.g.
/// `* LIST (\HasNoChildren) "/" "a b" ("CHILDINFO" ("SUBSCRIBED"))`.
public struct MailboxListing: Sendable, Hashable {
    public var attributes: [MailboxAttribute]
    /// The hierarchy delimiter, or nil when the server sent NIL (a flat name space).
    public var delimiter: Character?
    public var name: MailboxName
    /// RFC 5258 §3 extended data items, in the order sent (tags as sent, values generic).
    public var extendedItems: [ExtendedItem]

    /// A tagged extended data item of a LIST response (RFC 5258 `mbox-list-extended-item`).
    public struct ExtendedItem: Sendable, Hashable {
        public var tag: String
        public var value: WireValue
        public init(tag: String, value: WireValue) {
            self.tag = tag
            self.value = value
        }
    }

    public init(attributes: [MailboxAttribute], delimiter: Character?, name: MailboxName, extendedItems: [ExtendedItem] = []) {
        self.attributes = attributes
        self.delimiter = delimiter
        self.name = name
        self.extendedItems = extendedItems
    }

    public func hasAttribute(_ attribute: MailboxAttribute) -> Bool { attributes.contains(attribute) }

    /// The CHILDINFO selection criteria (RFC 5258 §3.5, e.g. `["SUBSCRIBED"]`), nil if absent.
    public var childInfo: [String]? {
        guard let item = extendedItems.first(where: { $0.tag.uppercased() == "CHILDINFO" }),
              case .list(let values) = item.value else { return nil }
        return values.compactMap(\.stringValue)
    }

    /// The former name of a renamed mailbox (RFC 5465 §5.4 `OLDNAME`), nil if absent.
    public var oldName: MailboxName? {
        guard let item = extendedItems.first(where: { $0.tag.uppercased() == "OLDNAME" }) else { return nil }
        switch item.value {
        case .list(let values):
            guard let first = values.first else { return nil }
            return MailboxListing.mailboxName(first)
        default: return MailboxListing.mailboxName(item.value)
        }
    }

    private static func mailboxName(_ value: WireValue) -> MailboxName? {
        switch value {
        case .string(let bytes): return MailboxName(wire: bytes)
        case .atom(let s): return MailboxName(wire: s)
        default: return nil
        }
    }
}
