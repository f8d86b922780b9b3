/// How STORE changes flags (RFC 3501 §6.4.6): `FLAGS`, `+FLAGS`, `-FLAGS`, each optionally
/// `.SILENT` (no untagged FETCH with the new flags).
public struct StoreOperation: Sendable, Hashable, CustomStringConvertible {
    public enum Action: Sendable, Hashable {
        case replace
        case add
        case remove
    }

    public var action: Action
    public var silent: Bool

    public init(_ action: Action, silent: Bool = false) {
        self.action = action
        self.silent = silent
    }

    public static let add = StoreOperation(.add)
    public static let remove = StoreOperation(.remove)
    public static let replace = StoreOperation(.replace)

    public var description: String {
        let base: String
        switch action {
        case .replace: base = "FLAGS"
        case .add: base = "+FLAGS"
        case .remove: base = "-FLAGS"
        }
        return silent ? base + ".SILENT" : base
    }
}
