/// The result of a store operation that has started and not necessarily completed: its commands
/// are on their way to the server (pipelined behind those already in flight), and `wait()` blocks
/// until the server has answered them. This is what lets the synchronizer keep both servers, and
/// many commands on each, busy at once: it starts everything it can, and waits only for what the
/// next decision depends on.
///
/// A `Pending` is used by the thread that drives the synchronization; it is not shared.
final class Pending<Value> {
    private enum State {
        case waiting(() throws -> Value)
        case done(Result<Value, Error>)
    }
    private var state: State

    /// A result that the server still has to give: `complete` reads responses until it can.
    init(_ complete: @escaping () throws -> Value) { state = .waiting(complete) }

    /// A result known already (an in-memory store, or an operation with nothing to send).
    init(value: Value) { state = .done(.success(value)) }

    /// Waits for the result (once: later calls return the same value or error).
    func wait() throws -> Value {
        switch state {
        case .done(let result): return try result.get()
        case .waiting(let complete):
            let result = Result { try complete() }
            state = .done(result)
            return try result.get()
        }
    }

    /// A pending result computed from this one when it completes.
    func map<T>(_ transform: @escaping (Value) throws -> T) -> Pending<T> {
        Pending<T> { try transform(try self.wait()) }
    }
}

extension Pending where Value == Void {
    /// An operation that had nothing to do.
    static var none: Pending<Void> { Pending(value: ()) }
}
