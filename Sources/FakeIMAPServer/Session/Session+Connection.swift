import Engine
import Foundation

/// Connection-level commands: CAPABILITY, LOGOUT, ID (RFC 3501 §6.1), ENABLE (RFC 5161),
/// NAMESPACE (RFC 2342), COMPRESS (RFC 4978). LOGIN and AUTHENTICATE are in Session+Authenticate.
extension ServerSession {
    func capability() throws -> Completion {
        try sendUntagged("CAPABILITY " + currentCapabilities.joined(separator: " "))
        return Completion("Capability completed.")
    }

    func logout() throws -> Completion {
        try sendLine("* BYE Logging out")
        state = .logout
        return Completion("Logout completed.")
    }

    func id(_ args: inout Arguments) throws -> Completion {
        _ = try args.next()
        try sendUntagged("ID (\"name\" \"fake-imapd\")")
        return Completion("ID completed.")
    }

    /// RFC 5161; QRESYNC implies CONDSTORE (RFC 7162 §3.2.3). Unknown extensions are ignored.
    func enable(_ args: inout Arguments) throws -> Completion {
        if args.isEmpty { throw args.bad("Missing arguments") }
        var newly: [String] = []
        while !args.isEmpty {
            let ext = try args.atom().uppercased()
            switch ext {
            case "CONDSTORE" where hasCapability(.condStore):
                if !condStoreEnabled { condStoreEnabled = true; newly.append("CONDSTORE") }
            case "QRESYNC" where hasCapability(.qresync):
                if !qresyncEnabled { qresyncEnabled = true; condStoreEnabled = true; newly.append("QRESYNC") }
            default: break
            }
        }
        // iCloud's quirk: no ENABLED response (ProviderProfile+iCloud.swift).
        if !has(.noEnabledResponse) { try sendUntagged("ENABLED" + newly.map { " " + $0 }.joined()) }
        return Completion("Enabled.")
    }

    func namespace() throws -> Completion {
        var b = ResponseBuilder("* NAMESPACE ((\"\" ")
        b.string(String(store.delimiter))
        b.text(")) NIL NIL\r\n")
        try sendUntaggedBytes(b.bytes)
        return Completion("Namespace completed.")
    }

    /// RFC 4978: the tagged OK is the last uncompressed response.
    func compress(_ args: inout Arguments) throws -> Completion {
        let method = try args.atom().uppercased()
        try args.end()
        guard method == "DEFLATE" else { throw CommandFailure.no("Unsupported compression mechanism.") }
        if compressionActive { throw CommandFailure.no("Compression already enabled.", code: "COMPRESSIONACTIVE") }
        compressionActive = true
        pendingCompression = true
        return Completion("Begin compression.")
    }
}
