/// Writes a crash history as a scenario file: the events as `[change]`, `[crash]`, `[fault]`
/// and `[run]` steps, and after every run the expectations the model gives (no duplicate,
/// nothing expunged back, nothing lost; after a clean run also convergence, exact contents, the
/// flags where certain and a complete, current database). The history ends with a clean run,
/// a run that must find nothing to do, and (for ours) a run of the reference on the database
/// ours left. The text is a scenario like any other: ready to add to Scenarios/.
struct HistoryScript {
    typealias Side = HistoryEvent.Side

    /// Events the model kept (a shrink may leave some meaningless).
    private(set) var events: [HistoryEvent] = []
    private(set) var text = ""
    private var model = HistoryModel()

    /// - Parameter reference: write it for the reference: no crash points (each becomes the
    ///   SIGKILL after a while) and no closing run of the reference.
    init(events input: [HistoryEvent], name: String, description: String, reference: Bool, closingReferenceRun: Bool) {
        let converted = reference ? input.map(\.forReference) : input
        var body: [String] = []
        var changeSide: Side?
        for event in converted {
            guard model.apply(event) else { continue }
            events.append(event)
            switch event {
            case let .append(side, mailbox, label, flags):
                body += change(side, &changeSide, "append = \(Self.quote(mailbox)) \(label)" + flags.map { " " + $0 }.joined())
            case let .setFlags(side, mailbox, label, flags):
                body += change(side, &changeSide, "set-flags = \(Self.quote(mailbox)) \(label) :" + flags.map { " " + $0 }.joined())
            case let .expunge(side, mailbox, label):
                body += change(side, &changeSide, "expunge = \(Self.quote(mailbox)) \(label)")
            case let .create(side, mailbox):
                body += change(side, &changeSide, "create = \(Self.quote(mailbox))")
            case .delete(let mailbox):
                changeSide = nil
                // Which other mailboxes each server holds may be uncertain here (an interrupted
                // run may have created some); the next clean run checks the lists.
                body += ["", "[run interimap]", "args = --delete \(Self.quote(mailbox))", "", "[expect]"]
                    + ["local: Deleted mailbox", "remote: Deleted mailbox", "database: Removed mailbox"].map { "log = \($0) \(mailbox)" }
            case .run(let interruption):
                changeSide = nil
                body += Self.arm(interruption) + ["", "[run interimap]"]
                if case .kill(let seconds)? = interruption { body.append("kill-after = \(seconds)") }
                body += ["", "[expect]"]
                body += interruption == nil ? cleanExpectations() : interruptedExpectations()
            }
        }
        // The end: converge, then nothing left to do.
        _ = model.apply(.run(nil))
        body += ["", "[run interimap]", "", "[expect]"] + cleanExpectations()
        body += ["", "[run interimap]", "", "[expect]", "no-log = Added", "no-log = Removed", "no-log = Updated flags", "equal = yes"]
        if closingReferenceRun {
            body += ["", "# The reference takes over the database ours left, and finds nothing to do.",
                     "[run interimap]", "engine = reference", "", "[expect]", "no-log = Added", "no-log = Removed", "equal = yes", "no-duplicates = yes"]
        }
        let usesCrashPoints = events.contains { if case .run(.crash?) = $0 { return true }; return false }
        var header = ["name = \(name)", "description = \(description)"]
        if usesCrashPoints { header += ["engine = ours", "engine-reason = crash points are ours"] }
        header += ["backend = fake", "", "[server local]", "[server remote]"]
        text = (header + body).joined(separator: "\n") + "\n"
    }

    private static func quote(_ word: String) -> String { WordSplitter.quote(word) }

    private func change(_ side: Side, _ current: inout Side?, _ line: String) -> [String] {
        defer { current = side }
        return current == side ? [line] : ["", "[change \(side.rawValue)]", line]
    }

    private static func arm(_ interruption: HistoryEvent.Interruption?) -> [String] {
        switch interruption {
        case nil: return []
        case let .crash(point, count)?: return ["", "[crash]", "at = \(point):\(count)"]
        case let .drop(side, command, count)?: return ["", "[fault \(side.rawValue)]", "drop-after = \(command):\(count)"]
        case let .dropAppend(side, count)?: return ["", "[fault \(side.rawValue)]", "drop-append-after = \(count)"]
        case .kill?: return []
        }
    }

    private func labels(in mailbox: String, _ include: (HistoryModel.Message) -> Bool) -> [String] {
        model.order.filter { label in model.messages[label].map { $0.mailbox == mailbox && include($0) } ?? false }
    }

    private func mailboxExpectations() -> [String] {
        let names = model.mailboxes.keys.sorted().map(Self.quote).joined(separator: " ")
        return ["mailboxes local = \(names)", "mailboxes remote = \(names)", "db-mailboxes = \(names)"]
    }

    /// After a run cut short: whatever it did, no duplicate, nothing expunged back where it was
    /// expunged, and nothing certainly on a server gone from it.
    private func interruptedExpectations() -> [String] {
        var lines = ["exit = any", "no-duplicates = yes"]
        for mailbox in model.mailboxes.keys.sorted() {
            for side in Side.allCases where model.mailboxes[mailbox]?.sides.contains(side) == true {
                let present = labels(in: mailbox) { !$0.expunged && ($0.origin == side || $0.synchronized) }
                let absent = labels(in: mailbox) { $0.expungedOn == side }
                if !present.isEmpty { lines.append("present \(side.rawValue) \(Self.quote(mailbox)) = " + present.joined(separator: " ")) }
                if !absent.isEmpty { lines.append("absent \(side.rawValue) \(Self.quote(mailbox)) = " + absent.joined(separator: " ")) }
            }
        }
        return lines
    }

    /// After a clean run: both servers equal, exactly the live messages, flags where certain, and
    /// a database that maps every message and recorded each server's UIDNEXT.
    private func cleanExpectations() -> [String] {
        var lines = ["equal = yes", "no-duplicates = yes"] + mailboxExpectations()
        for mailbox in model.mailboxes.keys.sorted() {
            let name = Self.quote(mailbox)
            let alive = labels(in: mailbox) { !$0.expunged }
            let gone = labels(in: mailbox) { $0.expunged }
            for side in Side.allCases {
                lines.append("count \(side.rawValue) \(name) = \(alive.count)")
                if !alive.isEmpty { lines.append("present \(side.rawValue) \(name) = " + alive.joined(separator: " ")) }
                if !gone.isEmpty { lines.append("absent \(side.rawValue) \(name) = " + gone.joined(separator: " ")) }
            }
            for label in alive {
                guard let flags = model.messages[label]?.flags[.local] ?? nil else { continue }
                lines.append("flags local \(name) \(label) = " + flags.sorted().joined(separator: " "))
            }
            lines += ["db-mapping \(name) = complete", "db-uidnext local \(name) = current", "db-uidnext remote \(name) = current"]
        }
        return lines
    }
}
