@testable import FakeIMAPServer
import CFuzzer

/// The fake server's command tokenizer (the inverse of the client's command encoder) on
/// arbitrary client input: tokens or a syntax error, never a crash. NUL bytes cut the input into
/// the command text and the literals it refers to.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCommandTokenizer(_ input: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data = input else { return 0 }
    let parts = UnsafeBufferPointer(start: data, count: size).split(separator: 0, omittingEmptySubsequences: false).map(Array.init)
    _ = try? CommandTokenizer.tokenize(text: parts.first ?? [], literals: Array(parts.dropFirst()))
    if let line = parts.first { _ = CommandReader.literalAnnouncement(line) }
    return 0
}

/// The program's entry point (SwiftPM calls it `fuzz_command_tokenizer_main`): libFuzzer with its options.
@_cdecl("fuzz_command_tokenizer_main")
func fuzz_command_tokenizer_main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt { fuzz_main(argc, argv, fuzzCommandTokenizer) }
