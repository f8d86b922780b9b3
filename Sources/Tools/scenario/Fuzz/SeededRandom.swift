import FakeIMAPServer

/// Random choices that are the same for the same seed on every machine (SplitMix64), so that a
/// crash history is reproducible from its seed alone.
struct SeededRandom {
    private var generator: SplitMix64

    init(seed: UInt64) { generator = SplitMix64(seed: seed) }

    /// A number in `0..<bound`.
    mutating func below(_ bound: Int) -> Int { Int(generator.next() % UInt64(max(bound, 1))) }

    /// True with probability `percent`/100.
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }

    mutating func pick<T>(_ items: [T]) -> T? { items.isEmpty ? nil : items[below(items.count)] }
}
