/// The `log-prefix` format of interimap(1): "A printf(3)-like format string to use as prefix for
/// each log message. Interpreted sequences are %n and %m, expanding respectively to the component
/// name (local/remote) and to the name of the mailbox relevant for the log entry. Conditions on a
/// specifier %X can be obtained with %?X?then? or %?X?then&else? [...] Literal % characters need
/// to be escaped as %%, while &, ? and \ characters need to be \-escaped."
///
/// The format is parsed once into a small tree and rendered for each line. As in the reference
/// implementation, a `?` or `&` outside any condition and a `\` before any other character are
/// taken literally; unlike it, an unknown `%X`, an unterminated condition or a second `&` in one
/// condition are errors instead of being printed verbatim.
public struct LogPrefixFormat: Equatable, Sendable, CustomStringConvertible {
    /// A value that `%X` expands to.
    public enum Specifier: Character, Equatable, Sendable {
        /// `%n`: the component name (`local`, `remote`, `database`, or pullimap's section).
        case name = "n"
        /// `%m`: the mailbox the log entry is about.
        case mailbox = "m"
    }

    /// A piece of a parsed format.
    public indirect enum Node: Equatable, Sendable {
        case literal(String)
        case expand(Specifier)
        /// `%?X?then&else?`: `then` when `%X` expands to a non-empty string, else `else`.
        case conditional(Specifier, then: [Node], else: [Node])
    }

    /// The default format, `%?n?%?m?%n(%m)&%n?: ?`: `local(INBOX): `, `local: ` or nothing.
    public static let defaultFormatString = "%?n?%?m?%n(%m)&%n?: ?"

    /// The parsed default format.
    public static let `default` = LogPrefixFormat(nodes: [
        .conditional(.name, then: [
            .conditional(.mailbox, then: [.expand(.name), .literal("("), .expand(.mailbox), .literal(")")],
                         else: [.expand(.name)]),
            .literal(": "),
        ], else: []),
    ])

    /// The format as written.
    public let source: String
    /// The parsed format.
    public let nodes: [Node]

    private init(nodes: [Node]) {
        self.source = Self.defaultFormatString
        self.nodes = nodes
    }

    /// Parses a `log-prefix` value.
    public init(parsing source: String) throws(LogPrefixFormatError) {
        var parser = Parser(characters: Array(source))
        self.source = source
        self.nodes = try parser.parseSequence(inside: nil)
    }

    public var description: String { source }

    /// The prefix for a log entry of component `name` about `mailbox`; either may be empty.
    public func render(name: String, mailbox: String) -> String {
        var output = ""
        Self.render(nodes, name: name, mailbox: mailbox, into: &output)
        return output
    }

    private static func render(_ nodes: [Node], name: String, mailbox: String, into output: inout String) {
        for node in nodes {
            switch node {
            case .literal(let text):
                output += text
            case .expand(let specifier):
                output += specifier == .name ? name : mailbox
            case .conditional(let specifier, let then, let otherwise):
                let value = specifier == .name ? name : mailbox
                render(value.isEmpty ? otherwise : then, name: name, mailbox: mailbox, into: &output)
            }
        }
    }

    /// Where a sequence being parsed ends.
    private enum Branch { case then, otherwise }

    private struct Parser {
        let characters: [Character]
        var position = 0

        mutating func parseSequence(inside branch: Branch?) throws(LogPrefixFormatError) -> [Node] {
            var nodes: [Node] = []
            var literal = ""
            func flush() {
                if !literal.isEmpty { nodes.append(.literal(literal)); literal = "" }
            }
            while position < characters.count {
                let character = characters[position]
                switch character {
                case "\\":
                    position += 1
                    if position < characters.count, "&?\\".contains(characters[position]) {
                        literal.append(characters[position])
                        position += 1
                    } else {
                        literal.append("\\")
                    }
                case "%":
                    let start = position
                    position += 1
                    guard position < characters.count else {
                        throw LogPrefixFormatError(offset: start, reason: "'%' at the end of the format (write %% for a literal %)")
                    }
                    let conversion = characters[position]
                    position += 1
                    switch conversion {
                    case "%":
                        literal.append("%")
                    case "?":
                        flush()
                        nodes.append(try parseConditional(start: start))
                    default:
                        guard let specifier = Specifier(rawValue: conversion) else {
                            throw LogPrefixFormatError(offset: start, reason: "unknown sequence '%\(conversion)' (expected %n, %m, %? or %%)")
                        }
                        flush()
                        nodes.append(.expand(specifier))
                    }
                case "?" where branch != nil:
                    flush()
                    return nodes
                case "&" where branch == .then:
                    flush()
                    return nodes
                case "&" where branch == .otherwise:
                    throw LogPrefixFormatError(offset: position, reason: "a second '&' in one %? condition (write \\& for a literal &)")
                default:
                    literal.append(character)
                    position += 1
                }
            }
            if branch != nil {
                throw LogPrefixFormatError(offset: characters.count, reason: "unterminated %? condition (missing the closing '?')")
            }
            flush()
            return nodes
        }

        /// Parses `X?then?` or `X?then&else?` after `%?`.
        mutating func parseConditional(start: Int) throws(LogPrefixFormatError) -> Node {
            guard position < characters.count, let specifier = Specifier(rawValue: characters[position]) else {
                let got = position < characters.count ? "'%?\(characters[position])'" : "'%?' at the end"
                throw LogPrefixFormatError(offset: start, reason: "bad condition \(got) (expected %?n? or %?m?)")
            }
            position += 1
            guard position < characters.count, characters[position] == "?" else {
                throw LogPrefixFormatError(offset: start, reason: "bad condition: '%?\(specifier.rawValue)' must be followed by '?'")
            }
            position += 1
            let then = try parseSequence(inside: .then)
            // parseSequence stopped on '?' (end) or '&' (else branch follows).
            guard position < characters.count else {
                throw LogPrefixFormatError(offset: characters.count, reason: "unterminated %? condition (missing the closing '?')")
            }
            var otherwise: [Node] = []
            if characters[position] == "&" {
                position += 1
                otherwise = try parseSequence(inside: .otherwise)
            }
            position += 1  // the closing '?'
            return .conditional(specifier, then: then, else: otherwise)
        }
    }
}

/// A malformed `log-prefix` format: what is wrong and at which character offset.
public struct LogPrefixFormatError: Error, Equatable, Sendable, CustomStringConvertible {
    /// 0-based character offset in the format.
    public var offset: Int
    public var reason: String

    public var description: String { "\(reason) at offset \(offset)" }
}
