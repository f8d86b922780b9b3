import Engine
import Foundation

/// IDLE (RFC 2177) and NOTIFY (RFC 5465): the two ways a client waits for the server to push
/// changes made by other sessions.
extension ServerSession {
    /// Releases the persistence lock while waiting, so other processes sharing the state file
    /// can run; polls the file while waiting since their changes do not wake us.
    func waitForInputOrChange() throws -> SessionInput.WaitResult {
        try output.flush()
        guard let p = server.persistence else { return try input.wait(watchStore: true) }
        try p.end(store, save: true)
        defer { try? p.begin(store) }
        return try input.wait(watchStore: true, timeout: 0.2)
    }

    func idle() throws -> Completion {
        try sendLine("+ idling")
        while true {
            if state == .selected { try synchronizeSelected(allowExpunge: true) }
            if notify != nil { try deliverNotifications() }
            switch try waitForInputOrChange() {
            case .storeChanged, .timedOut: continue
            case .endOfStream: throw SessionEnd.finished
            case .input:
                guard let line = try input.readLine(maxLength: 1024) else { throw SessionEnd.finished }
                if String(decoding: line, as: UTF8.self).uppercased() == "DONE" { return Completion("Idle completed.") }
                throw CommandFailure.bad("Expected DONE.")
            }
        }
    }

    // MARK: NOTIFY

    static let supportedEvents: [String] = ["MessageNew", "MessageExpunge", "FlagChange", "MailboxName", "SubscriptionChange"]

    func notifyCommand(_ args: inout Arguments) throws -> Completion {
        let verb = try args.atom().uppercased()
        if verb == "NONE" {
            try args.end()
            notify = nil
            return Completion("NOTIFY completed.")
        }
        guard verb == "SET" else { throw args.bad("Expected SET or NONE") }
        var wantStatus = false
        if args.optionalAtom("STATUS") { wantStatus = true } else if case .list(let l)? = args.peek, l.count == 1, l[0].atomValue?.uppercased() == "STATUS" {
            _ = try args.next(); wantStatus = true
        }
        var state = NotifyState()
        if args.isEmpty { throw args.bad("Missing event groups") }
        while !args.isEmpty {
            var group = try args.list()[...]
            guard let filterWord = group.popFirst()?.atomValue?.uppercased() else { throw args.bad("Invalid filter") }
            var filter: NotifyState.Filter?
            var isSelected = false
            switch filterWord {
            case "SELECTED", "SELECTED-DELAYED": isSelected = true
            case "PERSONAL": filter = .personal
            case "INBOXES": filter = .inboxes
            case "SUBSCRIBED": filter = .subscribed
            case "SUBTREE", "MAILBOXES":
                guard let t = group.popFirst() else { throw args.bad("Missing mailboxes") }
                let tokens = t.listValue ?? [t]
                let names = try tokens.map { tok -> String in
                    guard let s = tok.stringValue else { throw args.bad("Invalid mailbox") }
                    do { return store.read { s2 in s2.canonicalName((try? ModifiedUTF7.decode(s)) ?? s) } }
                }
                filter = filterWord == "SUBTREE" ? .subtree(names) : .mailboxes(names)
            default: throw args.bad("Unknown filter \(filterWord)")
            }
            guard let eventsToken = group.popFirst() else { throw args.bad("Missing events") }
            var events: Set<String> = []
            var fetchItems: [FetchItem] = []
            if eventsToken.atomValue?.uppercased() != "NONE" {
                guard var list = eventsToken.listValue?[...] else { throw args.bad("Invalid events") }
                while let e = list.popFirst() {
                    guard let name = e.atomValue else { throw args.bad("Invalid event") }
                    guard let canonical = Self.supportedEvents.first(where: { $0.lowercased() == name.lowercased() }) else {
                        throw CommandFailure.no("Unsupported event", code: "BADEVENT (" + Self.supportedEvents.joined(separator: " ") + ")")
                    }
                    events.insert(canonical)
                    if canonical == "MessageNew", case .list(let atts)? = list.first {
                        _ = list.popFirst()
                        guard isSelected else { throw args.bad("MessageNew fetch attributes are only for SELECTED") }
                        fetchItems = try parseFetchItems(.list(atts), args: args)
                    }
                }
            }
            guard group.isEmpty else { throw args.bad("Extra data in event group") }
            // RFC 5465 §5: MessageNew and MessageExpunge go together; FlagChange needs both.
            if events.contains("MessageNew") != events.contains("MessageExpunge") ||
                (events.contains("FlagChange") && !events.contains("MessageNew")) {
                throw args.bad("MessageNew and MessageExpunge must be specified together")
            }
            if isSelected {
                state.selectedEvents = events
                state.selectedFetch = fetchItems
            } else if let filter {
                state.groups.append((filter, events))
            }
        }
        // Start from the current state: only later changes are events.
        let (boxes, subs) = store.read { s in (Array(s.mailboxes.values), s.subscriptions) }
        for box in boxes { state.baseline[box.id] = NotifyState.MailboxSummary(box) }
        state.subscriptions = subs
        notify = state
        if wantStatus {
            // RFC 5465 §3: STATUS for every mailbox the filters cover, but the selected one.
            for box in boxes.sorted(by: { $0.name < $1.name }) where box.id != selected?.id {
                let ev = state.events(for: box.name, subscriptions: subs, delimiter: store.delimiter)
                guard ev.contains("MessageNew") || ev.contains("MessageExpunge") || ev.contains("FlagChange") else { continue }
                var items = ["MESSAGES", "UIDNEXT", "UIDVALIDITY", "UNSEEN"]
                if condStoreEnabled && !box.noModSeq { items.append("HIGHESTMODSEQ") }
                try sendStatus(box, items: items)
            }
        }
        return Completion("NOTIFY completed.")
    }

