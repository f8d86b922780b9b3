/// One field of an ID command or response (RFC 2971 §3.3), e.g. `"name" "interimap"`.
public struct IDParameter: Sendable, Hashable {
    public var key: String
    public var value: String?

    public init(key: String, value: String?) {
        self.key = key
        self.value = value
    }
}
