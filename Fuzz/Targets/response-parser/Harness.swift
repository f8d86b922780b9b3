import Engine
import CFuzzer

/// The IMAP response parser on arbitrary server output: it must end every input with events or
/// a typed error, never crash, hang or grow without bound. The input is fed in two pieces (the
/// split point taken from its first byte), as a network read would cut it, and the parser must
/// see the same responses as when fed whole.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzResponseParser(_ input: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data = input else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let split = bytes.isEmpty ? 0 : Int(bytes[0]) % bytes.count
    let whole = responses([bytes[...]])
    let pieces = responses([bytes[..<split], bytes[split...]])
    if whole.responses != pieces.responses || whole.failed != pieces.failed { fatalError("fed in two pieces the parser answered otherwise: \(whole) / \(pieces)") }
    return 0
}

/// What the parser makes of the pieces: its responses, then whether it ended on an error.
private func responses(_ pieces: [ArraySlice<UInt8>]) -> (responses: [Response], failed: Bool) {
    var parser = ResponseParser()
    var out: [Response] = []
    for piece in pieces {
        parser.append(piece)
        do {
            while let response = try parser.nextResponse() { out.append(response) }
        } catch {
            return (out, true)
        }
    }
    return (out, false)
}

/// The program's entry point (SwiftPM calls it `fuzz_response_parser_main`): libFuzzer with its options.
@_cdecl("fuzz_response_parser_main")
func fuzz_response_parser_main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt { fuzz_main(argc, argv, fuzzResponseParser) }