    /// After a command: report what NOTIFY asked for (the selected mailbox has just been
    /// synchronised by the command itself).
    func deliverNotificationsAfterCommand() throws {
        if notify != nil { try deliverNotifications(syncSelected: false) }
    }

    /// Sends the events that happened since the client was last told (RFC 5465 §5), in
    /// dovecot's form: STATUS for message events in other mailboxes, LIST for name and
    /// subscription changes.
    func deliverNotifications(syncSelected: Bool = true) throws {
        guard var n = notify else { return }
        if syncSelected, state == .selected, let events = n.selectedEvents, !events.isEmpty {
            let before = selected?.uids.last ?? 0
            try synchronizeSelected(allowExpunge: true)
            if !n.selectedFetch.isEmpty, let view = selected, let box = currentMailbox(view.id) {
                for uid in view.uids where uid > before {
                    guard let m = box.message(uid: uid), let seq = view.sequenceNumber(ofUID: uid) else { continue }
                    try sendUntaggedBytes(fetchResponse(seq: seq, message: m, items: n.selectedFetch, recent: view.recent.contains(uid)))
                }
            }
        }
        let delimiter = store.delimiter
        let (boxes, subs) = store.read { s in (s.mailboxes, s.subscriptions) }
        let d = String(delimiter)
        func listLine(_ attrs: String, _ name: String, _ extra: String = "") throws {
            var b = ResponseBuilder("* LIST (\(attrs)) ")
            b.string(d)
            b.text(" ")
            b.mailbox(name)
            b.text(extra + "\r\n")
            try sendUntaggedBytes(b.bytes)
        }
        for (id, box) in boxes.sorted(by: { $0.value.name < $1.value.name }) {
            let now = NotifyState.MailboxSummary(box)
            let events = n.events(for: box.name, subscriptions: subs, delimiter: delimiter)
            guard let old = n.baseline[id] else {
                if events.contains("MailboxName") { try listLine("", box.name) }
                n.baseline[id] = now
                continue
            }
            if old.name != box.name, events.contains("MailboxName") || n.events(for: old.name, subscriptions: subs, delimiter: delimiter).contains("MailboxName") {
                var b = ResponseBuilder(" (\"OLDNAME\" (")
                b.mailbox(old.name)
                b.text("))")
                try listLine("", box.name, String(decoding: b.bytes, as: UTF8.self))
            }
            if id != selected?.id, old != now {
                var items: [String] = []
                let withModSeq = condStoreEnabled && !box.noModSeq
                if (old.messages != now.messages || old.uidNext != now.uidNext || old.uidValidity != now.uidValidity),
                   events.contains("MessageNew") || events.contains("MessageExpunge") {
                    items = ["MESSAGES", "UIDNEXT"]
                    if old.uidValidity != now.uidValidity { items.append("UIDVALIDITY") }
                    items.append("UNSEEN")
                    if withModSeq { items.append("HIGHESTMODSEQ") }
                } else if old.highestModSeq != now.highestModSeq || old.unseen != now.unseen, events.contains("FlagChange") {
                    if old.unseen != now.unseen { items.append("UNSEEN") }
                    if withModSeq { items.append("HIGHESTMODSEQ") }
                }
                if !items.isEmpty { try sendStatus(box, items: items) }
            }
            n.baseline[id] = now
        }
        for (id, old) in n.baseline where boxes[id] == nil {
            if n.events(for: old.name, subscriptions: subs, delimiter: delimiter).contains("MailboxName") || n.groups.contains(where: { $0.events.contains("MailboxName") }) {
                try listLine("\\NonExistent", old.name)
            }
            n.baseline[id] = nil
        }
        if subs != n.subscriptions {
            for name in subs.subtracting(n.subscriptions).sorted() where n.events(for: name, subscriptions: subs, delimiter: delimiter).contains("SubscriptionChange") {
                try listLine("\\Subscribed", name)
            }
            for name in n.subscriptions.subtracting(subs).sorted() where n.events(for: name, subscriptions: n.subscriptions, delimiter: delimiter).contains("SubscriptionChange") {
                try listLine("", name)
            }
            n.subscriptions = subs
        }
        notify = n
    }
}
