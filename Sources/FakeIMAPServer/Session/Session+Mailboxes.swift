import Engine
import Foundation

/// Mailbox-level commands: CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE (RFC 3501 §6.3),
/// LIST with LIST-EXTENDED and LIST-STATUS (RFC 5258, RFC 5819), LSUB, STATUS.
extension ServerSession {
    func create(_ args: inout Arguments) throws -> Completion {
        let name = try args.mailbox()
        try args.end()
        try store.createMailbox(name)
        return Completion("Create completed.")
    }

    func delete(_ args: inout Arguments) throws -> Completion {
        let name = try args.mailbox()
        try args.end()
        let id = store.read { $0.id(of: name) }
        try store.deleteMailbox(name)
        // Deleting the mailbox this session has selected closes it.
        if let view = selected, view.id == id {
            selected = nil
            state = .authenticated
        }
        return Completion("Delete completed.")
    }

    func rename(_ args: inout Arguments) throws -> Completion {
        let from = try args.mailbox()
        let to = try args.mailbox()
        try args.end()
        // RFC 3501 §6.3.5 allows renaming INBOX; dovecot refuses, and it is the reference.
        if store.read({ $0.canonicalName(from) }) == "INBOX" {
            throw CommandFailure.no("Renaming INBOX isn't supported", code: "CANNOT")
        }
        try store.renameMailbox(from, to: to)
        return Completion("Rename completed.")
    }

    func subscribe(_ args: inout Arguments, on: Bool) throws -> Completion {
        let name = try args.mailbox()
        try args.end()
        if on {
            // dovecot refuses to subscribe to a name that does not exist.
            guard store.mailbox(name) != nil else { throw CommandFailure.no("Mailbox doesn't exist: \(name)") }
            store.subscribe(name)
            return Completion("Subscribe completed.")
        }
        store.unsubscribe(name)
        return Completion("Unsubscribe completed.")
    }

    // MARK: LIST

    struct ListOptions {
        var subscribedOnly = false
        var recursiveMatch = false
        var returnSubscribed = false
        var returnChildren = false
        var returnStatus: [String]?
        /// LIST without selection or return options: children attributes always, `\Noselect`
        /// for levels that are not mailboxes (as dovecot answers).
        var plain = true
    }

