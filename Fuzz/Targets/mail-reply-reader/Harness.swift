@testable import Engine
import CFuzzer

/// The SMTP/LMTP reply reader on arbitrary server output, read in pieces as a socket gives
/// them: replies or a typed error, never a crash, within its line and length bounds.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMailReplyReader(_ input: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data = input else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var reader = MailReplyReader(stream: ReplayStream(bytes))
    for _ in 0..<64 {
        guard (try? reader.readReply()) != nil else { break }
    }
    return 0
}

/// Hands out the input a few bytes at a time (the piece size from the first byte), then end of stream.
final class ReplayStream: ByteStream, @unchecked Sendable {
    private var bytes: ArraySlice<UInt8>
    private let piece: Int
    init(_ bytes: [UInt8]) {
        self.bytes = bytes[...]
        piece = 1 + Int(bytes.first ?? 0) % 17
    }
    func read(maxLength: Int) throws -> [UInt8] {
        let n = min(piece, maxLength, bytes.count)
        defer { bytes = bytes.dropFirst(n) }
        return Array(bytes.prefix(n))
    }
    func write(_ bytes: [UInt8]) throws {}
    func shutdownWrite() {}
    func close() {}
}

/// The program's entry point (SwiftPM calls it `fuzz_mail_reply_reader_main`): libFuzzer with its options.
@_cdecl("fuzz_mail_reply_reader_main")
func fuzz_mail_reply_reader_main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt { fuzz_main(argc, argv, fuzzMailReplyReader) }
