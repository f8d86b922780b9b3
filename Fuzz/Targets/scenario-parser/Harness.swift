import Foundation
import CFuzzer

/// The scenario file parser (Scenarios/*.ini) on arbitrary text: a scenario or a one-line error
/// naming the line, never a crash. Its sources are the scenario tool's `Format/` (linked here).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzScenarioParser(_ input: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data = input else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = try? ScenarioParser.parse(text: text, path: "fuzz.ini", now: Date(timeIntervalSince1970: 1_700_000_000))
    return 0
}

/// The program's entry point (SwiftPM calls it `fuzz_scenario_parser_main`): libFuzzer with its options.
@_cdecl("fuzz_scenario_parser_main")
func fuzz_scenario_parser_main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt { fuzz_main(argc, argv, fuzzScenarioParser) }
