import ArgumentParser
import Engine
import Foundation

/// The options interimap(1) and pullimap(1) share, declared once: both programs include them
/// with `@OptionGroup`, so their spelling, help and meaning cannot drift apart.
public struct CommonOptions: ParsableArguments {
    @Option(name: .customLong("config"),
            help: ArgumentHelp("Alternate configuration file; a relative path starts from the default configuration directory.",
                               valueName: "FILE"))
    public var configPath: String?

    @ArgumentParser.Flag(name: [.short, .long], help: "Try to be quiet: only warnings, errors and the changes made are logged.")
    public var quiet = false

    @ArgumentParser.Flag(help: "Log the IMAP traffic (literals elided); LOGIN/AUTHENTICATE are redacted unless given twice.")
    public var debug: Int

    public init() {}
}

/// How both programs turn a checked invocation's error into their exit: a usage error goes to
/// the argument parser (message and usage summary), a refusal is one `ERROR:` line.
public enum InvocationErrors {
    /// Runs `make`, converting a usage error into the parser's `ValidationError`.
    public static func validate<T>(_ make: () throws -> T) throws {
        do { _ = try make() } catch let error as CommandLineError where error.isUsage {
            throw ValidationError(error.description)
        } catch is CommandLineError {
            // Refusals are reported by `checked` when the command runs.
        }
    }

    /// Runs `make`, reporting a refusal as one line on stderr and exiting with status 64.
    public static func checked<T>(_ make: () throws -> T) throws -> T {
        do { return try make() } catch let error as CommandLineError where !error.isUsage {
            FileHandle.standardError.write(Data("ERROR: \(error.description)\n".utf8))
            throw ExitCode(error.exitStatus.rawValue)
        }
    }
}
