import CZlib
import Foundation

/// COMPRESS=DEFLATE (RFC 4978) over another `ByteStream`, once the server has answered OK to
/// `COMPRESS DEFLATE`.
///
/// RFC 4978 §4: raw deflate (RFC 1951, no zlib header: window bits -15), one compression context
/// per direction for the life of the connection. Every `write` ends with a sync flush so that
/// the server can decode each command as soon as it arrives (§4: "the compressor must flush
/// ... after each command"), which is what makes pipelining work over compression.
///
/// The fake server has its own codec (`DeflateCodec` in FakeIMAPServer) on purpose, so that
/// each side checks the other's compression as a real peer would.
///
/// The two directions share nothing: the deflater is used only under `writeLock`, the inflater
/// only under `readLock`, so a reader blocked waiting for the server never delays a writer.
public final class DeflateStream: ByteStream, @unchecked Sendable {
    private let lower: ByteStream

    /// Protects `deflater`.
    private let writeLock = NSLock()
    private let deflater: UnsafeMutablePointer<z_stream>

    /// Protects `inflater`, `inputBuffer` (which inflater.next_in points into), `outputWasFull`,
    /// `streamEnded` and `readFailure`.
    private let readLock = NSLock()
    private let inflater: UnsafeMutablePointer<z_stream>
    private let inputBuffer: UnsafeMutablePointer<UInt8>
    private static let inputCapacity = 32 * 1024
    private static let outputChunk = 16 * 1024
    /// The last inflate call filled the caller's buffer: more output may be pending in zlib.
    private var outputWasFull = false
    private var streamEnded = false
    private var readFailure: TransportError?

    /// Starts compressing over `lower`. `level` is zlib's (Z_DEFAULT_COMPRESSION: 6).
    public init(over lower: ByteStream, level: Int32 = Z_DEFAULT_COMPRESSION) throws {
        self.lower = lower
        deflater = .allocate(capacity: 1)
        deflater.initialize(to: z_stream())
        inflater = .allocate(capacity: 1)
        inflater.initialize(to: z_stream())
        inputBuffer = .allocate(capacity: DeflateStream.inputCapacity)
        let d = interimap_deflate_init_raw(deflater, level)
        let i = interimap_inflate_init_raw(inflater)
        guard d == Z_OK, i == Z_OK else {
            if d == Z_OK { deflateEnd(deflater) }
            if i == Z_OK { inflateEnd(inflater) }
            deflater.deallocate()
            inflater.deallocate()
            inputBuffer.deallocate()
            throw TransportError.compression("cannot initialise zlib (deflateInit2: \(d), inflateInit2: \(i))")
        }
    }

    deinit {
        deflateEnd(deflater)
        inflateEnd(inflater)
        deflater.deallocate()
        inflater.deallocate()
        inputBuffer.deallocate()
    }

    public func write(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { return }
        writeLock.lock(); defer { writeLock.unlock() }
        var compressed: [UInt8] = []
        var failure: Int32 = Z_OK
        bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
            deflater.pointee.next_in = UnsafeMutablePointer(mutating: base)
            deflater.pointee.avail_in = UInt32(raw.count)
            var chunk = [UInt8](repeating: 0, count: DeflateStream.outputChunk)
            // zlib: with a flush, call again while the output buffer came back full.
            repeat {
                let rc = chunk.withUnsafeMutableBufferPointer { out -> Int32 in
                    deflater.pointee.next_out = out.baseAddress
                    deflater.pointee.avail_out = UInt32(out.count)
                    return deflate(deflater, Z_SYNC_FLUSH)
                }
                if rc != Z_OK && rc != Z_BUF_ERROR { failure = rc; break }
                compressed += chunk.prefix(DeflateStream.outputChunk - Int(deflater.pointee.avail_out))
            } while deflater.pointee.avail_out == 0
            deflater.pointee.next_in = nil
            deflater.pointee.avail_in = 0
        }
        if failure != Z_OK {
            throw TransportError.compression("deflate failed: \(DeflateStream.message(deflater, failure))")
        }
        try lower.write(compressed)
    }

    public func read(maxLength: Int) throws -> [UInt8] {
        guard maxLength > 0 else { return [] }
        readLock.lock(); defer { readLock.unlock() }
        if let readFailure { throw readFailure }
        if streamEnded { return [] }
        let capacity = min(maxLength, Int(UInt32.max))
        // Inflated straight into the returned array: no zero fill, no second copy (this is the
        // path of every FETCH body over COMPRESS).
        return try [UInt8](unsafeUninitializedCapacity: capacity) { out, count in
            count = 0
            while true {
                if inflater.pointee.avail_in == 0 && !outputWasFull {
                    let compressed = try lower.read(maxLength: DeflateStream.inputCapacity)
                    if compressed.isEmpty { return }
                    compressed.withUnsafeBufferPointer { source in
                        guard let base = source.baseAddress else { return }
                        inputBuffer.update(from: base, count: source.count)
                    }
                    inflater.pointee.next_in = inputBuffer
                    inflater.pointee.avail_in = UInt32(compressed.count)
                }
                inflater.pointee.next_out = out.baseAddress
                inflater.pointee.avail_out = UInt32(capacity)
                let rc = inflate(inflater, Z_SYNC_FLUSH)
                let produced = capacity - Int(inflater.pointee.avail_out)
                outputWasFull = inflater.pointee.avail_out == 0
                switch rc {
                case Z_OK, Z_BUF_ERROR:
                    break
                case Z_STREAM_END:
                    // The server ended its deflate stream (it never should mid-session): what it
                    // sent is delivered, then end of stream.
                    streamEnded = true
                default:
                    let error = TransportError.compression("invalid compressed data: \(DeflateStream.message(inflater, rc))")
                    readFailure = error
                    throw error
                }
                if produced > 0 { count = produced; return }
                if streamEnded { return }
            }
        }
    }

    public func shutdownWrite() { lower.shutdownWrite() }
    public func close() { lower.close() }

    /// zlib's own message for the last error, or its code.
    private static func message(_ stream: UnsafeMutablePointer<z_stream>, _ code: Int32) -> String {
        if let text = stream.pointee.msg { return String(cString: text) }
        switch code {
        case Z_DATA_ERROR: return "corrupted data"
        case Z_MEM_ERROR: return "out of memory"
        case Z_STREAM_ERROR: return "inconsistent stream state"
        case Z_NEED_DICT: return "a preset dictionary is required"
        default: return "zlib error \(code)"
        }
    }
}
