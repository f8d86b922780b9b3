/// How many taken elements a queue kept as an array may hold before it is compacted (see
/// `dropTakenPrefix`): below this the copy is not worth making at all.
let queueCompactionMinimum = 64

extension Array {
    /// For a first-in first-out queue kept as an array and `head`, the index of its oldest element
    /// still waiting (taking is then O(1)): drops the taken prefix once it is longer than
    /// `queueCompactionMinimum` and than the rest, so that each O(n) `removeFirst` follows at
    /// least as many O(1) takes (amortized O(1) a take) and the memory of what was taken goes.
    /// The one compaction of the engine's queues: commands in flight, bytes waiting to be sent,
    /// APPEND batches in flight, messages waiting for delivery.
    mutating func dropTakenPrefix(_ head: inout Int) {
        guard head > queueCompactionMinimum, head * 2 > count else { return }
        removeFirst(head)
        head = 0
    }
}
