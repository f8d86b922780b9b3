/// The capabilities a server advertised (RFC 3501 §7.2.1), compared case-insensitively.
public struct CapabilitySet: Sendable, Equatable, CustomStringConvertible {
    private var names: Set<Capability>
    /// As the server listed them, for `--debug` and `--serverinfo`.
    public private(set) var ordered: [String]

    public init<S: Sequence>(_ capabilities: S) where S.Element == String {
        names = []; ordered = []
        for c in capabilities where names.insert(Capability(c)).inserted { ordered.append(c) }
    }

    public init() { self.init([String]()) }

    public func contains(_ capability: Capability) -> Bool { names.contains(capability) }

    /// SASL mechanisms advertised as `AUTH=MECH` (RFC 3501 §6.2.2).
    public var authMechanisms: [String] {
        ordered.compactMap { $0.uppercased().hasPrefix("AUTH=") ? String($0.dropFirst(5)).uppercased() : nil }
    }

    /// `LOGINDISABLED` forbids LOGIN (RFC 3501 §6.2.3), typically before STARTTLS.
    public var loginDisabled: Bool { contains(.loginDisabled) }

    public var description: String { ordered.joined(separator: " ") }
}