    func list(_ args: inout Arguments) throws -> Completion {
        var options = ListOptions()
        // Without LIST-EXTENDED (RFC 5258 §3) a selection list, a pattern list or RETURN is a
        // syntax error, as on a server that only knows RFC 3501 §6.3.8.
        let extended = hasCapability(.listExtended)
        let notExtended = CommandFailure.bad("Error in IMAP command LIST: Invalid arguments.")
        if let selection = args.optionalList() {
            guard extended else { throw notExtended }
            options.plain = false
            for t in selection {
                switch t.atomValue?.uppercased() {
                case "SUBSCRIBED": options.subscribedOnly = true; options.returnSubscribed = true
                case "REMOTE": break
                case "RECURSIVEMATCH": options.recursiveMatch = true
                default: throw args.bad("Invalid list selection option.")
                }
            }
            if options.recursiveMatch && !options.subscribedOnly {
                throw args.bad("RECURSIVEMATCH must not be the only selection option.")
            }
        }
        let referenceWire = try args.astring()
        var patternsWire: [String] = []
        if let l = args.optionalList() {
            guard extended else { throw notExtended }
            options.plain = false
            for t in l { guard let s = t.stringValue else { throw args.bad("Invalid pattern.") }; patternsWire.append(s) }
        } else {
            patternsWire.append(try args.astring())
        }
        if args.optionalAtom("RETURN") {
            guard extended || hasCapability(.listStatus) else { throw notExtended }
            options.plain = false
            var ret = try args.list()[...]
            while let t = ret.popFirst() {
                switch t.atomValue?.uppercased() {
                case "SUBSCRIBED": options.returnSubscribed = true
                case "CHILDREN": options.returnChildren = true
                case "SPECIAL-USE" where hasCapability(.specialUse): break  // RFC 6154 §5.1: no mailbox is special here
                case "STATUS" where hasCapability(.listStatus):
                    guard case .list(let items)? = ret.popFirst() else { throw args.bad("Invalid STATUS return option.") }
                    options.returnStatus = try items.map { t in
                        guard let a = t.atomValue?.uppercased() else { throw args.bad("Invalid STATUS item.") }
                        return a
                    }
                default: throw args.bad("Invalid list return option.")
                }
            }
        }
        try args.end()
        let decode: (String) throws -> String = { wire in
            do { return try ModifiedUTF7.decode(wire) } catch { throw CommandFailure.no("Mailbox name is not valid mUTF-7") }
        }
        let reference = try decode(referenceWire)
        let patterns = try patternsWire.map(decode)
        let delimiter = store.delimiter

        // RFC 3501 §6.3.8: an empty pattern asks for the delimiter and the root.
        if patterns.count == 1, patterns[0].isEmpty {
            var b = ResponseBuilder("* LIST (\\Noselect) ")
            b.string(String(delimiter))
            b.text(" \"\"\r\n")
            try sendUntaggedBytes(b.bytes)
            return Completion("List completed.")
        }
        let matchers = patterns.map { MailboxPattern(reference + $0, delimiter: delimiter) }
        func matches(_ name: String) -> Bool { matchers.contains { $0.matches(name) } }

        let (boxes, subscriptions) = store.read { ($0.sortedMailboxes, $0.subscriptions) }
        let existing = Dictionary(uniqueKeysWithValues: boxes.map { ($0.name, $0) })
        let d = String(delimiter)
        func parents(_ name: String) -> [String] {
            var out: [String] = []
            var parts = name.split(separator: delimiter, omittingEmptySubsequences: false).map(String.init)
            parts.removeLast()
            var cur = ""
            for p in parts { cur = cur.isEmpty ? p : cur + d + p; out.append(cur) }
            return out
        }
        func hasChildren(_ name: String) -> Bool { existing.keys.contains { $0.hasPrefix(name + d) } }

        var entries: [(name: String, attributes: [String], extra: String?)] = []
        if options.subscribedOnly {
            var names = Set(subscriptions.filter(matches))
            var childInfo: Set<String> = []
            if options.recursiveMatch {
                for s in subscriptions { for p in parents(s) where matches(p) && !subscriptions.contains(p) { childInfo.insert(p) } }
                names.formUnion(childInfo)
            }
            for name in sortNames(names) {
                var attrs: [String] = []
                let exists = existing[name] != nil
                if !exists && subscriptions.contains(name) { attrs.append("\\NonExistent") }
                if exists, let box = existing[name] { attrs += box.attributes }
                if !exists && !subscriptions.contains(name) { attrs.append(hasChildren(name) ? "\\NonExistent" : "\\NonExistent") }
                if subscriptions.contains(name) { attrs.append("\\Subscribed") }
                if options.returnChildren { attrs.append(hasChildren(name) ? "\\HasChildren" : "\\HasNoChildren") }
                entries.append((name, dedupe(attrs), childInfo.contains(name) ? "(\"CHILDINFO\" (\"SUBSCRIBED\"))" : nil))
            }
        } else {
            var names = Set(existing.keys.filter(matches))
            for box in boxes { for p in parents(box.name) where existing[p] == nil && matches(p) { names.insert(p) } }
            for name in sortNames(names) {
                // Attribute order as dovecot writes it: \Subscribed before the children ones.
                var attrs: [String] = []
                if let box = existing[name] {
                    attrs += box.attributes
                    if options.returnSubscribed && subscriptions.contains(name) { attrs.append("\\Subscribed") }
                    if options.plain || options.returnChildren { attrs.append(hasChildren(name) ? "\\HasChildren" : "\\HasNoChildren") }
                } else {
                    attrs.append(options.plain ? "\\Noselect" : "\\NonExistent")
                    if options.returnSubscribed && subscriptions.contains(name) { attrs.append("\\Subscribed") }
                    if options.plain || options.returnChildren { attrs.append("\\HasChildren") }
                }
                entries.append((name, attrs, nil))
            }
        }
        for entry in entries {
            var b = ResponseBuilder("* LIST (" + entry.attributes.joined(separator: " ") + ") ")
            b.string(String(delimiter))
            b.text(" ")
            b.mailbox(entry.name)
            if let extra = entry.extra { b.text(" " + extra) }
            b.crlf()
            try sendUntaggedBytes(b.bytes)
            if let items = options.returnStatus, let box = existing[entry.name] {
                try sendStatus(box, items: items)
            }
        }
        return Completion("List completed.")
    }

