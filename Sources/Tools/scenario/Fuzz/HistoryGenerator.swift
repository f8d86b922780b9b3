/// Random crash histories from a seed: changes by other clients on both servers (appends, flag
/// changes, expunges, new mailboxes), `--delete` of a mailbox, and runs of interimap, most of
/// them interrupted at a crash point or by a dropped connection. The same seed and step count
/// give the same history everywhere.
enum HistoryGenerator {
    static func history(seed: UInt64, steps: Int) -> [HistoryEvent] {
        var random = SeededRandom(seed: seed)
        var model = HistoryModel()
        var events: [HistoryEvent] = []
        var labels = 0, boxes = 0
        func add(_ event: HistoryEvent) { if model.apply(event) { events.append(event) } }

        for _ in 0..<steps {
            if random.chance(45) {
                add(.run(interruption(&random)))
                continue
            }
            for _ in 0...random.below(3) {
                let side: HistoryEvent.Side = random.chance(50) ? .local : .remote
                let roll = random.below(100)
                if roll < 40 {
                    guard let mailbox = random.pick(model.mailboxNames(on: side)) else { continue }
                    labels += 1
                    add(.append(side, mailbox: mailbox, label: "\(side == .local ? "l" : "r")\(labels)", flags: flags(&random)))
                } else if roll < 65, let label = random.pick(model.presentLabels(on: side)), let m = model.messages[label] {
                    add(.setFlags(side, mailbox: m.mailbox, label: label, flags: flags(&random)))
                } else if roll < 86, let label = random.pick(model.presentLabels(on: side)), let m = model.messages[label] {
                    add(.expunge(side, mailbox: m.mailbox, label: label))
                } else if roll < 92 {
                    boxes += 1
                    add(.create(side, mailbox: "Box\(boxes)"))
                } else if let mailbox = random.pick(model.deletable) {
                    add(.delete(mailbox: mailbox))
                }
            }
        }
        return events
    }

    private static func flags(_ random: inout SeededRandom) -> [String] {
        HistoryEvent.flagPool.filter { _ in random.chance(30) }
    }

    private static func interruption(_ random: inout SeededRandom) -> HistoryEvent.Interruption? {
        let roll = random.below(100)
        let side: HistoryEvent.Side = random.chance(50) ? .local : .remote
        if roll < 30 { return nil }
        if roll < 80, let point = random.pick(HistoryEvent.crashPoints) { return .crash(point: point, count: 1 + random.below(4)) }
        if roll < 92, let command = random.pick(HistoryEvent.droppable) { return .drop(side: side, command: command, count: 1 + random.below(3)) }
        return .dropAppend(side: side, count: 1 + random.below(3))
    }
}
