import Engine
import Foundation
import CFuzzer

/// The INI reader (interimap's and pullimap's configuration) on arbitrary bytes: sections and
/// values, or a one-line error; then the typed interimap configuration on what it read.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzINIReader(_ input: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data = input else { return 0 }
    guard let file = try? INIFile(data: Data(bytes: data, count: size), path: "config") else { return 0 }
    _ = try? InterimapConfiguration(file: file, environment: ConfigEnvironment(variables: ["HOME": "/nonexistent"]))
    return 0
}

/// The program's entry point (SwiftPM calls it `fuzz_ini_reader_main`): libFuzzer with its options.
@_cdecl("fuzz_ini_reader_main")
func fuzz_ini_reader_main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt { fuzz_main(argc, argv, fuzzINIReader) }
