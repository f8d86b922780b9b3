/// A problem in a scenario file: one line naming the file, the line and (when there is one) the
/// key, e.g. `Scenarios/x.ini:12: key 'flags remote INBOX one': unknown label 'one'`.
struct ScenarioFileError: Error, CustomStringConvertible, Equatable {
    var file: String
    var line: Int
    var key: String?
    var message: String

    init(file: String, line: Int, key: String? = nil, _ message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    var description: String {
        let location = line > 0 ? "\(file):\(line)" : file
        if let key { return "\(location): key '\(key)': \(message)" }
        return "\(location): \(message)"
    }
}
