/// Shrinks a failing history to a small one that still fails: removes chunks of events, halving
/// the chunk size when no chunk can go (delta debugging), within a budget of replays. Events
/// left meaningless by a removal are dropped by the model when the scenario is written.
enum HistoryShrinker {
    static func shrink(_ events: [HistoryEvent], budget: Int, stillFails: ([HistoryEvent]) -> Bool) -> [HistoryEvent] {
        var current = events
        var chunk = max(current.count / 2, 1)
        var attempts = 0
        while attempts < budget, !current.isEmpty {
            var index = 0
            var removedAny = false
            while index < current.count, attempts < budget {
                var candidate = current
                candidate.removeSubrange(index..<min(index + chunk, current.count))
                attempts += 1
                if stillFails(candidate) {
                    current = candidate
                    removedAny = true
                } else {
                    index += chunk
                }
            }
            if !removedAny {
                if chunk == 1 { break }
                chunk = max(chunk / 2, 1)
            }
        }
        return current
    }
}
