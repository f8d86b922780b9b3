/// Reads typed option values from the settings that apply to one section, turning every bad
/// value into a ``ConfigError`` that names the file, line, option and value.
struct OptionReader {
    /// The settings in force (the default section merged with the section's own).
    let values: [String: INIValue]
    /// The configuration file, for errors not tied to one line.
    let file: String
    /// Collected warnings.
    var warnings: [ConfigWarning] = []

    /// Options whose value may be empty (the reference refuses an empty value for the others).
    static let emptyAllowed: Set<String> = [
        "SSL_hostname", "SSL_ciphersuites", "list-reference", "list-select-opts", "log-prefix", "purge-after",
    ]

    subscript(key: String) -> INIValue? { values[key] }

    /// The value of `key`; an empty value is an error unless the option allows it.
    func string(_ key: String) throws(ConfigError) -> String? {
        guard let setting = values[key] else { return nil }
        if setting.value.isEmpty, !Self.emptyAllowed.contains(key) {
            throw ConfigError(setting, "empty value")
        }
        for scalar in setting.value.unicodeScalars where scalar.value < 0x20 && scalar != "\t" || scalar.value == 0x7F {
            throw ConfigError(setting, "control character in \(quoted(setting.value))")
        }
        return setting.value
    }

    /// A YES/NO option. The reference implementation accepts exactly `YES` and `NO`, compared
    /// case-insensitively; `1`, `0`, `true` and `false` are refused there and here.
    func boolean(_ key: String, default defaultValue: Bool) throws(ConfigError) -> Bool {
        guard let text = try string(key), let setting = values[key] else { return defaultValue }
        switch text.uppercased() {
        case "YES": return true
        case "NO": return false
        default: throw ConfigError(setting, "invalid value \(quoted(text)) (expected YES or NO)")
        }
    }

    /// Space separated words (runs of spaces and tabs separate).
    func words(_ key: String) throws(ConfigError) -> [String]? {
        guard let text = try string(key) else { return nil }
        return text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    }
}

/// Parses the connection options of one section.
enum ConnectionOptionParser {
    /// Every connection option name (both spellings of the cipher list).
    static let keys: Set<String> = [
        "type", "host", "port", "proxy", "command", "STARTTLS", "auth", "username", "password", "passwordeval",
        "compress",
        "null-stderr", "SSL_protocols", "SSL_protocol_min", "SSL_protocol_max", "SSL_cipherlist",
        "SSL_cipher_list", "SSL_ciphersuites", "SSL_fingerprint", "SSL_verify", "SSL_CAfile", "SSL_CApath",
        "SSL_hostname",
    ]

    /// A decimal port number 1...65535, or nil.
    static func parsePort(_ text: String) -> Int? {
        guard !text.isEmpty, text.count <= 5, text.allSatisfy({ $0.isASCII && $0.isNumber }),
              let port = Int(text), (1...65535).contains(port) else { return nil }
        return port
    }

