import CZlib
import Engine

/// One direction of COMPRESS=DEFLATE (RFC 4978): raw deflate (no zlib header, window bits -15,
/// RFC 4978 §4), flushed with Z_SYNC_FLUSH after each batch of output so the peer can decode
/// every response as soon as it arrives.
///
/// Independent of the engine's `DeflateStream` on purpose: the fake server must decode what
/// the engine's deflater writes (a missing sync flush after a command shows here as a stalled
/// session) and the engine must decode this one's output, as with dovecot; the same codec on
/// both ends would agree with itself whatever it did.
final class DeflateCodec {
    enum Direction { case compress, decompress }
    private let stream: UnsafeMutablePointer<z_stream>
    private let direction: Direction
    private var finished = false

    init(_ direction: Direction) throws {
        self.direction = direction
        stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let rc = direction == .compress ? interimap_deflate_init_raw(stream, Z_DEFAULT_COMPRESSION) : interimap_inflate_init_raw(stream)
        guard rc == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw TransportError.compression("zlib initialisation failed (code \(rc))")
        }
    }

    deinit {
        if direction == .compress { deflateEnd(stream) } else { inflateEnd(stream) }
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Compresses or decompresses `input` entirely; returns what zlib produced.
    func process(_ input: [UInt8]) throws -> [UInt8] {
        if finished { return [] }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 32 * 1024)
        var input = input
        let inputCount = input.count
        try input.withUnsafeMutableBufferPointer { inBuf in
            stream.pointee.next_in = inBuf.baseAddress
            stream.pointee.avail_in = UInt32(inputCount)
            repeat {
                let produced: Int = try chunk.withUnsafeMutableBufferPointer { outBuf in
                    stream.pointee.next_out = outBuf.baseAddress
                    stream.pointee.avail_out = UInt32(outBuf.count)
                    let rc = direction == .compress ? deflate(stream, Z_SYNC_FLUSH) : inflate(stream, Z_SYNC_FLUSH)
                    switch rc {
                    case Z_OK, Z_BUF_ERROR: break
                    case Z_STREAM_END: finished = true
                    default:
                        throw TransportError.compression(direction == .compress ? "deflate failed (code \(rc))" : "corrupt compressed data from the client (inflate code \(rc))")
                    }
                    return outBuf.count - Int(stream.pointee.avail_out)
                }
                out.append(contentsOf: chunk[0..<produced])
                // Keep going while zlib filled the whole output buffer (it may hold more) or
                // input remains.
                if finished { break }
                if produced < chunk.count && stream.pointee.avail_in == 0 { break }
            } while true
            stream.pointee.next_in = nil
        }
        return out
    }
}
