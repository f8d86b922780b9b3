/// A command that did not succeed: the tagged NO or BAD a real server would send.
struct CommandFailure: Error {
    var status: String
    var code: String?
    var text: String

    static func bad(_ text: String, code: String? = nil) -> CommandFailure { CommandFailure(status: "BAD", code: code, text: text) }
    static func no(_ text: String, code: String? = nil) -> CommandFailure { CommandFailure(status: "NO", code: code, text: text) }

    init(status: String, code: String?, text: String) {
        self.status = status
        self.code = code
        self.text = text
    }

    init(_ error: FakeStoreError) {
        self.init(status: "NO", code: error.responseCode, text: error.description)
    }
}

/// A successful command's tagged OK: optional response code and text.
struct Completion {
    var code: String?
    var text: String
    init(_ text: String, code: String? = nil) { self.text = text; self.code = code }
}

/// Why a session stops.
enum SessionEnd: Error {
    /// LOGOUT, or end of stream from the client.
    case finished
    /// A fault dropped the connection, or the server sent BYE.
    case dropped
}