    /// Parses the connection options of section `section`.
    /// - Parameter compressDefault: the program- and section-dependent default of `compress`.
    static func parse(_ reader: inout OptionReader, section: String, sectionLine: Int?,
                      compressDefault: Bool) throws(ConfigError) -> ConnectionOptions {
        var options = ConnectionOptions()

        if let text = try reader.string("type"), let setting = reader["type"] {
            guard let type = ConnectionType(rawValue: text) else {
                throw ConfigError(setting, "unknown value \(quoted(text)) (expected imap, imaps or tunnel)")
            }
            options.type = type
        }

        if let text = try reader.string("host"), let setting = reader["host"] {
            if text.hasPrefix("[") || text.hasSuffix("]") {
                guard (try? HostAddress(parsing: text))?.bracketed == true else {
                    throw ConfigError(setting, "\(quoted(text)) is not an IP literal (expected [IPv4 or IPv6 address])")
                }
            } else if !IPAddressSyntax.isHostname(text) {
                throw ConfigError(setting, "invalid host name \(quoted(text))")
            }
            options.host = text
        }

        if let text = try reader.string("port"), let setting = reader["port"] {
            guard let port = parsePort(text) else {
                throw ConfigError(setting, "invalid port \(quoted(text)) (expected a number from 1 to 65535)")
            }
            options.port = port
        }

        if let text = try reader.string("proxy"), let setting = reader["proxy"] {
            let lower = text.lowercased()
            let schemes = ["socks5://", "socks5h://"]
            guard let scheme = schemes.first(where: { lower.hasPrefix($0) }), text.count > scheme.count else {
                throw ConfigError(setting, "unsupported proxy \(quoted(text)) (expected socks5://[USER:PASSWORD@]HOST[:PORT] or socks5h://...)")
            }
            // Parsed here too, so that a bad host, port or escape is reported with its file and line.
            do { _ = try SOCKS5Proxy(url: text) } catch TransportError.configuration(let message) {
                throw ConfigError(setting, message.hasPrefix("proxy ") ? String(message.dropFirst(6)) : message)
            } catch {
                throw ConfigError(setting, String(describing: error))
            }
            options.proxy = text
        }

        options.command = try reader.string("command")
        if options.type == .tunnel, options.command == nil {
            if let setting = reader["type"] {
                throw ConfigError(file: setting.file, line: setting.line, key: "command",
                                  reason: "missing in [\(section)]: type=tunnel needs a command")
            }
            throw ConfigError(file: reader.file, line: sectionLine, key: "command",
                              reason: "missing in [\(section)]: type=tunnel needs a command")
        }

        options.startTLS = try reader.boolean("STARTTLS", default: true)

        if let words = try reader.words("auth") {
            // Names we do not implement are skipped, as the reference skips them: a list written
            // for a program with more mechanisms still works with the ones both know.
            var mechanisms: [AuthMechanism] = []
            for word in words {
                guard let mechanism = AuthMechanism(rawValue: word.uppercased()) else { continue }
                if !mechanisms.contains(mechanism) { mechanisms.append(mechanism) }
            }
            options.authMechanisms = mechanisms
        }

        options.username = try reader.string("username")
        options.password = try reader.string("password")
        options.passwordCommand = try reader.string("passwordeval")
        if options.password != nil, options.passwordCommand != nil,
           let password = reader["password"], let command = reader["passwordeval"] {
            let later = password.line > command.line ? password : command
            throw ConfigError(later, "password and passwordeval are both set in [\(section)]; keep one")
        }
        options.compress = try reader.boolean("compress", default: compressDefault)
        options.nullStderr = try reader.boolean("null-stderr", default: false)

        if let words = try reader.words("SSL_protocols"), let setting = reader["SSL_protocols"] {
            var toggles: [TLSProtocolToggle] = []
            for word in words {
                let enabled = !word.hasPrefix("!")
                let name = enabled ? word : String(word.dropFirst())
                guard let version = TLSProtocolVersion(rawValue: name) else {
                    throw ConfigError(setting, "unknown protocol \(quoted(word)) (expected SSLv2, SSLv3, TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3, optionally prefixed with !)")
                }
                toggles.append(TLSProtocolToggle(version: version, enabled: enabled))
            }
            options.sslProtocols = toggles
            reader.warnings.append(ConfigWarning(setting, "deprecated, use SSL_protocol_min and/or SSL_protocol_max"))
        }

        for key in ["SSL_protocol_min", "SSL_protocol_max"] {
            guard let text = try reader.string(key), let setting = reader[key] else { continue }
            guard let version = TLSProtocolVersion(rawValue: text), TLSProtocolVersion.boundable.contains(version) else {
                throw ConfigError(setting, "unknown protocol version \(quoted(text)) (expected SSLv3, TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3)")
            }
            if key == "SSL_protocol_min" { options.sslProtocolMin = version } else { options.sslProtocolMax = version }
        }
        if let min = options.sslProtocolMin, let max = options.sslProtocolMax, min > max, let setting = reader["SSL_protocol_max"] {
            throw ConfigError(setting, "\(quoted(max.rawValue)) is below SSL_protocol_min=\(min.rawValue)")
        }

        // Both spellings: SSL_cipherlist (interimap(1)) and SSL_cipher_list (pullimap(1)); the
        // later line wins when both are set.
        let cipherSettings = ["SSL_cipherlist", "SSL_cipher_list"].compactMap { reader[$0] }.sorted { $0.line < $1.line }
        if let last = cipherSettings.last {
            options.sslCipherList = try reader.string(last.key)
        }
        options.sslCipherSuites = try reader.string("SSL_ciphersuites")

        if let words = try reader.words("SSL_fingerprint"), let setting = reader["SSL_fingerprint"] {
            for word in words {
                do {
                    options.sslFingerprints.append(try SPKIFingerprint(parsing: word))
                } catch TransportError.configuration(let message) {
                    let prefix = "SSL_fingerprint: "
                    throw ConfigError(setting, message.hasPrefix(prefix) ? String(message.dropFirst(prefix.count)) : message)
                } catch {
                    throw ConfigError(setting, String(describing: error))
                }
            }
        }

        options.sslVerify = try reader.boolean("SSL_verify", default: true)
        options.sslCAFile = try reader.string("SSL_CAfile")
        options.sslCAPath = try reader.string("SSL_CApath")
        options.sslHostname = try reader.string("SSL_hostname")
        return options
    }
}
