import ArgumentParser

/// `scenario`: replays scenario files (plain INI: servers, runs, faults, expectations) against
/// the engine, on fake servers or real dovecot stores. See Scenarios/README.md.
struct ScenarioCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scenario",
        abstract: "Replay scenario files against interimap and pullimap on fake (or dovecot) servers.",
        subcommands: [ReplayCommand.self, RelayCommand.self, FuzzCommand.self],
        defaultSubcommand: ReplayCommand.self)
}
