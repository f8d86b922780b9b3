// swift-tools-version:6.0
// libFuzzer targets for the parsers that read outside data (see scripts/fuzz.sh). A package of
// its own, built only by that script: the main build and CI never compile anything here. The
// whole graph (Engine included) is compiled with `-sanitize=fuzzer` by the script, so libFuzzer
// sees the coverage of the code under test, not only of the harness.
import Foundation
import PackageDescription

// The main package is the parent directory; SwiftPM names a path dependency after its directory.
let root = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent()
let rootName = root.lastPathComponent

/// A harness defines `LLVMFuzzerTestOneInput` and an entry point that runs libFuzzer on it.
func harness(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
    .executableTarget(name: "fuzz-\(name)", dependencies: dependencies + ["CFuzzer"], path: "Targets/\(name)",
                      swiftSettings: [.unsafeFlags(["-parse-as-library"])])
}

let engine = Target.Dependency.product(name: "Engine", package: rootName)
let fake = Target.Dependency.product(name: "FakeIMAPServer", package: rootName)

let package = Package(
    name: "InterIMAPFuzz",
    dependencies: [.package(path: "..")],
    targets: [
        .target(name: "CFuzzer", path: "Targets/CFuzzer"),
        harness("response-parser", [engine]),
        harness("command-tokenizer", [engine, fake]),
        harness("ini-reader", [engine]),
        harness("statefile-reader", [engine]),
        harness("database-reader", [engine]),
        harness("mail-reply-reader", [engine]),
        harness("scenario-parser", [engine, fake]),
    ],
    swiftLanguageModes: [.v6]
)
