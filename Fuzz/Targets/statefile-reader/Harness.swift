import Engine
import Foundation
import CFuzzer

/// pullimap's statefile reader on arbitrary file contents: a state or a one-line error.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzStatefileReader(_ input: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data = input else { return 0 }
    let path = FuzzFile.path("statefile")
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes: data, count: size)) else { return 0 }
    _ = try? PullStatefile.peek(path: path)
    if let file = try? PullStatefile.open(path: path) { _ = try? file.read() }
    return 0
}

/// A scratch file per process, in memory where the system offers it.
enum FuzzFile {
    static func path(_ name: String) -> String {
        let dir = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        return "\(dir)/interimap-fuzz-\(getpid())-\(name)"
    }
}

/// The program's entry point (SwiftPM calls it `fuzz_statefile_reader_main`): libFuzzer with its options.
@_cdecl("fuzz_statefile_reader_main")
func fuzz_statefile_reader_main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt { fuzz_main(argc, argv, fuzzStatefileReader) }