    private func sortNames(_ names: Set<String>) -> [String] {
        names.sorted { a, b in
            if a == "INBOX" { return b != "INBOX" }
            if b == "INBOX" { return false }
            return a < b
        }
    }

    private func dedupe(_ a: [String]) -> [String] {
        var seen: Set<String> = []
        return a.filter { seen.insert($0).inserted }
    }

    func lsub(_ args: inout Arguments) throws -> Completion {
        let reference = try args.mailbox()
        let pattern = try args.mailbox()
        try args.end()
        let delimiter = store.delimiter
        let matcher = MailboxPattern(reference + pattern, delimiter: delimiter)
        let subscriptions = store.read { $0.subscriptions }
        var names: [String: [String]] = [:]
        for s in subscriptions where matcher.matches(s) { names[s] = [] }
        // RFC 3501 §6.3.9: a `%` that matches a level above a subscribed name lists it \Noselect.
        for s in subscriptions {
            var parts = s.split(separator: delimiter).map(String.init)
            while parts.count > 1 {
                parts.removeLast()
                let p = parts.joined(separator: String(delimiter))
                let descendantListed = subscriptions.contains { $0.hasPrefix(p + String(delimiter)) && matcher.matches($0) }
                if names[p] == nil, !subscriptions.contains(p), !descendantListed, matcher.matches(p) { names[p] = ["\\Noselect"] }
            }
        }
        for name in sortNames(Set(names.keys)) {
            var b = ResponseBuilder("* LSUB (" + (names[name] ?? []).joined(separator: " ") + ") ")
            b.string(String(delimiter))
            b.text(" ")
            b.mailbox(name)
            b.crlf()
            try sendUntaggedBytes(b.bytes)
        }
        return Completion("Lsub completed.")
    }

    // MARK: STATUS

    func status(_ args: inout Arguments) throws -> Completion {
        let name = try args.mailbox()
        let items = try args.list().map { t -> String in
            guard let a = t.atomValue?.uppercased() else { throw args.bad("Invalid status item.") }
            return a
        }
        try args.end()
        guard let box = store.mailbox(name) else { throw CommandFailure.no("Mailbox doesn't exist: \(name)") }
        try sendStatus(box, items: items)
        return Completion("Status completed.")
    }

    /// `* STATUS` for a mailbox (RFC 3501 §7.2.4); HIGHESTMODSEQ makes CONDSTORE active
    /// (RFC 7162 §3.1).
    func sendStatus(_ box: FakeMailbox, items: [String]) throws {
        var parts: [String] = []
        for item in items {
            switch item {
            case "MESSAGES": parts.append("MESSAGES \(box.messages.count)")
            case "RECENT": parts.append("RECENT \(box.messages.filter { $0.uid >= box.firstRecentUID }.count)")
            case "UIDNEXT": parts.append("UIDNEXT \(box.uidNext)")
            case "UIDVALIDITY": parts.append("UIDVALIDITY \(box.uidValidity)")
            case "UNSEEN": parts.append("UNSEEN \(box.unseenCount)")
            case "HIGHESTMODSEQ" where hasCapability(.condStore):
                condStoreEnabled = true
                parts.append("HIGHESTMODSEQ \(box.advertisedHighestModSeq)")
            case "SIZE": parts.append("SIZE \(box.messages.reduce(0) { $0 + $1.body.count })")
            default: throw CommandFailure.bad("Error in IMAP command STATUS: Invalid status item \(item)")
            }
        }
        var b = ResponseBuilder("* STATUS ")
        b.mailbox(box.name)
        // Outlook's quirk: a space before CRLF (ProviderProfile+Outlook.swift).
        b.text(" (" + parts.joined(separator: " ") + ")" + (has(.statusTrailingSpace) ? " " : "") + "\r\n")
        try sendUntaggedBytes(b.bytes)
    }
}
