/// A bidirectional byte stream: the one thing every transport (TCP, tunnel, TLS, SOCKS, COMPRESS,
/// in-memory) provides to the IMAP session above it.
///
/// Contract: `read` and `write` may be called concurrently from two different threads (one reader,
/// one writer) and neither waits for the other, so the session can pipeline commands while a long
/// response is still arriving. Only one thread reads and only one thread writes at a time.
public protocol ByteStream: AnyObject, Sendable {
    /// Blocks until at least one byte is available; returns at most `maxLength` bytes.
    /// Returns an empty array at end of stream. Throws on a transport error.
    func read(maxLength: Int) throws -> [UInt8]
    /// Writes all of `bytes` (blocking until handed to the lower layer) or throws.
    func write(_ bytes: [UInt8]) throws
    /// Half-closes the writing side (the peer reads end of stream); reading may continue.
    func shutdownWrite()
    /// Closes both directions; a blocked `read` returns end of stream or throws. Idempotent.
    func close()
}
