/// The bytes of a message on its way from one server to the other, read in pieces as the source
/// sends them: a copy holds one piece at a time, never the whole message (a message can be
/// larger than the memory interimap should take).
final class MessageBody {
    /// The size the source announced (its literal's length).
    let size: Int
    private let read: () throws -> [UInt8]?
    private var ended = false

    /// - Parameter read: the next piece, or nil after the last one.
    init(size: Int, read: @escaping () throws -> [UInt8]?) {
        self.size = size
        self.read = read
    }

    /// A body already in memory, handed over as one piece.
    convenience init(bytes: [UInt8]) {
        var rest: [UInt8]? = bytes
        self.init(size: bytes.count) { defer { rest = nil }; return rest }
    }

    /// The next piece; nil once the whole body was read.
    func nextChunk() throws -> [UInt8]? {
        guard !ended else { return nil }
        guard let chunk = try read() else { ended = true; return nil }
        return chunk
    }

    /// The rest of the body in one array (for a destination that cannot take it in pieces).
    func readAll() throws -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(size)
        while let chunk = try nextChunk() { bytes += chunk }
        return bytes
    }

    /// Reads and drops what is left (a message the copy does not want).
    func skip() throws {
        while try nextChunk() != nil {}
    }
}
