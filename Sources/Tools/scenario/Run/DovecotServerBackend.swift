import Foundation

final class DovecotServerBackend: ServerBackend {
    let name: String
    init(name: String, root: String) throws { self.name = name; throw RunnerError("dovecot backend: not yet") }
    func setUp(_ spec: ServerSpec) throws {}
    func apply(_ change: ServerChange, labels: LabelIndex) throws {}
    func moveInternalDates(back seconds: TimeInterval) throws {}
    func snapshot() throws -> ServerSnapshot { throw RunnerError("x") }
    func tunnelCommand(faults: [ServerFault]) -> String { "" }
    func tearDown() {}
}
