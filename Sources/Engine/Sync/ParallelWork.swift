import Foundation

/// Runs blocking jobs on their own threads and waits for all of them: how both servers' connection
/// handshakes (TCP, TLS, authentication) proceed at the same time.
enum ParallelWork {
    private final class Slots<T>: @unchecked Sendable {
        // `lock` protects `results`.
        let lock = NSLock()
        var results: [Result<T, Error>?]
        init(_ n: Int) { results = Array(repeating: nil, count: n) }
    }

    static func run<T: Sendable>(_ jobs: [@Sendable () throws -> T]) -> [Result<T, Error>] {
        let slots = Slots<T>(jobs.count)
        let group = DispatchGroup()
        for (i, job) in jobs.enumerated() {
            group.enter()
            let thread = Thread {
                let r = Result { try job() }
                slots.lock.lock(); slots.results[i] = r; slots.lock.unlock()
                group.leave()
            }
            thread.start()
        }
        group.wait()
        return slots.results.map { $0 ?? .failure(IMAPClientError.connectionLost("job did not finish")) }
    }
}
