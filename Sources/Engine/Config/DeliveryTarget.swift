/// Where pullimap hands its messages (`deliver-method`): an SMTP or LMTP server over TCP (the
/// reference's only choice, ``DeliveryMethod``) or a unix socket, or a local mail store: a
/// maildir, an mbox file, or a mail delivery agent (MDA) command.
///
/// Syntax (`deliver-method = …`):
/// - `smtp:[ADDRESS]:PORT`, `lmtp:[ADDRESS]:PORT`, `smtp:HOSTNAME:PORT`: TCP;
/// - `smtp:/PATH`, `lmtp:/PATH` (or `~/PATH`): a unix stream socket, e.g. dovecot's `/run/dovecot/lmtp`;
/// - `maildir:PATH`: a maildir, created with `cur/`, `new/` and `tmp/` when missing;
/// - `mbox:PATH`: an mbox file in the mboxrd variant;
/// - `mda:COMMAND`: a command run through `/bin/sh -c` with the message on its standard input,
///   `%F` replaced by the envelope sender.
///
/// Paths: `~` and `~/…` start from the home directory; other relative paths from
/// `$XDG_DATA_HOME/pullimap` (where the statefiles are).
public enum DeliveryTarget: Equatable, Sendable, CustomStringConvertible {
    case server(DeliveryMethod)
    case unixSocket(DeliveryMethod.TransferProtocol, path: String)
    case maildir(path: String)
    case mbox(path: String)
    case mda(command: String)

    /// The default, `smtp:[127.0.0.1]:25`.
    public static let `default` = DeliveryTarget.server(.default)

    /// Parses a `deliver-method` value; `resolve` turns a configured path into an absolute one.
    public init(parsing text: String, resolve: (String) -> String) throws(DeliveryMethodError) {
        if let rest = Self.value(of: text, after: "maildir:") {
            guard !rest.isEmpty else { throw DeliveryMethodError(reason: "missing directory in \(quoted(text)) (expected maildir:PATH)") }
            self = .maildir(path: resolve(rest))
        } else if let rest = Self.value(of: text, after: "mbox:") {
            guard !rest.isEmpty else { throw DeliveryMethodError(reason: "missing file in \(quoted(text)) (expected mbox:PATH)") }
            self = .mbox(path: resolve(rest))
        } else if let rest = Self.value(of: text, after: "mda:") {
            guard !rest.allSatisfy({ $0 == " " || $0 == "\t" }) else {
                throw DeliveryMethodError(reason: "missing command in \(quoted(text)) (expected mda:COMMAND)")
            }
            self = .mda(command: rest)
        } else if let colon = text.firstIndex(of: ":"),
                  let transferProtocol = DeliveryMethod.TransferProtocol(rawValue: String(text[..<colon])),
                  case let rest = String(text[text.index(after: colon)...]), rest.hasPrefix("/") || rest == "~" || rest.hasPrefix("~/") {
            self = .unixSocket(transferProtocol, path: resolve(rest))
        } else {
            do {
                self = .server(try DeliveryMethod(parsing: text))
            } catch {
                throw DeliveryMethodError(reason: error.reason.replacingOccurrences(
                    of: "(expected smtp:[ADDRESS]:PORT or lmtp:[ADDRESS]:PORT)",
                    with: "(expected smtp:[ADDRESS]:PORT, lmtp:[ADDRESS]:PORT, lmtp:/SOCKET, maildir:PATH, mbox:PATH or mda:COMMAND)"))
            }
        }
    }

    private static func value(of text: String, after prefix: String) -> String? {
        text.hasPrefix(prefix) ? String(text.dropFirst(prefix.count)) : nil
    }

    /// The SMTP/LMTP protocol of a server target, nil for a local store.
    public var transferProtocol: DeliveryMethod.TransferProtocol? {
        switch self {
        case .server(let method): return method.transferProtocol
        case .unixSocket(let transferProtocol, _): return transferProtocol
        case .maildir, .mbox, .mda: return nil
        }
    }

    public var description: String {
        switch self {
        case .server(let method): return method.description
        case .unixSocket(let transferProtocol, let path): return "\(transferProtocol.rawValue):\(path)"
        case .maildir(let path): return "maildir:\(path)"
        case .mbox(let path): return "mbox:\(path)"
        case .mda(let command): return "mda:\(command)"
        }
    }
}

extension ConfigEnvironment {
    /// A path of pullimap's configuration: `~` and `~/…` from the home directory, other relative
    /// paths from `$XDG_DATA_HOME/pullimap`, absolute ones as they are.
    public func pullimapPath(_ path: String) -> String {
        if path == "~" { return homeDirectory }
        if path.hasPrefix("~/") { return Self.join(homeDirectory, String(path.dropFirst(2))) }
        return dataPath(path, for: .pullimap)
    }
}
